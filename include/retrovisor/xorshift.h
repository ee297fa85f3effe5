/*
 * xorshift.h - the one pseudo-random generator of the synthetic traces, fuzz seeds, tests and the
 * hypervisor's RDRAND/RDSEED answers (hv/exit_rand.c); freestanding:
 * Marsaglia's xorshift64 (13, 7, 17). Deterministic from its seed, which must not be 0.
 */
#ifndef RETROVISOR_XORSHIFT_H
#define RETROVISOR_XORSHIFT_H

#include <stdint.h>

static inline uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#endif
