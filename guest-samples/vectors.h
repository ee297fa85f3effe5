/*
 * vectors.h - interrupt tables for samples that take interrupts: every vector a guest does not
 * expect ends in a FAIL naming it, instead of a jump through a zero entry into nowhere.
 *
 * Real mode: the IVT at 0:0 holds a far pointer (offset, segment) per vector (SDM Vol. 3A,
 * "Interrupt and Exception Handling in Real-Address Mode"). 32-bit protected mode: the IDT holds
 * an 8-byte gate per vector, found through IDTR (SDM Vol. 3A, "Interrupt Descriptor Table" and
 * "IDT Descriptors"). Both cover vectors 0-0x2F here: the exceptions and two PICs at 0x20/0x28.
 *
 *   VECTORS16             (in CODE16 text) 48 stubs and the handler that reports the vector
 *   IVT_FILL_UNEXPECTED   point IVT entries 0-0x2F at those stubs (clobbers EAX, ECX, EDI)
 *   IVT_SET vector, label point one IVT entry at a handler (segment 0)
 *   VECTORS32             (in CODE32 text) the same for protected mode, plus the IDT itself
 *   IDT_FILL_UNEXPECTED   fill the IDT with gates to the stubs and LIDT it (clobbers EAX, ECX, EDI)
 *   IDT_SET vector, label point one gate at a handler (clobbers EAX, EDI)
 *
 * A stub is `push $vector; jmp` (at most 7 bytes) aligned to 8, so stub v is at stubs + 8 * v.
 */
#ifndef VECTORS_H
#define VECTORS_H

	.equ VECTORS_COUNT, 0x30
	.equ IDT_GATE_INT32, 0x8E00	/* gate bits 47:40: P=1, DPL=0, 32-bit interrupt gate */

.macro VECTOR_STUBS b
	.balign 8
vectors_stubs\b:
	.set .Lvec, 0
	.rept VECTORS_COUNT
	.balign 8
	push $.Lvec
	jmp vectors_unexpected\b
	.set .Lvec, .Lvec + 1
	.endr
/* The CPU or the hypervisor delivered a vector nobody installed a handler for. */
vectors_unexpected\b:
.if \b == 16
	pop %ax				/* a real-mode push is a word */
.else
	pop %eax
.endif
	movzbl %al, %eax
	PUTS vectors_msg
	PRINT_HEXN %eax, 2
	PRINT "\n"
	FAIL "unexpected interrupt or exception (vector above)"
.endm

.macro VECTORS_MSG
	.pushsection .rodata
vectors_msg:
	.ascii GUEST_NAME
	.asciz ": unexpected interrupt or exception, vector "
	.popsection
.endm

.macro VECTORS16
	VECTOR_STUBS 16
.ifndef vectors_msg
	VECTORS_MSG
.endif
.endm

.macro IVT_SET vector, handler
	movw $\handler, \vector * 4
	movw $0, \vector * 4 + 2
.endm

.macro IVT_FILL_UNEXPECTED
	mov $vectors_stubs16, %eax
	xor %edi, %edi
	mov $VECTORS_COUNT, %ecx
.Livt\@:
	mov %ax, (%edi)			/* offset */
	movw $0, 2(%edi)		/* segment */
	add $8, %eax
	add $4, %edi
	dec %ecx
	jnz .Livt\@
.endm

.macro VECTORS32
	VECTOR_STUBS 32
.ifndef vectors_msg
	VECTORS_MSG
.endif
/* vectors_gate32: make the gate at EDI an interrupt gate to SEL_CODE32:EAX. Clobbers EAX. */
vectors_gate32:
	mov %ax, (%edi)			/* offset 15:0 */
	movw $SEL_CODE32, 2(%edi)	/* segment selector */
	movw $IDT_GATE_INT32, 4(%edi)	/* type and present bit */
	shr $16, %eax
	mov %ax, 6(%edi)		/* offset 31:16 */
	ret
	.pushsection .data
	.balign 8
idt:	.fill VECTORS_COUNT * 8, 1, 0
	.word 0				/* so that the base below is 4-byte aligned */
idt_desc:				/* the pseudo-descriptor LIDT reads: limit, then base */
	.word VECTORS_COUNT * 8 - 1
	.long idt
	.popsection
.endm

.macro IDT_SET vector, handler
	mov $idt + \vector * 8, %edi
	mov $\handler, %eax
	call vectors_gate32
.endm

.macro IDT_FILL_UNEXPECTED
	mov $vectors_stubs32, %eax
	mov $idt, %edi
	mov $VECTORS_COUNT, %ecx
.Lidt\@:
	PUSHR ax
	call vectors_gate32
	POPR ax
	add $8, %eax
	add $8, %edi
	dec %ecx
	jnz .Lidt\@
	lidt idt_desc
.endm

#endif
