/*
 * outside-idt - an interrupt table outside the VM's memory: the CPU reads IVT entry 0x20 at
 * guest-physical 0x200080, which the EPT does not map; the EPT violation happens during the
 * delivery of INT 0x20, and the hypervisor stops the VM. Replay must stop there too, with
 * that address, not escalate to #GP, #DF and a triple fault.
 * Exits: UART I/O, one EPT violation.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	PRINT "outside-idt: IDTR base at 2 MiB, then INT 0x20\n"
	lidtl far_ivt
	int $0x20
	FAIL "an interrupt through an IVT outside memory did not stop the VM"

	.section .rodata
	.balign 4
	.word 0
far_ivt:
	.word 0x3FF
	.long 0x200000

	GUEST_END
