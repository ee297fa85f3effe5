/*
 * outside-fetch - a jump to code outside the VM's memory: the instruction fetch at
 * guest-physical 0x200000 is an EPT violation (SDM Vol. 3C, 29.3.3.2, bit 2 of the exit
 * qualification: instruction fetch), and the hypervisor stops the VM. The jump itself
 * completes: replay must stop at the same instruction count, with RIP = 0x200000.
 * Exits: UART I/O, one EPT violation.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	PM32_START
	PRINT "outside-fetch: jumping to 0x200000\n"
	mov $0x200000, %eax
	jmp *%eax

	GUEST_END
