/*
 * check_x86_paging.c - the one guest page walk (include/retrovisor/x86_paging.h): every paging
 * mode and page size, PSE-36's high address bits, reserved bits, U/S, R/W with CR0.WP, NX, and
 * a walk that needs an entry outside the VM's memory.
 *
 * A fake guest memory of 64 KiB holds the tables; entries are written where each test wants
 * them. Addresses in the comments are guest-physical.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "retrovisor/x86_paging.h"
#include "check_run.h"

#define MEM 0x10000
static uint8_t mem[MEM];

static int rd(void *ctx, uint64_t gpa, unsigned size, uint64_t *e)
{
	(void)ctx;
	if (gpa > MEM || size > MEM - gpa)
		return -1;
	*e = 0;
	memcpy(e, mem + gpa, size);
	return 0;
}
static void put32(uint64_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }
static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }

#define RWU (PTE_P | PTE_RW | PTE_US)
#define PG_32 ((struct x86_paging){ .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PSE, .maxphyaddr = 40 })
#define PG_PAE                                                                                                   \
	((struct x86_paging){ .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE, .efer = EFER_NXE, .maxphyaddr = 40 })
#define PG_4L                                                                                                    \
	((struct x86_paging){ .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA | EFER_NXE, \
			      .maxphyaddr = 40 })

static struct x86_walk walk(const struct x86_paging *m, uint64_t la, uint32_t access)
{
	struct x86_walk w;
	int r = x86_walk(m, la, access, rd, 0, &w);
	ck_assert_int_eq(r, w.status == X86_WALK_OK ? 0 : -1);
	return w;
}

static void ok(struct x86_walk w, uint64_t pa, uint64_t size)
{
	ck_assert_int_eq(w.status, X86_WALK_OK);
	ck_assert_uint_eq(w.pa, pa);
	ck_assert_uint_eq(w.page_size, size);
}

static void pf(struct x86_walk w, uint32_t error)
{
	ck_assert_int_eq(w.status, X86_WALK_FAULT);
	ck_assert_uint_eq(w.error, error);
}

static void setup(void) { memset(mem, 0, sizeof(mem)); }

START_TEST(test_no_paging)
{
	struct x86_paging m = { .cr0 = CR0_PE };
	ok(walk(&m, 0x123456789ull, PF_W | PF_U), 0x23456789, 4096);
}
END_TEST

/* 32-bit paging: PD at 0x1000, PT at 0x2000; 4 KiB and 4 MiB pages; PSE-36 high bits. */
START_TEST(test_32bit)
{
	struct x86_paging m = PG_32;
	put32(0x1000 + 1 * 4, 0x2000 | RWU);       /* 0x00400000-0x007fffff: a page table */
	put32(0x2000 + 5 * 4, 0x7000 | RWU);       /* 0x00405000 -> 0x7000 */
	ok(walk(&m, 0x00405abc, PF_W | PF_U), 0x7abc, 4096);
	put32(0x1000 + 2 * 4, 0x00c00000 | PTE_PS | RWU); /* 0x00800000: 4 MiB at 12 MiB */
	ok(walk(&m, 0x00812345, 0), 0x00c12345, 4u << 20);
	/* PSE-36 (Table 4-4): PDE bits 20:13 are physical bits 39:32; 0x5A -> 0x5A_0000_0000. */
	put32(0x1000 + 3 * 4, 0x01000000 | 0x5au << 13 | PTE_PS | RWU);
	ok(walk(&m, 0x00c00010, 0), 0x5a01000010ull, 4u << 20);
	/* Without CR4.PSE the PS bit is ignored: the PDE points to a page table. */
	m.cr4 = 0;
	put32(0x1000 + 4 * 4, 0x2000 | PTE_PS | RWU);
	ok(walk(&m, 0x01005010, 0), 0x7010, 4096);
	/* Not present: error code P=0 with the access bits. */
	pf(walk(&m, 0x01406000, PF_W | PF_U), PF_W | PF_U);
	pf(walk(&m, 0x00406000, 0), 0);
}
END_TEST

