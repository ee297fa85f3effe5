/*
 * uc-count - what counting guest instructions costs Unicorn 2.0.1, and what counting by blocks
 * would cost replay (issue 13; the figures are in docs/performance.md, "Counting by blocks").
 *
 *   uc-count IMAGE N MODE [K]
 *
 * Loads the flat real-mode IMAGE at 0000:7C00 as uc-speed does (warm-up one instruction at a
 * time, translated code dropped), then times the run of N instructions counted one of these ways:
 *   count       Unicorn's own exact count (uc_emu_start's count: its own per-instruction hook)
 *   code        a C UC_HOOK_CODE callback that counts and stops, as replay's hook_code does
 *   block       a C UC_HOOK_BLOCK callback that adds the block's instruction count (Capstone,
 *               decoded once per block) and stops at the first block past N: not exact
 * and three ways of landing exactly on a count every K instructions (replay's runs end at each
 * exit, every ~5,000 instructions on mix), each running by blocks and stopping at the entry of
 * the block that would cross the target, then finishing inside that block:
 *   tail-hook   add a UC_HOOK_CODE bounded to that block, drop the block's translation (hooks are
 *               compiled in), run to the target, delete the hook, drop the block again
 *   tail-exit   set a Unicorn exit at the first instruction not to run, drop the block, run,
 *               clear the exit, drop the block again
 *   tail-none   not exact: only drop the block's translation and let it run whole (the least any
 *               finishing step can cost)
 * and two ways of landing exactly before every CPUID, as replay lands on each exit (a first
 * untimed pass with the code hook, made in every mode, notes their counts):
 *   cpuid-hook  as tail-hook
 *   cpuid-keep  the code hook bounded to a landing block is kept and the block stays translated
 *               with it: later landings there cost nothing more (the block hook does not count
 *               hooked blocks; the code hook counts their instructions)
 * Prints the mode, instructions, stops and seconds. Nothing of replay runs; CPUID is skipped and
 * IN returns 0xFF as in uc-speed. Build: see replay/bench.sh (-lunicorn -lcapstone).
 */
#include <capstone/capstone.h>

#include "uc_guest.h"

#define NBLK 4096u

static uint8_t *mem;
static csh cs;
static uint64_t counted, target, blk_a;
static uint32_t blk_s;
static int exact, finishing, keep;
static uint64_t *cpuids, ncpuid, maxcpuid;
static struct blk {
	uint64_t a;
	uint32_t size, n;
} blks[NBLK];
static uint64_t hooked_a[64], hooked_end[64]; /* cpuid-keep: ranges with a code hook */
static unsigned nhooked;

static int is_hooked(uint64_t a)
{
	for (unsigned i = 0; i < nhooked; i++)
		if (a >= hooked_a[i] && a < hooked_end[i])
			return 1;
	return 0;
}

static int skip_cpuid(uc_engine *uc, void *user)
{
	(void)uc, (void)user;
	if (cpuids && ncpuid < maxcpuid)
		cpuids[ncpuid++] = counted - 1; /* the code hook counted the CPUID already */
	return 1;
}

static void hook_code(uc_engine *uc, uint64_t a, uint32_t size, void *user)
{
	(void)a, (void)size, (void)user;
	if (counted >= target)
		uc_emu_stop(uc);
	else
		counted++;
}

/* instructions in the block at a (real mode, CS = 0: linear = offset) */
static uint32_t block_insns(uint64_t a, uint32_t size)
{
	struct blk *b = &blks[(a ^ (a >> 12)) % NBLK];
	if (b->a != a || b->size != size) {
		cs_insn *in;
		size_t n = cs_disasm(cs, mem + a, size, a, 0, &in);
		if (n)
			cs_free(in, n);
		b->a = a, b->size = size, b->n = (uint32_t)n;
	}
	return b->n;
}

static void hook_block(uc_engine *uc, uint64_t a, uint32_t size, void *user)
{
	(void)user;
	if (finishing)
		return;
	uint32_t n = block_insns(a, size);
	if (keep && is_hooked(a))
		return; /* its instructions are counted by the code hook */
	if (exact && counted + n > target) {
		blk_a = a, blk_s = size;
		uc_emu_stop(uc); /* before the block: the check follows the hook (gen_tb_start) */
		return;
	}
	counted += n;
	if (counted >= target)
		uc_emu_stop(uc);
}

static int run(uc_engine *uc, uint64_t count)
{
	uint64_t ip = 0; /* UC_X86_REG_IP writes 16 bits */
	uc_reg_read(uc, UC_X86_REG_IP, &ip);
	uc_err e = uc_emu_start(uc, ip, 0xffffffff, 0, count);
	if (e != UC_ERR_OK)
		fprintf(stderr, "uc-count: %s\n", uc_strerror(e));
	return e != UC_ERR_OK;
}

