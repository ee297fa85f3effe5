/*
 * x86_paging.h - the guest page walk, one copy for the hypervisor (hv/exit_ept.c, string I/O)
 * and the replayer (replay/rp_mmu.c). Freestanding: static inline, no libc; include it anywhere.
 *
 * x86_walk() translates a linear address the way the CPU does (SDM Vol. 3A, chapter 4):
 *   - no paging (CR0.PG = 0): the address itself, truncated to 32 bits;
 *   - 32-bit paging (4.3): 4 KiB pages, and with CR4.PSE 4 MiB pages whose PDE holds physical
 *     address bits 39:32 in bits 20:13 (PSE-36, Table 4-4);
 *   - PAE paging (4.4): the four PDPTEs come from the caller when it has them (the CPU loaded
 *     them at MOV CR3 / CR0 / CR4; the hypervisor reads them from the VMCS's GUEST_PDPTEn), or
 *     are read at CR3 when it has none (the replayer); 2 MiB and 4 KiB pages;
 *   - 4-level paging (4.5, EFER.LMA = 1): 1 GiB, 2 MiB and 4 KiB pages; PS in a PML4E is
 *     reserved.
 * It checks what the CPU checks while walking (4.6, 4.7): presence, reserved bits (physical
 * address bits at and above MAXPHYADDR, the PSE-36 and large-page gaps, XD without EFER.NXE,
 * the PAE PDPTE's reserved bits), U/S for a user-mode access, R/W for a user-mode write and for a
 * supervisor write when CR0.WP = 1, XD for an instruction fetch with EFER.NXE, and SMEP.
 * Not modelled: SMAP, protection keys, 5-level paging; canonical-address checks belong to the
 * caller (a non-canonical address is #GP or #SS, not #PF: SDM Vol. 3A, 3.3.7.1).
 *
 * Accessed and dirty bits: the walk never writes. The CPU would set A in every entry it uses
 * and D in the one that maps the page on a write (4.8); callers that emulate an access (the
 * hypervisor's INS/OUTS) choose not to, because the trace records one guest-memory write per
 * exit and extra writes would be invisible to replay. A guest that relies on A/D for pages it
 * touches only by string I/O sees them clear.
 *
 * The result says one of three things:
 *   X86_WALK_OK       pa = the physical address, page_size = the size of the page that maps it
 *                     (4 KiB, 4 MiB, 2 MiB, 1 GiB; 4 KiB without paging);
 *   X86_WALK_FAULT    the access faults: #PF with error code `error` (PF_* in x86_arch.h), and
 *                     CR2 = the linear address;
 *   X86_WALK_OUTSIDE  the walk itself needed the entry at guest-physical `outside`, and the
 *                     caller's read_entry could not read it (it lies outside the VM's memory).
 *                     On the real machine the CPU's read of that entry is an EPT violation at
 *                     `outside` (a read: SDM Vol. 3C, 29.3.3.2, "accesses to paging structures
 *                     are data reads"); a caller reports or replays that, not a #PF.
 * The data access itself is the caller's: X86_WALK_OK says nothing about pa being inside memory.
 */
#ifndef RETROVISOR_X86_PAGING_H
#define RETROVISOR_X86_PAGING_H

#include <stdint.h>

#include "retrovisor/x86_arch.h"

/* The CPU state a walk depends on. */
struct x86_paging {
	uint64_t cr0, cr3, cr4, efer;
	const uint64_t *pdpte; /* PAE paging: the 4 PDPTEs the CPU holds, or 0: read them at CR3 */
	unsigned maxphyaddr;   /* CPUID.80000008H:EAX[7:0]: physical address bits (36..52) */
};

/* Read the paging-structure entry of `size` bytes (4 or 8) at guest-physical gpa into *entry;
 * 0, or nonzero when it is not in the VM's memory (the walk then ends with X86_WALK_OUTSIDE). */
typedef int (*x86_read_entry_fn)(void *ctx, uint64_t gpa, unsigned size, uint64_t *entry);

