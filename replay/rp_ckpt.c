/*
 * rp_ckpt.c - checkpoints: the whole CPU (uc_context) plus guest memory as shared pages.
 *
 * A checkpoint holds one pointer per 4 KiB page of guest memory. Pages are immutable and
 * reference-counted: a new checkpoint reuses the previous checkpoint's copy of every page whose
 * bytes did not change, and all-zero pages share one zero page. So a checkpoint costs what the
 * guest wrote since the previous one (copy-on-write at checkpoint granularity), and restoring
 * one copies back only the pages that differ from memory as it is.
 *
 * Spacing: a checkpoint every `every_exits` exits or `every_insns` instructions, whichever comes
 * first. A seek or a step back replays up to one spacing, so the instruction spacing is what a
 * seek costs: 131072 instructions by default, about 5 ms at the replay speed of a store-heavy
 * guest (docs/performance.md). Taking a checkpoint compares every page of guest memory with the
 * previous one (about 0.1 us a page), so for large guests the default spacing grows with the
 * memory, RP_CKPT_INSNS_PER_PAGE instructions per page: checkpoints then cost about 1% of the
 * replay time whatever the memory size. When the pages and contexts held pass the budget, every second checkpoint (never the
 * first) is dropped and both spacings double: memory stays under the budget and checkpoints stay
 * evenly spread over the part of the trace replayed so far.
 */
#include <stdlib.h>
#include <string.h>

#include "rp_priv.h"

int rp_ckpt_init(struct rp_ckpts *k, const struct rp_opts *o, uint64_t mem_size, struct hvt_err *err)
{
	memset(k, 0, sizeof(*k));
	k->budget = o->ckpt_budget ? o->ckpt_budget : RP_DEFAULT_BUDGET;
	k->every_exits = o->ckpt_exits ? o->ckpt_exits : RP_DEFAULT_CKPT_EXITS;
	k->npages = mem_size / RP_PAGE;
	k->every_insns = o->ckpt_insns ? o->ckpt_insns : RP_DEFAULT_CKPT_INSNS;
	if (!o->ckpt_insns && k->npages * RP_CKPT_INSNS_PER_PAGE > k->every_insns)
		k->every_insns = k->npages * RP_CKPT_INSNS_PER_PAGE;
	k->zero = calloc(1, sizeof(*k->zero));
	if (!k->zero)
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	k->zero->refs = 1;
	return HVT_OK;
}

static void page_put(struct rp_ckpts *k, struct rp_page *p)
{
	if (p && --p->refs == 0) {
		free(p);
		k->bytes -= sizeof(*p);
	}
}

static void ckpt_drop(struct rp_ckpts *k, struct rp_ckpt *c)
{
	if (c->pages) {
		for (size_t i = 0; i < k->npages; i++)
			page_put(k, c->pages[i]);
		free(c->pages);
		k->bytes -= k->npages * sizeof(void *);
	}
	if (c->ctx) {
		uc_context_free(c->ctx);
		k->bytes -= k->ctx_bytes; /* Unicorn's CPU context: 5,544 bytes on 2.0.1 */
	}
	memset(c, 0, sizeof(*c));
}

void rp_ckpt_free(struct rp_ckpts *k)
{
	for (size_t i = 0; i < k->n; i++)
		ckpt_drop(k, &k->v[i]);
	free(k->v);
	free(k->zero);
	memset(k, 0, sizeof(*k));
}

static int is_zero(const uint8_t *p)
{
	static const uint8_t zero[RP_PAGE];
	return memcmp(p, zero, RP_PAGE) == 0;
}

/* Take v[at] out of the list (already dropped). */
static void ckpt_remove(struct rp_ckpts *k, size_t at)
{
	memmove(&k->v[at], &k->v[at + 1], (k->n - at - 1) * sizeof(k->v[0]));
	k->n--;
}

/* Halve the checkpoints (keep the first and every second one after it), double the spacing. */
static void thin(struct rp_ckpts *k)
{
	size_t j = 1;
	for (size_t i = 1; i < k->n; i++) {
		if (i % 2 == 0)
			k->v[j++] = k->v[i];
		else
			ckpt_drop(k, &k->v[i]);
	}
	k->n = j < k->n ? j : k->n;
	k->every_exits *= 2;
	k->every_insns *= 2;
}

/* A checkpoint at s->t, inserted in order (after the last one, or between two when stepping
 * back: rp_ckpt_take_near); pages are shared with the checkpoint before it. */
