/*
 * task-switch - an exit the hypervisor has no handler for: it dumps the VMCS and stops this VM,
 * and nothing else.
 *
 * A far jump to a TSS selector is a hardware task switch, which in VMX non-root operation
 * always causes a VM exit (exit reason 9, SDM Vol. 3C, "Task Switching"). Retrovisor does not
 * emulate task switches: the exit takes the one "unexpected exit" path, which prints a VMCS
 * dump and stops the VM with the exit's reason and RIP. The guest loads its own GDT with a
 * 32-bit TSS descriptor, then jumps to it.
 * Exits: UART I/O, then the task switch (the last one).
 */
#include "guest.h"

	.equ SEL_TSS, 0x18

	.text
	.globl _start
	CODE16
_start:
	PRINT "task-switch: switching to protected mode\n"
	PM32_START
	lgdtl ts_gdt_desc
	PRINT "task-switch: far jump to a TSS selector\n"
	ljmp $SEL_TSS, $0
	FAIL "the task switch came back"

	.data
	.balign 8
ts_gdt:
	.quad 0				/* 0x00 null */
	.quad 0x00CF9A000000FFFF	/* 0x08 32-bit code */
	.quad 0x00CF92000000FFFF	/* 0x10 data */
	/* 0x18: an available 32-bit TSS (type 9), base tss, limit 0x67 */
	.word 0x67
	.word tss
	.byte 0, 0x89, 0, 0
ts_gdt_end:
	.balign 4
	.word 0
ts_gdt_desc:
	.word ts_gdt_end - ts_gdt - 1
	.long ts_gdt
	.balign 16
tss:	.space 0x68

	GUEST_END
