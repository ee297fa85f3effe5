/*
 * x86.h - the few instructions the hypervisor needs as C. The architectural constants live in
 * include/retrovisor/x86_arch.h, shared with the host tools.
 */
#ifndef HV_X86_H
#define HV_X86_H

#include <stdint.h>

#include "retrovisor/x86_arch.h"

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define DEFINE_CR_ACCESS(n)                                                        \
	static inline uint64_t read_cr##n(void)                                    \
	{                                                                          \
		uint64_t v;                                                        \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                  \
		return v;                                                          \
	}                                                                          \
	static inline void write_cr##n(uint64_t v) { __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
DEFINE_CR_ACCESS(0)
DEFINE_CR_ACCESS(2)
DEFINE_CR_ACCESS(3)
DEFINE_CR_ACCESS(4)
DEFINE_CR_ACCESS(8) /* the local APIC's TPR, bits 3:0 (64-bit mode only) */
#undef DEFINE_CR_ACCESS

#define DEFINE_DR_ACCESS(n)                                                        \
	static inline uint64_t read_dr##n(void)                                    \
	{                                                                          \
		uint64_t v;                                                        \
		__asm__ volatile("mov %%db" #n ", %0" : "=r"(v));                  \
		return v;                                                          \
	}                                                                          \
	static inline void write_dr##n(uint64_t v) { __asm__ volatile("mov %0, %%db" #n ::"r"(v)); }
DEFINE_DR_ACCESS(0)
DEFINE_DR_ACCESS(1)
DEFINE_DR_ACCESS(2)
DEFINE_DR_ACCESS(3)
DEFINE_DR_ACCESS(6)
#undef DEFINE_DR_ACCESS

static inline void xsetbv(uint32_t idx, uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* XSAVE64/XRSTOR64 of the components in XCR0 & mask; FXSAVE64/FXRSTOR64 without XSAVE. The
 * 64-bit forms keep the x87 instruction and data pointers whole (SDM Vol. 1, 13.7). */
static inline void xsave64(void *area, uint64_t mask)
{
	__asm__ volatile("xsave64 %0" : "+m"(*(uint8_t(*)[XSAVE_HEADER_END])area) : "a"((uint32_t)mask),
			 "d"((uint32_t)(mask >> 32)) : "memory");
}
static inline void xrstor64(const void *area, uint64_t mask)
{
	__asm__ volatile("xrstor64 %0" ::"m"(*(const uint8_t(*)[XSAVE_HEADER_END])area), "a"((uint32_t)mask),
			 "d"((uint32_t)(mask >> 32)) : "memory");
}
static inline void fxsave64(void *area) { __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[FXSAVE_SIZE])area)); }
static inline void fxrstor64(const void *area)
{
	__asm__ volatile("fxrstor64 %0" ::"m"(*(const uint8_t(*)[FXSAVE_SIZE])area));
}

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

#endif
