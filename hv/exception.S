/*
 * exception.S - IDT entry stubs for the 32 exception vectors. The CPU pushes an error code for
 * vectors 8, 10-14, 17, 21, 29 and 30 (SDM Vol. 3A, 6.13); the others push a zero so that every
 * frame has the same layout (struct exception_frame in cpu.h).
 */
	.text
.macro STUB v
stub_\v:
	.if (\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp exception_common
.endm

.altmacro
.set v, 0
.rept 32
	STUB %v
	.set v, v + 1
.endr

exception_common:
	movq %rsp, %rdi
	andq $-16, %rsp
	call cpu_exception
1:	cli
	hlt
	jmp 1b

	.section .rodata
	.align 8
	.global exception_stubs
exception_stubs:
.macro STUBADDR v
	.quad stub_\v
.endm
.set v, 0
.rept 32
	STUBADDR %v
	.set v, v + 1
.endr
