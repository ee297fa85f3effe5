/*
 * rp_block.c - counting by blocks: the replay CPU's fast way to count guest instructions.
 *
 * A UC_HOOK_CODE callback before every instruction keeps Unicorn from chaining its translated
 * blocks and costs about as much as the guest's own work (docs/performance.md, "Counting by
 * blocks"). Here one UC_HOOK_BLOCK callback per block adds the block's instruction count instead;
 * the count is Capstone's, decoded once per block and kept with the block's bytes (a block whose
 * bytes changed is decoded again).
 *
 * Where one instruction must be seen on its own, the per-instruction hook stays, bounded to the
 * block: a "landing" range. A block becomes one
 *   - when a counted run would end inside it (the hook stops it at the exact instruction; replay
 *     ends a run before every recorded exit, so the blocks of a guest's exit sites are landed on
 *     once and stay so);
 *   - when it holds an instruction only the hook handles (rp_disasm.c, needs_hook: exiting
 *     instructions, REP strings, software interrupts, mode changes), or Capstone cannot decode it.
 * Hooks are compiled into translated code: the block hook stops before the block, the range gets
 * its hook, the block's translation is dropped and the run goes on from the same place. Ranges
 * never overlap (an instruction under two hooks would be counted twice); a block partly in a
 * range becomes a range whole, by its uncovered pieces. At RP_LAND_MAX ranges all are dropped
 * (each hooked instruction walks Unicorn's whole hook list) and landing starts over.
 *
 * A fault inside a block counted whole is corrected in hook_intr (rp_block_fault): QEMU has put
 * RIP back to the faulting instruction, whose index in the block gives the count. Stops that mean
 * the replay left the recorded path (an access outside memory, ...) are not corrected here: the
 * session replays that stretch again the careful way (rp_session.c, run_insns), so a divergence
 * is reported at the same instruction either way.
 *
 * Breakpoints and a watched PC make their blocks landing ranges too. What needs every instruction
 * (watched writes, which name the writing instruction; the history ring; rp_opts.careful; the
 * guest's debug registers) runs with the one global code hook instead; switching drops
 * the translated code made with the other hooks (rp_block_mode).
 */
#include <stdlib.h>
#include <string.h>

#include "retrovisor/x86_arch.h"
#include "rp_priv.h"

#define BLK_CACHE 4096u /* decoded blocks kept (direct-mapped) */

struct rp_blk {
	uint64_t a;
	uint32_t size;
	int mode;          /* 16, 32, 64: decoded so */
	int bad;           /* Capstone does not decode it to its end */
	struct rp_blk_shape shape;
	unsigned land_gen; /* covered, valid for this generation of the landing ranges */
	int covered;       /* 0 none, 1 whole, 2 in part */
	uint8_t *bytes;    /* the block's bytes when decoded */
};

/* The block's bytes now: in place when they are (no copy), else copied into buf. */
static const uint8_t *block_bytes(struct rp_cpu *c, uint64_t a, uint32_t size, uint8_t *buf)
{
	const uint8_t *p = rp_code_in_place(c, a, size);
	if (p)
		return p;
	return rp_code_bytes(c, a, buf, size) ? NULL : buf;
}

/* How much of [a, a + size) the landing ranges cover. */
static int covered(const struct rp_cpu *c, uint64_t a, uint32_t size)
{
	uint64_t end = a + size;
	int any = 0;
	for (unsigned i = 0; i < c->nland; i++) {
		if (c->land_lo[i] <= a && end <= c->land_hi[i])
			return 1;
		any |= c->land_lo[i] < end && a < c->land_hi[i];
	}
	if (!any)
		return 0;
	/* covered by several adjacent ranges together? walk from a */
	for (uint64_t at = a;;) {
		unsigned i = 0;
		while (i < c->nland && !(c->land_lo[i] <= at && at < c->land_hi[i]))
			i++;
		if (i == c->nland)
			return 2;
		at = c->land_hi[i];
		if (at >= end)
			return 1;
	}
}