/* finish inside the block at blk_a: `counted` instructions retired so far, stop at `target` */
static int finish(uc_engine *uc, const char *mode)
{
	uc_hook h;
	int r = 0;
	finishing = 1;
	if (!strcmp(mode, "cpuid-keep")) {
		uc_hook_add(uc, &h, UC_HOOK_CODE, (void *)hook_code, NULL, blk_a, blk_a + blk_s - 1);
		uc_ctl_remove_cache(uc, blk_a, blk_a + blk_s);
		if (nhooked == 64) {
			fprintf(stderr, "uc-count: more than 64 landing blocks\n");
			return 1;
		}
		hooked_a[nhooked] = blk_a, hooked_end[nhooked++] = blk_a + blk_s;
		finishing = 0;
		return run(uc, 0);
	}
	if (!strcmp(mode, "tail-hook") || !strcmp(mode, "cpuid-hook")) {
		uc_hook_add(uc, &h, UC_HOOK_CODE, (void *)hook_code, NULL, blk_a, blk_a + blk_s - 1);
		uc_ctl_remove_cache(uc, blk_a, blk_a + blk_s);
		r = run(uc, 0);
		uc_hook_del(uc, h);
		uc_ctl_remove_cache(uc, blk_a, blk_a + blk_s);
	} else if (!strcmp(mode, "tail-exit")) {
		cs_insn *in;
		size_t n = cs_disasm(cs, mem + blk_a, blk_s, blk_a, 0, &in);
		uint64_t x = in[target - counted].address;
		cs_free(in, n);
		uc_ctl_set_exits(uc, &x, 1);
		uc_ctl_remove_cache(uc, blk_a, blk_a + blk_s);
		r = run(uc, 0);
		counted = target;
		uc_ctl_set_exits(uc, &x, 0);
		uc_ctl_remove_cache(uc, blk_a, blk_a + blk_s);
	} else { /* tail-none */
		uc_ctl_remove_cache(uc, blk_a, blk_a + blk_s);
		counted += block_insns(blk_a, blk_s);
		finishing = 0;
		return 0; /* the next run starts the block again: the figure is a lower bound */
	}
	finishing = 0;
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: uc-count IMAGE N count|code|block|tail-hook|tail-exit|tail-none [K]\n");
		return 64;
	}
	uint64_t n = strtoull(argv[2], NULL, 0), k = argc > 4 ? strtoull(argv[4], NULL, 0) : 5000;
	const char *mode = argv[3];
	uc_engine *uc = uc_guest_open("uc-count", argv[1], &mem, (void *)skip_cpuid);
	uc_hook h4;
	if (!uc)
		return 2;
	if (cs_open(CS_ARCH_X86, CS_MODE_16, &cs) || (!strcmp(mode, "tail-exit") && uc_ctl_exits_enable(uc))) {
		fprintf(stderr, "uc-count: Unicorn or Capstone refused the setup\n");
		return 2;
	}
	/* with exits on, uc_emu_start's `until` is ignored: the count stops */
	if (uc_guest_warm("uc-count", uc, mem, !strcmp(mode, "tail-exit") ? 0 : 0xffffffff))
		return 2;
	uc_context *ctx;
	{ /* the untimed pass: where the CPUIDs are; it also warms the host's memory for every mode */
		maxcpuid = n / 100 + 16;
		cpuids = calloc(maxcpuid, sizeof(*cpuids));
		uc_context_alloc(uc, &ctx);
		uc_context_save(uc, ctx);
		uint8_t *copy = malloc(MEM);
		memcpy(copy, mem, MEM);
		target = n;
		uc_hook_add(uc, &h4, UC_HOOK_CODE, (void *)hook_code, NULL, 1, 0);
		if (!cpuids || !copy || run(uc, 0))
			return 2;
		uc_hook_del(uc, h4);
		memcpy(mem, copy, MEM);
		uc_context_restore(uc, ctx);
		uc_ctl_remove_cache(uc, 0, MEM);
		maxcpuid = ncpuid, counted = 0, keep = !strcmp(mode, "cpuid-keep");
		if (strncmp(mode, "cpuid-", 6)) {
			free(cpuids);
			cpuids = NULL;
		}
		free(copy);
		uc_context_free(ctx);
	}
	uint64_t stops = 0;
	double t0 = uc_now();
	int r = 0;
	if (!strcmp(mode, "count")) {
		r = run(uc, n);
		counted = n;
	} else if (!strcmp(mode, "code")) {
		target = n;
		uc_hook_add(uc, &h4, UC_HOOK_CODE, (void *)hook_code, NULL, 1, 0);
		r = run(uc, 0);
	} else if (!strcmp(mode, "block")) {
		target = n;
		uc_hook_add(uc, &h4, UC_HOOK_BLOCK, (void *)hook_block, NULL, 1, 0);
		r = run(uc, 0);
	} else {
		exact = 1;
		uc_hook_add(uc, &h4, UC_HOOK_BLOCK, (void *)hook_block, NULL, 1, 0);
		uint64_t next = 0;
		while (!r && counted < n) {
			if (cpuids) {
				while (next < ncpuid && cpuids[next] < counted)
					next++;
				target = next < ncpuid ? cpuids[next] : n;
				if (counted == target) { /* at the CPUID: run it */
					target++;
					next++;
				}
			} else {
				target = counted + k < n ? counted + k : n;
			}
			r = run(uc, 0);
			if (!r && counted < target) {
				stops++;
				r = finish(uc, mode);
			}
			uint64_t ip2 = 0;
			uc_reg_read(uc, UC_X86_REG_IP, &ip2);
			if (!r && cpuids && counted != target) {
				fprintf(stderr, "uc-count: landed at %llu, not %llu\n", (unsigned long long)counted,
					(unsigned long long)target);
				return 2;
			}
			if (!r && cpuids && target < n && next < ncpuid && target == cpuids[next] &&
			    memcmp(mem + ip2, "\x0f\xa2", 2)) {
				fprintf(stderr, "uc-count: landed at %#llx, not at a CPUID\n", (unsigned long long)ip2);
				return 2;
			}
		}
	}
	double dt = uc_now() - t0;
	if (r)
		return 2;
	printf("%-9s K=%-6llu %llu insns %llu finishing-stops %.3f s %.1f M/s\n", mode,
	       (unsigned long long)(exact ? k : 0), (unsigned long long)counted, (unsigned long long)stops, dt,
	       counted / dt / 1e6);
	uc_close(uc);
	cs_close(&cs);
	free(mem);
	return 0;
}
