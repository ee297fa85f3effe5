/*
 * hello - the smallest guest: real mode, prints a greeting on the UART, ends with cli; hlt.
 *
 * Exits: for every byte an IN from the line status register (0x3FD) and an OUT to the
 * transmit register (0x3F8), then HLT with interrupts off, which the hypervisor takes as the
 * end of the VM (there is nothing left that could wake it).
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT "Hello from a Retrovisor guest, in real mode at 0x7C00.\n"
	PUTS lib_msg_pass
	cli
	hlt

	GUEST_END
