/*
 * storm-forever - CPUID exits that never end: the guest for crash-safety tests, which stop
 * Bochs in the middle of a recording (tests/system/crash.sh). No .test file: alone it would
 * only ever time out.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT "storm-forever: CPUID exits until the run is stopped from outside\n"
	xor %edi, %edi
1:	mov %edi, %eax
	and $1, %eax			/* leaves 0 and 1, alternating */
	cpuid
	inc %edi
	jmp 1b

	GUEST_END
