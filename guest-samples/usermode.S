/*
 * usermode - a ring-3 program under a small 32-bit kernel: system calls by INT 0x80 and
 * SYSENTER, a page fault in user mode, a software interrupt the program may not use, IRET and
 * SYSEXIT back to ring 3. Replay must switch stacks through the TSS as the CPU does.
 *
 * The kernel (ring 0) builds its own GDT (ring-0 and ring-3 flat code and data, a 32-bit TSS
 * whose SS0:ESP0 is the kernel stack), an IDT (INT 0x80 and 0x82 gates with DPL 3, INT 0x81
 * with DPL 0) and 32-bit paging (every page user-accessible but KPAGE), then IRETs to ring 3
 * with IOPL 3 (so the program can print through the UART). SDM Vol. 3A: 6.12.1 (inward
 * delivery: SS:ESP from the TSS, old SS, ESP, EFLAGS, CS, EIP pushed on the new stack),
 * 6.12.1.1 (a software interrupt through a gate with DPL < CPL is #GP(vector * 8 + 2)), 4.7
 * (a user-mode read of a supervisor page: #PF with error code 5 = P | U/S), Vol. 2B SYSENTER /
 * SYSEXIT (CS from IA32_SYSENTER_CS, SS = CS + 8; SYSEXIT: CS = SYSENTER_CS + 16, SS + 24).
 * Exits: UART I/O, WRMSR of the SYSENTER MSRs, the CR0/CR3 writes of paging, the shutdown
 * hypercall; none of the ring changes exits.
 */
#include "guest.h"
#include "vectors.h"

	.equ K_CODE, 0x08
	.equ K_DATA, 0x10
	.equ U_CODE, 0x1B		/* 0x18 | RPL 3 */
	.equ U_DATA, 0x23		/* 0x20 | RPL 3 */
	.equ TSS_SEL, 0x28
	.equ K_STACK, 0x7000
	.equ U_STACK, 0x6000
	.equ PD, 0x20000
	.equ PT, 0x21000
	.equ KPAGE, 0x30000		/* supervisor only */

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	REAL_TO_PM32 pm

	CODE32
pm:
	lgdt um_gdt_desc
	ljmp $K_CODE, $1f
1:	LOAD_DATA_SEGMENTS
	mov $K_STACK, %esp
	IDT_FILL_UNEXPECTED
	IDT_SET 14, k_pf
	IDT_SET 13, k_gp
	IDT_SET 0x2E, k_int80		/* 0x2E stands for Linux's 0x80: the table has 0x30 gates */
	orw $0x6000, idt + 0x2E * 8 + 4	/* DPL 3 */
	IDT_SET 0x2F, k_exit
	orw $0x6000, idt + 0x2F * 8 + 4
	IDT_SET 0x2D, k_int80		/* DPL 0: ring 3 may not use it */

	/* the TSS: SS0:ESP0 for interrupts from ring 3 */
	movl $K_STACK, tss + 4
	movl $K_DATA, tss + 8
	mov $TSS_SEL, %ax
	ltr %ax

	/* SYSENTER: CS = K_CODE, SS = K_DATA, EIP = k_sysenter, ESP = the kernel stack */
	mov $MSR_IA32_SYSENTER_CS, %ecx
	mov $K_CODE, %eax
	xor %edx, %edx
	wrmsr
	mov $MSR_IA32_SYSENTER_ESP, %ecx
	mov $K_STACK - 0x800, %eax
	wrmsr
	mov $MSR_IA32_SYSENTER_EIP, %ecx
	mov $k_sysenter, %eax
	wrmsr

	/* 32-bit paging: identity, user-accessible, KPAGE supervisor-only */
	ZERO_PAGES PD, 1
	movl $PT | PTE_P | PTE_RW | PTE_US, PD
	IDMAP_4K PT, PTE_P|PTE_RW|PTE_US
	andl $~PTE_US, PT + (KPAGE >> 12) * 4
	PAGING32_ON PD
	PRINT "usermode: kernel ready, IRET to ring 3\n"

	push $U_DATA			/* SS */
	push $U_STACK			/* ESP */
	push $0x3002			/* EFLAGS: IOPL 3, IF 0 */
	push $U_CODE			/* CS */
	push $user			/* EIP */
	iret

