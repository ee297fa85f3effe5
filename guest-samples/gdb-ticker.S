/*
 * gdb-ticker - prints "tick 1" ... "tick 8" with 10,000 instructions of spinning (LOOP) between
 * them, then passes. The live debugger's test (tests/system/gdb-live.sh) runs it beside a VM
 * held at a breakpoint: every tick must appear while that VM is held (the scheduler skips a VM
 * the debugger holds; the others keep running).
 * Exits: UART I/O per byte, the shutdown hypercall.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	mov $1, %ebx
1:	PRINT "tick "
	PRINT_DEC %ebx
	PRINT "\n"
	mov $10000, %ecx
2:	loop 2b				/* 10,000 iterations of LOOP */
	inc %ebx
	cmp $8, %ebx
	jbe 1b
	PASS

	GUEST_END
