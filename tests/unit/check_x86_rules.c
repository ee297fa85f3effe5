/*
 * check_x86_rules.c - the architectural rules the hypervisor applies before it lets a guest's
 * value reach the real CPU (include/retrovisor/x86_arch.h): each rule, each way it can be broken.
 */
#include <check.h>

#include "retrovisor/x86_arch.h"
#include "check_run.h"

/* What corei7_skylake_x offers (CPUID.(0DH,0):EAX): x87, SSE, AVX, MPX, AVX-512, PKRU. */
#define SKX 0x2ffull
/* A CPU with AMX too. */
#define SPR (SKX | XCR0_TILECFG | XCR0_TILEDATA)

START_TEST(test_xcr0_accepts_what_a_cpu_accepts)
{
	static const unsigned long long good[] = {0x1, 0x3, 0x7, 0x1f, 0xe7, 0xff, 0x2ff, 0x207, 0x1b};
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(xcr0_valid(good[i], SKX), "XCR0 %#llx refused", good[i]);
	ck_assert(xcr0_valid(0x60007, SPR));
}
END_TEST

START_TEST(test_xcr0_refuses_each_broken_rule)
{
	/* The three reproductions: AVX-512 bits without all of them, or without AVX. */
	ck_assert(!xcr0_valid(0x27, SKX));
	ck_assert(!xcr0_valid(0x61, SKX));
	ck_assert(!xcr0_valid(0xe3, SKX));
	ck_assert(!xcr0_valid(0x47, SKX));
	ck_assert(!xcr0_valid(0x87, SKX));
	ck_assert(!xcr0_valid(0x0, SKX));       /* x87 off */
	ck_assert(!xcr0_valid(0x2, SKX));       /* x87 off */
	ck_assert(!xcr0_valid(0x5, SKX));       /* AVX without SSE */
	ck_assert(!xcr0_valid(0xb, SKX));       /* BNDREGS without BNDCSR */
	ck_assert(!xcr0_valid(0x13, SKX));      /* BNDCSR without BNDREGS */
	ck_assert(!xcr0_valid(0x107, SKX));     /* bit 8 (PT) is a supervisor component */
	ck_assert(!xcr0_valid(1ull << 63, SKX)); /* reserved */
	ck_assert(!xcr0_valid(0x20007, SPR));   /* TILECFG without TILEDATA */
	ck_assert(!xcr0_valid(0x40007, SPR));   /* TILEDATA without TILECFG */
	ck_assert(!xcr0_valid(0x60007, SKX));   /* AMX where the CPU has none */
}
END_TEST

START_TEST(test_pae_pdpte_reserved_bits)
{
	ck_assert(pae_pdpte_valid(0, 39));                 /* not present: anything goes */
	ck_assert(pae_pdpte_valid(0xfffffffffffffffe, 39));
	ck_assert(pae_pdpte_valid(0x5001, 39));            /* a page directory at 0x5000 */
	ck_assert(pae_pdpte_valid(0x7fffffff000 | 0x19 | 0xe00, 43)); /* PWT, PCD, ignored 11:9 */
	ck_assert(!pae_pdpte_valid(0x5003, 39));           /* bit 1 (R/W in other modes) */
	ck_assert(!pae_pdpte_valid(0x5005, 39));           /* bit 2 (U/S) */
	ck_assert(!pae_pdpte_valid(0x5021, 39));           /* bit 5 */
	ck_assert(!pae_pdpte_valid(0x5101, 39));           /* bit 8 */
	ck_assert(!pae_pdpte_valid(0x8000000001ull, 39));  /* bit 39 = MAXPHYADDR */
	ck_assert(pae_pdpte_valid(0x8000000001ull, 40));
	ck_assert(!pae_pdpte_valid(1ull << 63 | 1, 52));   /* XD is reserved in a PDPTE */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("x86_rules");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_xcr0_accepts_what_a_cpu_accepts);
	tcase_add_test(tc, test_xcr0_refuses_each_broken_rule);
	tcase_add_test(tc, test_pae_pdpte_reserved_bits);
	suite_add_tcase(s, tc);
	return check_run(s);
}
