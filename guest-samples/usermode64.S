/*
 * usermode64 - a ring-3 program under a small 64-bit kernel: a system call by INT (through the
 * 64-bit TSS's RSP0, SS becomes a null selector: SDM Vol. 3A, 6.14.4), one by SYSCALL/SYSRET
 * with the kernel's own STAR/LSTAR/FMASK (SDM Vol. 2B, SYSCALL, SYSRET), and IRETQ to ring 3.
 *
 * GDT as Linux lays it out for SYSCALL/SYSRET: 0x08 kernel code (64-bit), 0x10 kernel data,
 * 0x18 user data, 0x20 user code (64-bit), 0x28 the 64-bit TSS; STAR[47:32] = 0x08 (SYSCALL:
 * CS 0x08, SS 0x10), STAR[63:48] = 0x10 (SYSRET to 64-bit code: CS 0x20 | 3, SS 0x18 | 3).
 * Identity paging with 2 MiB pages, user-accessible. The user program runs with IOPL 3 so it
 * can print through the UART.
 * Exits: UART I/O, CR0/CR3/CR4 and EFER (RDMSR/WRMSR), WRMSR of STAR/LSTAR/FMASK, the shutdown
 * hypercall; none of the ring changes exits.
 */
#include "guest.h"

	.equ K_CODE, 0x08
	.equ K_DATA, 0x10
	.equ U_DATA, 0x1B		/* 0x18 | RPL 3 */
	.equ U_CODE, 0x23		/* 0x20 | RPL 3 */
	.equ TSS_SEL, 0x28
	.equ K_STACK, 0x7000
	.equ U_STACK, 0x6000
	.equ PML4, 0x10000
	.equ GATE64_USER, 0xEE00	/* present, DPL 3, 64-bit interrupt gate */

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	PM32_START
	IDMAP_2M_TABLES PML4, PTE_P|PTE_RW|PTE_US
	PM32_TO_LONG PML4, EFER_SCE
	lgdt um_gdt_desc(%rip)
	push $K_CODE			/* reload CS from our GDT: far return */
	lea 1f(%rip), %rax
	push %rax
	lretq
1:	mov $K_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $K_STACK, %rsp

	/* the TSS descriptor's base, the TSS's RSP0, the task register */
	lea tss(%rip), %rax
	mov %ax, tss_desc + 2(%rip)
	shr $16, %rax
	mov %al, tss_desc + 4(%rip)
	movq $K_STACK, tss + 4(%rip)
	mov $TSS_SEL, %ax
	ltr %ax

	/* IDT: vectors 0x2E (system call) and 0x2F (back to the kernel), DPL 3 */
	lea k_int(%rip), %rax
	lea idt64 + 0x2E * 16(%rip), %rdi
	call set_gate
	lea k_exit(%rip), %rax
	lea idt64 + 0x2F * 16(%rip), %rdi
	call set_gate
	lidt idt64_desc(%rip)

	/* SYSCALL: STAR, LSTAR, FMASK (IF, TF, DF cleared on entry) */
	mov $MSR_IA32_STAR, %ecx
	xor %eax, %eax
	mov $(0x10 << 16) | K_CODE, %edx
	wrmsr
	mov $MSR_IA32_LSTAR, %ecx
	lea k_syscall(%rip), %rax
	xor %edx, %edx
	wrmsr
	mov $MSR_IA32_FMASK, %ecx
	mov $0x700, %eax
	wrmsr
	PRINT "usermode64: kernel ready, IRETQ to ring 3\n"

	push $U_DATA			/* SS */
	push $U_STACK			/* RSP */
	push $0x3002			/* RFLAGS: IOPL 3 */
	push $U_CODE			/* CS */
	lea user(%rip), %rax
	push %rax			/* RIP */
	iretq

/* set_gate: the 64-bit interrupt gate at RDI to K_CODE:RAX, DPL 3 */
set_gate:
	mov %ax, (%rdi)
	movw $K_CODE, 2(%rdi)
	movw $GATE64_USER, 4(%rdi)
	shr $16, %rax
	mov %ax, 6(%rdi)
	shr $16, %rax
	mov %eax, 8(%rdi)
	movl $0, 12(%rdi)
	ret

/* ---- ring 3 ------------------------------------------------------------------------------ */
user:
	PRINT "usermode64: in ring 3\n"
	mov %cs, %eax
	cmp $U_CODE, %eax
	EXPECT je, "not in ring 3 after IRETQ"
	mov $41, %eax
	int $0x2E
	cmp $42, %eax
	EXPECT je, "INT system call: wrong result"
	PRINT "usermode64: INT system call returned 42\n"
	mov $100, %eax
	syscall
	cmp $200, %eax
	EXPECT je, "SYSCALL: wrong result"
	mov %cs, %ebx
	cmp $U_CODE, %ebx
	EXPECT je, "SYSRET did not return to ring 3"
	PRINT "usermode64: SYSCALL returned 200\n"
	int $0x2F
	FAIL "INT 0x2F returned"

/* ---- ring 0 ------------------------------------------------------------------------------ */

/* INT from ring 3: SS:RSP of the user in the frame, RSP0 from the TSS, SS null */
k_int:
	cmpq $U_CODE, 8(%rsp)
	EXPECT je, "INT from ring 3: wrong CS in the frame"
	cmpq $U_DATA, 32(%rsp)
	EXPECT je, "INT from ring 3: wrong SS in the frame"
	cmp $K_STACK - 40, %rsp
	EXPECT je, "INT from ring 3: not on RSP0"
	inc %eax
	iretq

/* SYSCALL: RCX = the return RIP, R11 = RFLAGS, still on the user stack */
k_syscall:
	mov %cs, %ebx
	cmp $K_CODE, %ebx
	EXPECT je, "SYSCALL: CS is not STAR[47:32]"
	add %eax, %eax
	sysretq

k_exit:
	mov %cs, %eax
	cmp $K_CODE, %eax
	EXPECT je, "INT 0x2F: not in ring 0"
	PASS

	.data
	.balign 8
um_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF	/* 0x08 kernel code, 64-bit */
	.quad 0x00CF92000000FFFF	/* 0x10 kernel data */
	.quad 0x00CFF2000000FFFF	/* 0x18 user data */
	.quad 0x00AFFA000000FFFF	/* 0x20 user code, 64-bit */
tss_desc:				/* 0x28: 64-bit TSS (available), 16 bytes; base set above */
	.word 0x67, 0
	.byte 0, 0x89, 0, 0
	.quad 0
um_gdt_end:
	.balign 4
	.word 0
um_gdt_desc:
	.word um_gdt_end - um_gdt - 1
	.long um_gdt, 0
	.balign 16
tss:	.fill 0x68, 1, 0
	.balign 16
idt64:	.fill 0x30 * 16, 1, 0
	.balign 4
	.word 0
idt64_desc:
	.word 0x30 * 16 - 1
	.long idt64, 0

	GUEST_END
