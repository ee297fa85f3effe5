/*
 * trace_scan.c - the fast path over chunk payloads: counts per VM and exit reason.
 *
 * Skipping k varints is done eight bytes at a time (skip_varints): a varint ends at each byte
 * whose top bit is clear, and a multiply plus a byte-wise compare finds the k-th such byte in a
 * word without a loop. This is what makes `hvtrace stat` run at tens of millions of exits/s.
 */
#include <string.h>

#include "trace_decode.h"
#include "trace_scan.h"

#define SKIPPED_BITS (((1u << RV_NGPRS) - 1) << HVT_EXIT_GPR_SHIFT | HVT_EXIT_RIP | HVT_EXIT_RFLAGS | \
		      HVT_EXIT_QUAL | HVT_EXIT_GPA)

/* Without -mpopcnt, __builtin_popcount is a library call; these stay inline. */
static inline unsigned pop32(uint32_t x)
{
	x = x - ((x >> 1) & 0x55555555u);
	x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
	x = (x + (x >> 4)) & 0x0f0f0f0fu;
	return (x * 0x01010101u) >> 24;
}

/*
 * Past n varints from p, or NULL when they run past end. Eight bytes at a time: t has bit 7 of
 * each byte that ends a varint; multiplying (t >> 7) by 0x0101..01 puts in byte k the number of
 * varints ending in bytes 0..k, and a byte-wise compare with n finds where the n-th one ends.
 */
static inline const uint8_t *skip_varints(const uint8_t *p, const uint8_t *end, unsigned n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;

	while (n) {
		if (end - p >= 8) {
			uint64_t w, s, ge;
			unsigned c;
			memcpy(&w, p, 8);
			s = ((~w & highs) >> 7) * ones; /* prefix counts, each <= 8 */
			c = (unsigned)(s >> 56);
			if (c < n) {
				n -= c;
				p += 8;
				continue;
			}
			ge = ((s | highs) - n * ones) & highs; /* bytes whose prefix count >= n */
			return p + (__builtin_ctzll(ge) >> 3) + 1;
		}
		if (p >= end)
			return NULL;
		if (!(*p++ & 0x80))
			n--;
	}
	return p;
}

static inline int varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;

	if (p < end && !(p[0] & 0x80)) {
		*v = p[0];
		*pp = p + 1;
		return 0;
	}
	if (end - p >= 2 && !(p[1] & 0x80)) {
		*v = (p[0] & 0x7fu) | (uint64_t)p[1] << 7;
		*pp = p + 2;
		return 0;
	}
	return hvt_get_varint(pp, end, v);
}

#define BAD(what) \
	hvt_err_set(err, HVT_ECORRUPT, (uint64_t)(rec - base), "payload byte %zu: %s", (size_t)(rec - base), what)

