/*
 * vmdef_schema.S - runner/schema/retrovisor.xsd inside hvrun, NUL-terminated, so that the
 * binary validates definitions wherever it is copied (no schema file to find at run time).
 * The assembler reads the file relative to the top of the tree, where make runs.
 */
	.section .rodata
	.globl vmdef_xsd
	.globl vmdef_xsd_end
vmdef_xsd:
	.incbin "runner/schema/retrovisor.xsd"
vmdef_xsd_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