static struct rp_blk *lookup(struct rp_cpu *c, uint64_t a, uint32_t size)
{
	uint8_t buf[RP_BLOCK_MAX];
	if (size > sizeof(buf))
		return NULL;
	if (!c->blk_cache && !(c->blk_cache = calloc(BLK_CACHE, sizeof(struct rp_blk))))
		return NULL;
	struct rp_blk *b = &c->blk_cache[(a ^ (a >> 11) ^ size) & (BLK_CACHE - 1)];
	const uint8_t *now = block_bytes(c, a, size, buf);
	if (!now)
		return NULL;
	if (b->bytes && b->a == a && b->size == size && b->mode == c->blk_mode && !memcmp(b->bytes, now, size))
		return b;
	uint8_t *keep = b->size >= size ? b->bytes : realloc(b->bytes, size);
	if (!keep)
		return NULL;
	b->bytes = keep;
	memcpy(b->bytes, now, size);
	b->a = a;
	b->size = size;
	b->mode = c->blk_mode;
	b->bad = rp_disasm_block(b->bytes, size, a, b->mode, 0, NULL, &b->shape) < 0;
	b->land_gen = c->land_gen - 1;
	return b;
}

/* Stop before the block at a and have run() make it a landing range (rp_block_land). */
static void land(struct rp_cpu *c, uint64_t a, uint32_t size, enum rp_land_life life)
{
	c->reland = 1;
	c->reland_life = life;
	c->reland_a = a;
	c->reland_s = size;
	c->stop_pc = a;
	uc_emu_stop(c->uc);
}

/* A breakpoint or the watched PC inside [a, a + size)? */
static int stop_addr_in(const struct rp_cpu *c, uint64_t a, uint32_t size)
{
	for (unsigned i = 0; i < c->nbps; i++)
		if (c->bps[i] - a < size)
			return 1;
	return c->watch_pc_on && c->watch_pc - a < size;
}

static void hook_block(uc_engine *uc, uint64_t a, uint32_t size, void *user)
{
	struct rp_cpu *c = user;
	(void)uc;
	if (c->stop != RP_STOP_NONE || c->reland)
		return;
	c->blk_open = 0;
	if (c->mode_dirty) {
		c->blk_mode = rp_cpu_mode(c);
		c->mode_dirty = 0;
	}
	struct rp_blk *b = lookup(c, a, size);
	if (!b) { /* code we cannot read or keep: the per-instruction hook, if it is not already on */
		if (covered(c, a, size) != 1)
			land(c, a, size, RP_LAND_KEEP);
		return;
	}
	if (b->land_gen != c->land_gen) {
		b->covered = covered(c, a, size);
		b->land_gen = c->land_gen;
	}
	if (b->covered == 1) {
		/* the code hook counts these instructions; after the special ones (far jumps, MOV to
		 * CR0, ...) the mode may have changed */
		if (b->shape.special)
			c->mode_dirty = 1;
		return;
	}
	c->prev_addr = UINT64_MAX; /* another instruction ran between two hooked ones (hook_code) */
	if (c->executed >= c->budget) {
		c->stop_pc = a;
		if (c->stop == RP_STOP_NONE)
			c->stop = RP_STOP_BUDGET;
		uc_emu_stop(c->uc); /* before the block: Unicorn checks for a stop after this hook */
		return;
	}
	if (b->bad || b->shape.special || b->covered == 2) {
		land(c, a, size, RP_LAND_KEEP);
		return;
	}
	if (c->executed + b->shape.n > c->budget || ((c->nbps || c->watch_pc_on) && stop_addr_in(c, a, size))) {
		/* the run ends inside, or a breakpoint may: for this run only (an event or a
		 * checkpoint falls anywhere, and a hot loop must not stay hooked for it), or while
		 * short runs follow (a debugger's steps come in series) */
		land(c, a, size, c->budget < RP_SHORT_RUN ? RP_LAND_SHORT : RP_LAND_RUN);
		return;
	}
	c->blk_open = 1;
	c->blk_cur = b;
	c->blk_exec0 = c->executed;
	c->executed += b->shape.n;
	c->cur_pc = a + b->shape.last_off; /* the instruction an invalid-opcode stop is at (hook_invalid) */
	c->blocks++;
}

static void drop_ranges(struct rp_cpu *c)
{
	for (unsigned i = 0; i < c->nland; i++)
		uc_hook_del(c->uc, c->land_h[i]); /* drops the code it was compiled into */
	c->nland = 0;
	c->land_gen++;
}

