/*
 * hostile-ports - every I/O port, as an attacker probing for a device of the real machine:
 * IN from all 65,536 ports and OUT 0 to all but the guest's own UART (0x3F8-0x3FF, its console).
 *
 * Unconditional I/O exiting sends each access to the hypervisor, which emulates the UART (and,
 * for a VM with a timer, the PIC and PIT) and nothing else: every other port must read as all
 * ones, and no write may reach anything (the trace disk, the debug port, the PCI configuration
 * ports, the shutdown port 0x8900 that would end the whole machine are all real ports on
 * the host). The guest checks the reads and survives the writes to PASS; its neighbour too.
 * Exits: about 131,000 IN/OUT, UART I/O, shutdown.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	xor %edx, %edx
	xor %esi, %esi			/* ports that did not read 0xFF */
1:	cmp $0x3F8, %dx
	jb 2f
	cmp $0x3FF, %dx
	jbe 3f				/* the guest's own UART: skip */
2:	in %dx, %al
	cmp $0xFF, %al
	je 4f
	inc %esi
4:	xor %al, %al
	out %al, %dx
3:	inc %dx
	jnz 1b
	test %esi, %esi
	EXPECT jz, "a port other than the UART did not read as 0xFF"
	PRINT "hostile-ports: 65528 ports read 0xFF and ignored writes\n"
	PASS

	GUEST_END
