/*
 * storm10m - real mode: 10,000,000 CPUID exits in a loop, for hvview's memory figure
 * (scripts/bench.sh, section 4b): hvview on this trace must hold no more than on the
 * million-exit trace of replay/testdata/storm1m.S, which it copies with ten times the count.
 * No .test file: the recording takes minutes under Bochs, too long for the system tests.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT "storm10m: 10000000 CPUID exits\n"
	mov $10000000, %edi
1:	mov %edi, %eax			/* the leaf changes: every exit's registers differ */
	and $3, %eax
	cpuid
	dec %edi
	jnz 1b
	PASS

	GUEST_END
