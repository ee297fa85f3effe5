/*
 * ept.c - one EPT hierarchy per VM (SDM Vol. 3C, 29.3.2).
 *
 * Four levels (PML4, PDPT, PD, PT) of 512 eight-byte entries; 4 KiB leaves, read/write/execute,
 * memory type write-back. Exactly the VM's memory is mapped, so any other guest-physical access,
 * whether to the hypervisor, another VM or a device, is an EPT violation that stops the VM.
 */
#include "ept.h"

#include "lib.h"
#include "mm.h"
#include "vmx_controls.h"

#define EPT_TABLE (EPT_READ | EPT_WRITE | EPT_EXEC) /* non-leaf entries grant everything */

static uint64_t *next_level(uint64_t *table, unsigned idx)
{
	if (!(table[idx] & EPT_READ)) {
		uint64_t *t = mm_alloc(PAGE_SIZE, PAGE_SIZE);
		if (!t)
			return 0;
		table[idx] = (uint64_t)t | EPT_TABLE;
	}
	return (uint64_t *)(table[idx] & ~0xfffull);
}

uint64_t ept_build(uint64_t host, uint64_t size)
{
	uint64_t *pml4 = mm_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!pml4)
		return 0;
	for (uint64_t gpa = 0; gpa < size; gpa += PAGE_SIZE) {
		uint64_t *pdpt = next_level(pml4, gpa >> 39 & 511);
		uint64_t *pd = pdpt ? next_level(pdpt, gpa >> 30 & 511) : 0;
		uint64_t *pt = pd ? next_level(pd, gpa >> 21 & 511) : 0;
		if (!pt)
			return 0;
		pt[gpa >> 12 & 511] = (host + gpa) | EPT_READ | EPT_WRITE | EPT_EXEC | EPT_MEMTYPE_WB;
	}
	return (uint64_t)pml4 | EPTP_WB | EPTP_WALK_4;
}