/* ---- ring 3 ------------------------------------------------------------------------------ */
user:
	mov $U_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	PRINT "usermode: in ring 3\n"
	mov %cs, %eax
	and $3, %eax
	cmp $3, %eax
	EXPECT je, "not in ring 3 after IRET"

	mov $41, %eax
	int $0x2E			/* system call 1: returns EAX + 1 */
	cmp $42, %eax
	EXPECT je, "INT system call: wrong result"
	PRINT "usermode: INT system call returned 42\n"

	mov $100, %eax
	mov $1f, %edx			/* SYSEXIT returns to EDX with ESP = ECX */
	mov %esp, %ecx
	sysenter
1:	cmp $200, %eax
	EXPECT je, "SYSENTER system call: wrong result"
	mov %cs, %ebx
	cmp $U_CODE, %ebx
	EXPECT je, "SYSEXIT did not return to ring 3"
	PRINT "usermode: SYSENTER system call returned 200\n"

	movl $2f, resume
	mov KPAGE, %eax			/* supervisor page: #PF(5) */
	FAIL "a user read of a supervisor page did not fault"
2:	cmpl $5, pf_err
	EXPECT je, "user #PF: wrong error code"
	cmpl $KPAGE, pf_cr2
	EXPECT je, "user #PF: wrong CR2"
	PRINT "usermode: user read of a supervisor page -> #PF error 5\n"

	movl $3f, resume
	int $0x2D			/* gate DPL 0: #GP(0x2D * 8 + 2) */
	FAIL "INT through a DPL 0 gate did not fault"
3:	cmpl $0x2D * 8 + 2, gp_err
	EXPECT je, "INT through a DPL 0 gate: wrong error code"
	PRINT "usermode: INT 0x2D from ring 3 -> #GP 0x16A\n"

	int $0x2F			/* back to the kernel for good */
	FAIL "INT 0x2F returned"

/* ---- ring 0 ------------------------------------------------------------------------------ */

/* INT 0x2E: the frame must hold the user's SS:ESP, and we must be on the TSS stack. */
k_int80:
	cmpl $U_CODE, 4(%esp)
	EXPECT je, "INT from ring 3: wrong CS in the frame"
	cmpl $U_DATA, 16(%esp)
	EXPECT je, "INT from ring 3: wrong SS in the frame"
	cmp $K_STACK - 20, %esp
	EXPECT je, "INT from ring 3: not on the TSS stack"
	inc %eax
	iret

k_sysenter:
	mov %ss, %ebx
	cmp $K_DATA, %ebx
	EXPECT je, "SYSENTER: SS is not SYSENTER_CS + 8"
	add %eax, %eax
	sysexit

/* A fault from ring 3: error code, EIP, CS, EFLAGS, ESP, SS on the kernel stack. */
k_pf:
	popl pf_err
	push %eax
	mov %cr2, %eax
	mov %eax, pf_cr2
	mov resume, %eax
	mov %eax, 4(%esp)
	pop %eax
	iret

k_gp:
	popl gp_err
	push %eax
	mov resume, %eax
	mov %eax, 4(%esp)
	pop %eax
	iret

k_exit:
	mov %cs, %eax
	cmp $K_CODE, %eax
	EXPECT je, "INT 0x2F: not in ring 0"
	PASS

	VECTORS32

	.data
	.balign 8
um_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF	/* 0x08 ring-0 code */
	.quad 0x00CF92000000FFFF	/* 0x10 ring-0 data */
	.quad 0x00CFFA000000FFFF	/* 0x18 ring-3 code */
	.quad 0x00CFF2000000FFFF	/* 0x20 ring-3 data */
tss_desc:				/* 0x28: 32-bit TSS, available; base filled below */
	.word 0x67
	.word tss
	.byte 0
	.byte 0x89
	.byte 0
	.byte 0
um_gdt_end:
	.balign 4
	.word 0
um_gdt_desc:
	.word um_gdt_end - um_gdt - 1
	.long um_gdt
	.balign 16
tss:	.fill 0x68, 1, 0
resume:	.long 0
pf_err:	.long 0
pf_cr2:	.long 0
gp_err:	.long 0

	GUEST_END