/* PSE-36 reserved bits: bit 21 always, bits 20:(M-19) with M = min(MAXPHYADDR, 40). */
START_TEST(test_32bit_pse36_reserved)
{
	struct x86_paging m = PG_32;
	put32(0x1000, 1u << 21 | PTE_PS | RWU);
	pf(walk(&m, 0x10, 0), PF_P | PF_RSVD);
	put32(0x1000, 0xffu << 13 | PTE_PS | RWU); /* all 8 high bits: fine with M = 40 */
	ok(walk(&m, 0x10, 0), 0xff00000010ull, 4u << 20);
	m.maxphyaddr = 36; /* bits 20:17 now reserved */
	pf(walk(&m, 0x10, PF_W), PF_P | PF_RSVD | PF_W);
	put32(0x1000, 0xfu << 13 | PTE_PS | RWU);
	ok(walk(&m, 0x10, 0), 0xf00000010ull, 4u << 20);
}
END_TEST

/* PAE: PDPTEs from memory at CR3 or given by the caller; 2 MiB and 4 KiB pages. */
START_TEST(test_pae)
{
	struct x86_paging m = PG_PAE;
	put64(0x1000 + 1 * 8, 0x2000 | PTE_P);          /* PDPTE 1: 1-2 GiB */
	put64(0x2000 + 3 * 8, 0x3000 | RWU);            /* PDE 3 -> PT at 0x3000 */
	put64(0x3000 + 4 * 8, 0x12345000ull | RWU);     /* 4 KiB */
	ok(walk(&m, 0x40604321, PF_U | PF_W), 0x12345321, 4096);
	put64(0x2000 + 4 * 8, 0x7a00200000ull | PTE_PS | RWU); /* 2 MiB above 4 GiB */
	ok(walk(&m, 0x40812345, 0), 0x7a00212345ull, 2u << 20);
	/* The caller's PDPTEs win over memory (the CPU uses the ones it loaded). */
	uint64_t pdpte[4] = { 0, 0x2000 | PTE_P, 0, 0 };
	put64(0x1000 + 1 * 8, 0);
	m.pdpte = pdpte;
	ok(walk(&m, 0x40604321, 0), 0x12345321, 4096);
	pf(walk(&m, 0x00001000, PF_W), PF_W); /* PDPTE 0 not present */
	/* PDPTE reserved bits: 2:1 (no R/W, U/S at this level) and 63:M. */
	pdpte[1] = 0x2000 | PTE_P | PTE_RW;
	pf(walk(&m, 0x40604321, 0), PF_P | PF_RSVD);
	pdpte[1] = 0x2000 | PTE_P | 1ull << 45;
	pf(walk(&m, 0x40604321, 0), PF_P | PF_RSVD);
	/* 2 MiB page: bits 20:13 reserved; PDE bits 62:M reserved under PAE. */
	pdpte[1] = 0x2000 | PTE_P;
	put64(0x2000 + 4 * 8, 0x00200000 | 1u << 13 | PTE_PS | RWU);
	pf(walk(&m, 0x40812345, 0), PF_P | PF_RSVD);
	put64(0x2000 + 4 * 8, 0x00200000 | 1ull << 55 | PTE_PS | RWU);
	pf(walk(&m, 0x40812345, 0), PF_P | PF_RSVD);
}
END_TEST

