/*
 * xorshift.h - the one pseudo-random generator of the synthetic traces, fuzz seeds and tests:
 * Marsaglia's xorshift64 (13, 7, 17). Deterministic from its seed, which must not be 0.
 */
#ifndef TRACER_XORSHIFT_H
#define TRACER_XORSHIFT_H

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