enum x86_walk_status { X86_WALK_OK, X86_WALK_FAULT, X86_WALK_OUTSIDE };

struct x86_walk {
	enum x86_walk_status status;
	uint64_t pa;        /* OK: the physical address */
	uint64_t page_size; /* OK: bytes in the page that maps it */
	uint32_t error;     /* FAULT: the #PF error code */
	uint64_t outside;   /* OUTSIDE: guest-physical address of the entry that could not be read */
};

/* The access: PF_W (write), PF_U (CPL 3), PF_I (instruction fetch), the #PF error-code bits.
 * 0 is a supervisor read, which checks only presence and reserved bits: what a hypervisor or
 * replayer uses to find data the guest has already reached. */
#define X86_ACCESS_MASK (PF_W | PF_U | PF_I)

static inline uint64_t x86_bits(unsigned hi, unsigned lo) /* bits hi:lo set; 0 if hi < lo */
{
	return hi < lo ? 0 : (hi >= 63 ? ~0ull : (1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);
}

/* Ends the walk with a #PF (SDM Vol. 3A, 4.7). The I/D bit is set only for a fetch when SMEP is
 * on, or under PAE / 4-level paging with EFER.NXE (4.7, "I/D flag"). */
static inline int x86_walk_fault(const struct x86_paging *m, uint32_t access, uint32_t why, struct x86_walk *w)
{
	uint32_t e = why | (access & (PF_W | PF_U));
	if ((access & PF_I) && ((m->cr4 & CR4_SMEP) || ((m->cr4 & CR4_PAE) && (m->efer & EFER_NXE))))
		e |= PF_I;
	w->status = X86_WALK_FAULT;
	w->error = e;
	return -1;
}

/* Read the paging-structure entry at guest-physical a: 0, or -1 with X86_WALK_OUTSIDE when it
 * lies outside the VM's memory (the walk cannot go on). */
static inline int x86_walk_entry(x86_read_entry_fn read_entry, void *ctx, uint64_t a, unsigned size, uint64_t *e,
				 struct x86_walk *w)
{
	if (!read_entry(ctx, a, size, e))
		return 0;
	w->status = X86_WALK_OUTSIDE;
	w->outside = a;
	return -1;
}

/* Walk the guest's tables for an access to la. 0 when the result is X86_WALK_OK, else -1. */
static inline int x86_walk(const struct x86_paging *m, uint64_t la, uint32_t access, x86_read_entry_fn read_entry,
			   void *ctx, struct x86_walk *w)
{
	const unsigned maxpa = m->maxphyaddr ? m->maxphyaddr : 36;
	const int nxe = (m->efer & EFER_NXE) != 0;
	uint64_t e, table, rights = PTE_RW | PTE_US, xd = 0, size;
	unsigned shift, level;

	w->status = X86_WALK_OK;
	w->error = 0;
	w->outside = 0;
	if (!(m->cr0 & CR0_PG)) {
		w->pa = la & 0xffffffffull;
		w->page_size = 4096;
		return 0;
	}

	if (!(m->cr4 & CR4_PAE)) {
		/* 32-bit paging (4.3): a 1024-entry page directory at CR3[31:12], 4-byte entries. */
		uint64_t a = (m->cr3 & 0xfffff000ull) | (la >> 22 & 0x3ff) * 4;
		if (x86_walk_entry(read_entry, ctx, a, 4, &e, w))
			return -1;
		if (!(e & PTE_P))
			return x86_walk_fault(m, access, 0, w);
		rights &= e;
		if ((e & PTE_PS) && (m->cr4 & CR4_PSE)) {
			/* 4 MiB page, PSE-36 (Table 4-4): bits 20:13 are physical bits 39:32; bit 21 and
			 * bits 20:(M-19), M = min(MAXPHYADDR, 40), are reserved. */
			unsigned mm = maxpa < 40 ? maxpa : 40;
			if (e & (x86_bits(21, 21) | x86_bits(20, mm - 19)))
				return x86_walk_fault(m, access, PF_P | PF_RSVD, w);
			w->pa = (e >> 13 & 0xff) << 32 | (e & 0xffc00000ull) | (la & 0x3fffff);
			size = 4u << 20;
			goto check;
		}
		a = (e & 0xfffff000ull) | (la >> 12 & 0x3ff) * 4;
		if (x86_walk_entry(read_entry, ctx, a, 4, &e, w))
			return -1;
		if (!(e & PTE_P))
			return x86_walk_fault(m, access, 0, w);
		rights &= e;
		w->pa = (e & 0xfffff000ull) | (la & 0xfff);
		size = 4096;
		goto check;
	}

	/* PAE and 4-level paging: 8-byte entries, 512 per table. Physical bits from MAXPHYADDR up
	 * are reserved (up to bit 51 in 4-level paging, 62 under PAE); bit 63 without EFER.NXE. */
	const int four = (m->efer & EFER_LMA) != 0;
	const uint64_t addr = PTE_ADDR_MASK & x86_bits(maxpa - 1, 12);
	const uint64_t rsvd = x86_bits(four ? 51 : 62, maxpa) | (nxe ? 0 : PTE_XD);
	if (four) {
		table = m->cr3 & addr;
		level = 4;
	} else {
		/* The PDPTE (4.4.1, Table 4-8): no R/W, U/S or XD; bits 2:1, 8:5 and 63:M reserved. */
		unsigned i = la >> 30 & 3;
		if (m->pdpte) {
			e = m->pdpte[i];
		} else {
			uint64_t a = (m->cr3 & 0xffffffe0ull) + i * 8;
			if (x86_walk_entry(read_entry, ctx, a, 8, &e, w))
				return -1;
		}
		if (!(e & PTE_P))
			return x86_walk_fault(m, access, 0, w);
		if (!pae_pdpte_valid(e, maxpa)) /* the rule MOV to CR0/CR3/CR4 also applies (exit_cr.c) */
			return x86_walk_fault(m, access, PF_P | PF_RSVD, w);
		table = e & addr;
		level = 2;
	}
	for (;; level--) {
		shift = 12 + 9 * (level - 1);
		uint64_t a = table + (la >> shift & 511) * 8;
		if (x86_walk_entry(read_entry, ctx, a, 8, &e, w))
			return -1;
		if (!(e & PTE_P))
			return x86_walk_fault(m, access, 0, w);
		uint64_t bad = rsvd;
		if (level == 4)
			bad |= PTE_PS; /* PML4E (Table 4-14) */
		else if (level > 1 && (e & PTE_PS))
			bad |= x86_bits(shift - 1, 13); /* between the PAT bit (12) and the page's address */
		if (e & bad)
			return x86_walk_fault(m, access, PF_P | PF_RSVD, w);
		rights &= e;
		xd |= e & PTE_XD;
		if (level == 1 || (e & PTE_PS)) {
			size = 1ull << shift;
			w->pa = (e & addr & ~(size - 1)) | (la & (size - 1));
			break;
		}
		table = e & addr;
	}

check:
	/* Access rights (4.6): every level's R/W and U/S count; a supervisor write needs R/W only
	 * with CR0.WP; XD forbids fetches with EFER.NXE; SMEP forbids supervisor fetches from user
	 * pages. */
	if ((access & PF_U) && !(rights & PTE_US))
		return x86_walk_fault(m, access, PF_P, w);
	if ((access & PF_W) && !(rights & PTE_RW) && ((access & PF_U) || (m->cr0 & CR0_WP)))
		return x86_walk_fault(m, access, PF_P, w);
	if ((access & PF_I) && nxe && xd && (m->cr4 & CR4_PAE))
		return x86_walk_fault(m, access, PF_P, w);
	if ((access & PF_I) && !(access & PF_U) && (rights & PTE_US) && (m->cr4 & CR4_SMEP))
		return x86_walk_fault(m, access, PF_P, w);
	w->page_size = size;
	return 0;
}

#endif