/* 4-level paging: 1 GiB, 2 MiB and 4 KiB pages; PS in a PML4E is reserved. */
START_TEST(test_4level)
{
	struct x86_paging m = PG_4L;
	uint64_t la = 0x00007f8080201abcull; /* PML4 255, PDPT 2, PD 1, PT 1 */
	put64(0x1000 + 255 * 8, 0x2000 | RWU);
	put64(0x2000 + 2 * 8, 0x3000 | RWU);
	put64(0x3000 + 1 * 8, 0x4000 | RWU);
	put64(0x4000 + 1 * 8, 0xabcdef000ull | RWU);
	ok(walk(&m, la, PF_W | PF_U), 0xabcdefabcull, 4096);
	/* The walk ignores bits 63:48 (canonical checks are the caller's, #GP not #PF). */
	ok(walk(&m, la | 0xffff000000000000ull, 0), 0xabcdefabcull, 4096);
	put64(0x3000 + 1 * 8, 0x40000000ull | PTE_PS | RWU); /* 2 MiB */
	ok(walk(&m, la, 0), 0x40001abcull | (la & 0x1fffff & ~0xfffull), 2u << 20);
	put64(0x2000 + 2 * 8, 0x80c0000000ull | PTE_PS | RWU); /* 1 GiB */
	ok(walk(&m, la, 0), 0x80c0000000ull | (la & 0x3fffffff), 1u << 30);
	put64(0x2000 + 2 * 8, 0x80c0000000ull | 1u << 13 | PTE_PS | RWU); /* bits 29:13 reserved */
	pf(walk(&m, la, PF_U), PF_P | PF_RSVD | PF_U);
	put64(0x1000 + 255 * 8, 0x2000 | PTE_PS | RWU); /* PS in a PML4E */
	pf(walk(&m, la, 0), PF_P | PF_RSVD);
	put64(0x1000 + 255 * 8, 0x2000 | 1ull << 40 | RWU); /* bit 40 >= MAXPHYADDR */
	pf(walk(&m, la, 0), PF_P | PF_RSVD);
	put64(0x1000 + 255 * 8, 0x2000 | 1ull << 52 | RWU); /* bits 62:52 are ignored */
	put64(0x2000 + 2 * 8, 0x3000 | RWU);
	ok(walk(&m, la, 0), 0x40001abcull | (la & 0x1fffff & ~0xfffull), 2u << 20);
	put64(0x1000 + 255 * 8, 0);
	pf(walk(&m, la, PF_I), PF_I);
}
END_TEST

/* U/S and R/W over every level, and CR0.WP for supervisor writes. */
START_TEST(test_user_supervisor_and_write)
{
	struct x86_paging m = PG_32;
	put32(0x1000, 0x2000 | RWU);
	put32(0x2000 + 1 * 4, 0x5000 | PTE_P | PTE_RW);  /* 0x1000: supervisor, writable */
	put32(0x2000 + 2 * 4, 0x6000 | PTE_P | PTE_US);  /* 0x2000: user, read-only */
	ok(walk(&m, 0x1010, PF_W), 0x5010, 4096);
	pf(walk(&m, 0x1010, PF_U), PF_P | PF_U);
	pf(walk(&m, 0x1010, PF_U | PF_W), PF_P | PF_U | PF_W);
	ok(walk(&m, 0x2010, PF_U), 0x6010, 4096);
	pf(walk(&m, 0x2010, PF_U | PF_W), PF_P | PF_U | PF_W);
	ok(walk(&m, 0x2010, PF_W), 0x6010, 4096); /* supervisor write, WP = 0 */
	m.cr0 |= CR0_WP;
	pf(walk(&m, 0x2010, PF_W), PF_P | PF_W);
	/* A restriction at the directory level counts as much as one in the table. */
	put32(0x1000, 0x2000 | PTE_P | PTE_US);
	put32(0x2000 + 3 * 4, 0x7000 | RWU);
	pf(walk(&m, 0x3010, PF_U | PF_W), PF_P | PF_U | PF_W);
	put32(0x1000, 0x2000 | PTE_P | PTE_RW);
	pf(walk(&m, 0x3010, PF_U), PF_P | PF_U);
	/* 4-level: U/S=0 in the PDPTE only. */
	struct x86_paging l = PG_4L;
	memset(mem, 0, sizeof(mem));
	put64(0x1000, 0x2000 | RWU);
	put64(0x2000, 0x3000 | PTE_P | PTE_RW);
	put64(0x3000, 0x4000 | RWU);
	put64(0x4000, 0x8000 | RWU);
	ok(walk(&l, 0x10, PF_W), 0x8010, 4096);
	pf(walk(&l, 0x10, PF_U), PF_P | PF_U);
}
END_TEST

/* XD: a fetch faults with EFER.NXE; without NXE bit 63 is reserved. I/D in the error code only
 * for PAE/4-level with NXE (or SMEP). */
