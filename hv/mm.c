/*
 * mm.c - physical memory: one bump pointer over the RAM above the hypervisor and its modules.
 * Nothing is ever freed: VMs live for the whole run. The hypervisor's memory is identity-mapped,
 * so a pointer is also the physical address handed to VMX (VMCS, EPT) and to EPT as guest memory.
 */
#include "mm.h"

#include "lib.h"

static uint64_t next, limit;

void mm_init(uint64_t lo, uint64_t hi)
{
	next = ALIGN_UP(lo, PAGE_SIZE);
	limit = hi;
}

void *mm_alloc(uint64_t size, uint64_t align)
{
	uint64_t p = ALIGN_UP(next, align);
	size = ALIGN_UP(size, PAGE_SIZE);
	if (p + size > limit || p + size < p)
		return 0;
	next = p + size;
	memset((void *)p, 0, size);
	return (void *)p;
}

uint64_t mm_free_bytes(void) { return limit > next ? limit - next : 0; }
