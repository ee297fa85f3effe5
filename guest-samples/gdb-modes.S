/*
 * gdb-modes - a guest for the live debugger's test (tests/system/gdb-live.sh): one marked
 * place in each CPU mode, real -> 32-bit protected -> 64-bit, where the test sets a breakpoint,
 * reads registers and memory and single-steps. Run alone it just passes.
 *
 * At each mark a known value is in EAX/RAX, the next instruction changes it (what `stepi`
 * must show) and `gdb_data` holds a known pattern (what `x` must read). From `step_from` on,
 * stepping crosses instructions the hypervisor emulates (each must still be one step). Page tables
 * and the way to long mode as in long64.S (IDMAP_2M_TABLES, PM32_TO_LONG in guest.h).
 */
#include "guest.h"

	.equ PML4, 0x1000		/* PDPT and PD follow (IDMAP_2M_TABLES) */

	.text
	.globl _start
	CODE16
_start:
	PRINT "gdb-modes: real mode\n"
	mov $0x1111, %eax
	.globl mark_real
mark_real:
	add $0x0101, %eax		/* stepi: EAX becomes 0x1212 */
	mov %eax, %ebx
	IDMAP_2M_TABLES PML4
	REAL_TO_PM32 pm

	CODE32
pm:
	LOAD_DATA_SEGMENTS
	mov $0x7C00, %esp
	PRINT "gdb-modes: protected mode\n"
	mov $0x32323232, %eax
	.globl mark_pm
mark_pm:
	inc %eax			/* stepi: EAX becomes 0x32323233 */
	mov %eax, %ebx
	/* stepi from step_from: RDMSR, WRMSR, MOV to CR0 exit, LJMP */
	PM32_TO_LONG PML4, mark=step_from

	PRINT "gdb-modes: long mode\n"
	movabs $0x6464646400000000, %rax
	.globl mark_lm
mark_lm:
	inc %rax			/* stepi: RAX becomes 0x6464646400000001 */
	mov %rax, %rbx
	mov $gdb_data, %ebx
	mov (%rbx), %rax		/* the debugger may have written it: print what is there */
	.globl print_data		/* or the debugger jumps here and sets RAX itself */
print_data:
	PRINT "gdb-modes: data "
	PRINT_HEX64 %rax
	PRINT "\n"
	PASS

	.section .rodata
	.balign 8
	.globl gdb_data
gdb_data:
	.quad 0x0123456789abcdef

	GUEST_END