START_TEST(test_nx)
{
	struct x86_paging m = PG_4L;
	put64(0x1000, 0x2000 | RWU);
	put64(0x2000, 0x3000 | RWU);
	put64(0x3000, 0x4000 | RWU | PTE_XD);
	put64(0x4000, 0x8000 | RWU);
	ok(walk(&m, 0x10, 0), 0x8010, 4096);
	ok(walk(&m, 0x10, PF_W | PF_U), 0x8010, 4096);
	pf(walk(&m, 0x10, PF_I), PF_P | PF_I);
	pf(walk(&m, 0x10, PF_I | PF_U), PF_P | PF_I | PF_U);
	m.efer &= ~EFER_NXE;
	pf(walk(&m, 0x10, 0), PF_P | PF_RSVD);
	put64(0x3000, 0x4000 | RWU);
	ok(walk(&m, 0x10, PF_I), 0x8010, 4096);
	/* 32-bit paging has no XD and no I/D bit without SMEP. */
	struct x86_paging p = PG_32;
	memset(mem, 0, sizeof(mem));
	pf(walk(&p, 0x10, PF_I), 0);
	p.cr4 |= CR4_SMEP;
	pf(walk(&p, 0x10, PF_I), PF_I);
	put32(0x1000, 0x2000 | RWU);
	put32(0x2000, 0x5000 | RWU);
	pf(walk(&p, 0x10, PF_I), PF_P | PF_I); /* SMEP: supervisor fetch from a user page */
	ok(walk(&p, 0x10, PF_I | PF_U), 0x5010, 4096);
}
END_TEST

/* An entry outside the VM's memory: the walk reports where, for an EPT violation there. */
START_TEST(test_outside_memory)
{
	struct x86_paging m = PG_32;
	m.cr3 = 0x00200000; /* the page directory itself is outside */
	struct x86_walk w = walk(&m, 0x00401000, 0);
	ck_assert_int_eq(w.status, X86_WALK_OUTSIDE);
	ck_assert_uint_eq(w.outside, 0x00200000 + 1 * 4);
	m.cr3 = 0x1000;
	put32(0x1000 + 1 * 4, 0x00300000 | RWU); /* the page table is outside */
	w = walk(&m, 0x00405000, 0);
	ck_assert_int_eq(w.status, X86_WALK_OUTSIDE);
	ck_assert_uint_eq(w.outside, 0x00300000 + 5 * 4);
	/* A page outside memory is not the walk's business: OK with that address. */
	put32(0x1000 + 1 * 4, 0x2000 | RWU);
	put32(0x2000 + 5 * 4, 0x00900000 | RWU);
	ok(walk(&m, 0x00405000, 0), 0x00900000, 4096);
	/* PAE: a PDPTE read at CR3 outside memory; 4-level: a PML4E. */
	struct x86_paging p = PG_PAE;
	p.cr3 = 0x00200020;
	w = walk(&p, 0xc0000000, 0);
	ck_assert_int_eq(w.status, X86_WALK_OUTSIDE);
	ck_assert_uint_eq(w.outside, 0x00200038);
	struct x86_paging l = PG_4L;
	l.cr3 = 0x7000000000ull;
	w = walk(&l, 0x8000000000ull, PF_W);
	ck_assert_int_eq(w.status, X86_WALK_OUTSIDE);
	ck_assert_uint_eq(w.outside, 0x7000000008ull);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("x86_paging");
	TCase *tc = tcase_create("walk");

	tcase_add_checked_fixture(tc, setup, 0);
	tcase_add_test(tc, test_no_paging);
	tcase_add_test(tc, test_32bit);
	tcase_add_test(tc, test_32bit_pse36_reserved);
	tcase_add_test(tc, test_pae);
	tcase_add_test(tc, test_4level);
	tcase_add_test(tc, test_user_supervisor_and_write);
	tcase_add_test(tc, test_nx);
	tcase_add_test(tc, test_outside_memory);
	suite_add_tcase(s, tc);
	return check_run(s);
}
