/*
 * demo - the guest `make run` boots: a short tour of the VM exits a guest can cause, each with
 * a line of commentary, so that hvtrace shows a little of everything.
 *
 * Real mode: UART output (IN/OUT exits, two per byte), CPUID, RDTSC, an IN from a port no device
 * claims; then the console moves to the console_write hypercall (one VMCALL exit per line);
 * then MOV to CR0 into protected mode, CPUID, RDMSR, more hypercalls, and the shutdown
 * hypercall. About 600 exits in all, most of them the UART bytes of the first lines.
 */
#include "guest.h"

	.equ NOBODY_PORT, 0x0300	/* ISA prototype-card range: no device decodes it here */

	.text
	.globl _start
	CODE16
_start:
	PRINT "Retrovisor demo: a short tour of VM exits\n"
	PRINT "demo: each byte of these lines is two exits: IN from the UART's LSR, OUT to its THR\n"

	mov $HV_CPUID_BASE, %eax
	cpuid
	mov %ebx, signature
	mov %ecx, signature + 4
	mov %edx, signature + 8
	PRINT "demo: CPUID 0x40000000 -> "
	PUTS signature
	PRINT "\n"

	rdtsc
	PRINT "demo: RDTSC -> "
	PRINT_DEC %eax
	PRINT " (the TSC counts guest instructions)\n"

	mov $NOBODY_PORT, %dx
	in %dx, %al
	movzbl %al, %eax
	PRINT "demo: IN from port 0x0300, where no device is -> "
	PRINT_HEXN %eax, 2
	PRINT "\n"

	CONSOLE_HYPERCALL
	PRINT "demo: from here on each line is one exit: a console_write hypercall\n"
	HYPERCALL HC_VM_ID
	PRINT "demo: hypercall vm_id -> "
	PRINT_DEC %eax
	PRINT "\n"
	PRINT "demo: switching to 32-bit protected mode: LGDT, MOV to CR0, far jump\n"
	PM32_START
	mov %cr0, %eax
	PRINT "demo: in protected mode, CR0 = "
	PRINT_HEX %eax
	PRINT "\n"

	mov $HV_CPUID_BASE + 1, %eax
	cpuid
	PRINT "demo: CPUID 0x40000001 -> version "
	PRINT_HEX %eax
	PRINT ", VM id "
	PRINT_DEC %ebx
	PRINT " of "
	PRINT_DEC %ecx
	PRINT "\n"

	mov $MSR_IA32_EFER, %ecx
	rdmsr
	PRINT "demo: RDMSR EFER -> "
	PRINT_HEX %eax
	PRINT "\n"

	HYPERCALL HC_TIME
	PRINT "demo: hypercall time -> "
	PRINT_DEC %eax
	PRINT " guest instructions\n"

	HYPERCALL 0x7777
	PRINT "demo: hypercall 0x7777 (no such call) -> "
	PRINT_HEX %eax
	PRINT "\n"
	PRINT "demo: last exit: the shutdown hypercall\n"
	PASS

	.data
signature:	.fill 13, 1, 0

	GUEST_END