static int take_at(struct rp_session *s, size_t at, struct hvt_err *err)
{
	struct rp_ckpts *k = &s->ck;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct rp_ckpt *v = realloc(k->v, cap * sizeof(*v));
		if (!v)
			return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory for checkpoints");
		k->v = v;
		k->cap = cap;
	}
	memmove(&k->v[at + 1], &k->v[at], (k->n - at) * sizeof(k->v[0]));
	k->n++;
	struct rp_ckpt *c = &k->v[at], *prev = at ? &k->v[at - 1] : NULL;
	memset(c, 0, sizeof(*c));
	c->pages = calloc(k->npages, sizeof(void *));
	if (!c->pages || uc_context_alloc(s->cpu.uc, &c->ctx) != UC_ERR_OK) {
		free(c->pages);
		c->pages = NULL;
		ckpt_remove(k, at);
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory for a checkpoint");
	}
	uc_context_save(s->cpu.uc, c->ctx);
	k->ctx_bytes = uc_context_size(s->cpu.uc);
	k->bytes += k->npages * sizeof(void *) + k->ctx_bytes;
	for (size_t i = 0; i < k->npages; i++) {
		const uint8_t *m = s->cpu.mem + i * RP_PAGE;
		struct rp_page *p = prev ? prev->pages[i] : NULL;
		if (p && memcmp(p->data, m, RP_PAGE) == 0) {
			p->refs++;
		} else if (is_zero(m)) {
			p = k->zero;
			p->refs++;
		} else {
			p = malloc(sizeof(*p));
			if (!p) {
				ckpt_drop(k, c);
				ckpt_remove(k, at);
				return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory for a checkpoint");
			}
			p->refs = 1;
			memcpy(p->data, m, RP_PAGE);
			k->bytes += sizeof(*p);
		}
		c->pages[i] = p;
	}
	c->t = s->t;
	c->resume = s->resume;
	c->exits = s->exits_done;
	c->console_len = s->console_len;
	c->uart = s->uart;
	c->stopped = s->stopped;
	s->last_ck_t = s->t;
	s->last_ck_exits = s->exits_done;
	while (k->bytes > k->budget && k->n > 2)
		thin(k);
	return HVT_OK;
}

int rp_ckpt_take(struct rp_session *s, struct hvt_err *err)
{
	struct rp_ckpts *k = &s->ck;
	if (k->n && k->v[k->n - 1].t >= s->t)
		return HVT_OK; /* have one here (or later: we came back) */
	return take_at(s, k->n, err);
}

int rp_ckpt_take_near(struct rp_session *s, struct hvt_err *err)
{
	long i = rp_ckpt_find(&s->ck, s->t);
	if (i >= 0 && s->ck.v[i].t == s->t)
		return HVT_OK;
	uint64_t saved = s->resume;
	s->resume = rp_resume_point(s);
	int st = take_at(s, (size_t)(i + 1), err);
	s->resume = saved;
	return st;
}

long rp_ckpt_find(const struct rp_ckpts *k, uint64_t t)
{
	size_t lo = 0, hi = k->n; /* the last with v[i].t <= t */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (k->v[mid].t <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

int rp_ckpt_restore(struct rp_session *s, size_t i, struct hvt_err *err)
{
	struct rp_ckpts *k = &s->ck;
	struct rp_ckpt *c = &k->v[i];
	uc_context_restore(s->cpu.uc, c->ctx);
	s->cpu.prev_addr = UINT64_MAX;
	for (size_t p = 0; p < k->npages; p++) {
		uint8_t *m = s->cpu.mem + p * RP_PAGE;
		if (memcmp(m, c->pages[p]->data, RP_PAGE)) {
			memcpy(m, c->pages[p]->data, RP_PAGE);
			rp_cpu_code_changed(&s->cpu, p * RP_PAGE, RP_PAGE);
		}
	}
	/* the context holds CR3 but not Unicorn's TLB, which may still map the later page tables */
	int st = rp_cpu_flush_tlb(&s->cpu, err);
	if (st < 0)
		return st;
	s->t = c->t;
	s->resume = c->resume;
	s->exits_done = c->exits;
	s->console_len = c->console_len;
	s->uart = c->uart;
	s->stopped = c->stopped;
	s->have_next = 0;
	s->ended = 0;
	s->last_ck_t = c->t;
	s->last_ck_exits = c->exits;
	return rp_cursor_seek(&s->cur, c->resume, err);
}
