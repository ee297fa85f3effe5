/* mm.h - physical memory for VMs, VMCSs and page tables: a bump allocator of zeroed pages. */
#ifndef HV_MM_H
#define HV_MM_H

#include <stdint.h>

void mm_init(uint64_t lo, uint64_t hi);
/* Zeroed, page-aligned; align must be a power of two >= 4096. Returns 0 when out of memory. */
void *mm_alloc(uint64_t size, uint64_t align);
uint64_t mm_free_bytes(void);

#endif
