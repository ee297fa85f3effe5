/*
 * console-c1 - a guest that prints what a terminal would obey: a C1 CSI (0x9B) that clears the
 * screen, the same in UTF-8 (C2 9B), a right-to-left override (U+202E, E2 80 AE) and a lone
 * continuation byte (0x80). hvrun must show each of those bytes as \xHH, never raw (the C0
 * controls the hypervisor already replaces; tests/system/hostile-inputs.sh checks the bytes).
 *
 * Exits: IN/OUT per byte on the UART, the shutdown hypercall.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT "console-c1: \2332J|\302\233|\342\200\256|\200|end\n"
	PASS

	GUEST_END
