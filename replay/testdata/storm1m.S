/*
 * storm1m - real mode: 1,000,000 CPUID exits in a loop, for the replay seek benchmark
 * (replay/bench.sh): a trace of more than a million exits, recorded under Bochs.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT "storm1m: 1000000 CPUID exits\n"
	mov $1000000, %edi
1:	mov %edi, %eax			/* the leaf changes: every exit's registers differ */
	and $3, %eax
	cpuid
	dec %edi
	jnz 1b
	PASS

	GUEST_END
