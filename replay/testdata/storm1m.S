/*
 * storm1m - real mode: 1,000,000 CPUID exits in a loop, for the replay seek benchmark
 * (replay/bench.sh): a trace of more than a million exits, recorded under Bochs.
 * guest-samples/storm10m.S is the same loop with STORM_EXITS set to ten million.
 */
#include "guest.h"

#ifndef STORM_EXITS
#define STORM_EXITS 1000000
#endif

	.text
	.globl _start
	CODE16
_start:
	PRINT "storm: CPUID exits in a loop until the count runs out\n"
	mov $STORM_EXITS, %edi
1:	mov %edi, %eax			/* the leaf changes: every exit's registers differ */
	and $3, %eax
	cpuid
	dec %edi
	jnz 1b
	PASS

	GUEST_END