int hvt_scan_chunk(struct hvt_scan *s, const struct hvt_chunk_header *h, const uint8_t *payload,
		   size_t len, struct hvt_err *err)
{
	const uint8_t *base = payload, *p = payload, *end = payload + len, *rec = p;
	uint64_t numbered = 0, a, b;
	int cur = -1, leading = 1;

	if (h->first_vm >= HVT_MAX_VMS)
		return BAD("chunk header: first VM out of range");
	while (p < end) {
		uint8_t tag;
		rec = p;
		tag = *p++;
		if (tag & HVT_REC_EXIT) {
			unsigned reason = tag & 0x7f;
			if (leading) {
				leading = 0;
				if (cur >= 0)
					cur = h->first_vm;
			}
			if (varint(&p, end, &a) || varint(&p, end, &b))
				return BAD("EXIT cut by the end of the chunk");
			if (a & ~(uint64_t)HVT_EXIT_KNOWN_BITS)
				return BAD("EXIT mask has unknown bits");
			if (cur < 0)
				return BAD("EXIT with no VM current");
			p = skip_varints(p, end, pop32((uint32_t)(a & SKIPPED_BITS)));
			if (p && (a & HVT_EXIT_POST)) {
				uint64_t pm;
				if (varint(&p, end, &pm) || (pm & ~(uint64_t)HVT_POST_KNOWN_BITS))
					return BAD("EXIT post-state mask invalid or cut");
				p = skip_varints(p, end, pop32((uint32_t)pm));
			}
			if (!p)
				return BAD("EXIT cut by the end of the chunk");
			s->exits[cur][reason]++;
			s->insns[cur][reason] += b;
			s->icount[cur] += b;
			numbered++;
			continue;
		}
		if (tag == HVT_REC_KEYFRAME) {
			if (p >= end || *p >= HVT_MAX_VMS)
				return BAD("KEYFRAME VM id out of range or cut");
			cur = *p++;
			if (varint(&p, end, &a) || !(p = skip_varints(p, end, HVT_NREGS)))
				return BAD("KEYFRAME cut by the end of the chunk");
			s->icount[cur] = a;
			s->seen |= 1u << cur;
			s->keyframes++;
			continue;
		}
		if (leading) {
			leading = 0;
			if (cur >= 0)
				cur = h->first_vm;
		}
		switch (tag) {
		case HVT_REC_VM_START:
		case HVT_REC_VM_STOP:
		case HVT_REC_SWITCH:
			if (p >= end || *p >= HVT_MAX_VMS)
				return BAD("VM id out of range or cut");
			a = *p++;
			if (tag == HVT_REC_VM_START) {
				struct hvt_vm_state st;
				if (varint(&p, end, &b) || b > (uint64_t)(end - p))
					return BAD("VM_START cut by the end of the chunk");
				memset(&st, 0, sizeof(st));
				memcpy(&st, p, b < sizeof(st) ? b : sizeof(st));
				p += b;
				s->icount[a] = st.icount;
				s->seen |= 1u << a;
				if (!(s->started >> a & 1)) {
					s->start[a] = st;
					s->started |= 1u << a;
				}
				cur = (int)a;
			} else if (tag == HVT_REC_VM_STOP) {
				if (p >= end || !(p = skip_varints(p + 1, end, 2)))
					return BAD("VM_STOP cut by the end of the chunk");
			} else {
				cur = (int)a;
			}
			s->records[a][tag]++;
			break;
		case HVT_REC_INJECT:
		case HVT_REC_END:
			if (!(p = skip_varints(p, end, tag == HVT_REC_INJECT ? 2 : 1)))
				return BAD("record cut by the end of the chunk");
			if (cur >= 0)
				s->records[cur][tag]++;
			if (tag == HVT_REC_END)
				s->ended = 1;
			break;
		case HVT_REC_POST:
			if (varint(&p, end, &a) || !a || (a & ~(uint64_t)HVT_POST_KNOWN_BITS) ||
			    !(p = skip_varints(p, end, pop32((uint32_t)a))))
				return BAD("POST mask invalid or cut");
			if (cur >= 0)
				s->records[cur][tag]++;
			break;
		case HVT_REC_MEMWRITE:
		case HVT_REC_NOTE:
			if (tag == HVT_REC_MEMWRITE && !(p = skip_varints(p, end, 1)))
				return BAD("MEMWRITE cut by the end of the chunk");
			if (varint(&p, end, &a) || a > (uint64_t)(end - p))
				return BAD("MEMWRITE/NOTE runs past the end of the chunk");
			p += a;
			if (cur >= 0)
				s->records[cur][tag]++;
			break;
		default:
			return BAD("unknown record tag");
		}
		numbered++;
	}
	if (numbered != h->nevents)
		return hvt_err_set(err, HVT_ECORRUPT, len, "chunk header says %u events, the payload holds %llu",
				   h->nevents, (unsigned long long)numbered);
	s->events += numbered;
	return HVT_OK;
}