int rp_block_land(struct rp_cpu *c)
{
	uint64_t lo = c->reland_a, hi = lo + c->reland_s;
	c->reland = 0;
	if (c->nland + 8 > RP_LAND_MAX)
		drop_ranges(c);
	/* the uncovered pieces of [lo, hi): ranges never overlap */
	for (uint64_t at = lo; at < hi;) {
		unsigned i = 0;
		while (i < c->nland && !(c->land_lo[i] <= at && at < c->land_hi[i]))
			i++;
		if (i < c->nland) {
			at = c->land_hi[i];
			continue;
		}
		uint64_t end = hi;
		for (unsigned k = 0; k < c->nland; k++)
			if (c->land_lo[k] > at && c->land_lo[k] < end)
				end = c->land_lo[k];
		if (c->nland == RP_LAND_MAX)
			return -1;
		if (uc_hook_add(c->uc, &c->land_h[c->nland], UC_HOOK_CODE, (void *)c->code_hook, c, at, end - 1) !=
		    UC_ERR_OK)
			return -1;
		c->land_lo[c->nland] = at;
		c->land_life[c->nland] = c->reland_life;
		c->land_hi[c->nland++] = end;
		at = end;
	}
	c->land_gen++;
	/* every translated block with an instruction in [lo, hi) was made without the hook */
	uc_ctl_remove_cache(c->uc, lo, hi);
	return 0;
}

void rp_block_fault(struct rp_cpu *c, uint64_t pc)
{
	struct rp_blk *b = c->blk_cur;
	c->blk_open = 0;
	c->blk_faults++;
	c->mode_dirty = 1;
	c->cur_pc = pc;
	/* not an instruction of the block: a trap after its last one (single-step), or the fetch
	 * of the next block faulted; either way the whole block ran */
	struct rp_blk_shape shape;
	long i;
	rp_disasm_block(b->bytes, b->size, b->a, b->mode, pc, &i, &shape);
	if (i >= 0)
		c->executed = c->blk_exec0 + (uint64_t)i + 1;
}

void rp_block_unland(struct rp_cpu *c, enum rp_land_life life)
{
	unsigned k = 0;
	for (unsigned i = 0; i < c->nland; i++) {
		if (c->land_life[i] != RP_LAND_KEEP && c->land_life[i] <= life) {
			uc_hook_del(c->uc, c->land_h[i]); /* drops the code made with it */
			continue;
		}
		c->land_lo[k] = c->land_lo[i];
		c->land_hi[k] = c->land_hi[i];
		c->land_h[k] = c->land_h[i];
		c->land_life[k++] = c->land_life[i];
	}
	if (k != c->nland) {
		c->nland = k;
		c->land_gen++;
	}
}

int rp_block_wanted(struct rp_cpu *c)
{
	uint64_t dr7 = 0;
	if (c->careful || c->hist_on || c->watch_write_on)
		return 0;
	/* DR7's enable bits: QEMU raises data breakpoints as traps after the access */
	uc_reg_read(c->uc, UC_X86_REG_DR7, &dr7);
	return !(dr7 & 0xff);
}

int rp_block_mode(struct rp_cpu *c, int on)
{
	if (on == c->fast)
		return 0;
	if (on) {
		if (uc_hook_add(c->uc, &c->h_block, UC_HOOK_BLOCK, (void *)hook_block, c, 1, 0) != UC_ERR_OK)
			return -1;
		uc_hook_del(c->uc, c->h_code);
	} else {
		drop_ranges(c);
		if (uc_hook_add(c->uc, &c->h_code, UC_HOOK_CODE, (void *)c->code_hook, c, 1, 0) != UC_ERR_OK)
			return -1;
		uc_hook_del(c->uc, c->h_block);
	}
	c->fast = on;
	c->blk_open = 0;
	/*
	 * Every block translated so far holds the other hook. Deleting a hook drops the blocks it
	 * was compiled into (Unicorn keeps them per hook), through the current paging: enough
	 * without paging. With paging a block made under another CR3 could survive, and run
	 * uncounted: drop all (UC_CTL_TB_FLUSH, named uc_ctl_flush_tlb; it clears Unicorn's whole
	 * 1 GiB code buffer, tens of milliseconds, hence not always).
	 */
	if (c->translated && (rp_cpu_reg(c, RP_CR0) & CR0_PG))
		uc_ctl_flush_tlb(c->uc);
	return 0;
}

void rp_block_close(struct rp_cpu *c)
{
	if (c->blk_cache)
		for (unsigned i = 0; i < BLK_CACHE; i++)
			free(c->blk_cache[i].bytes);
	free(c->blk_cache);
	c->blk_cache = NULL;
}
