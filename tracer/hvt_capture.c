/*
 * hvt_capture.c - capture records to v1 records through the encoder (hvt_capture.h).
 *
 * One small function per record kind reads the record's words, checks them, and makes the
 * encoder call the hypervisor used to make itself. The EXIT path is the hot one (ten million
 * exits in a benchmark): one bounds check for the whole record, one copy of the entry
 * registers, a load per word that follows, then the encoder.
 */
#include <stdlib.h>
#include <string.h>

#include "hvt_capture.h"
#include "retrovisor/capture.h"
#include "trace_encode.h"

/*
 * The reference a register that does not follow takes its value from: for GPRs and RFLAGS what
 * the VM had when it last entered the guest, for RIP where it last exited (trace_format.h).
 */
struct cap_vm {
	uint64_t regs[HVT_NREGS]; /* GPRs in x86 order, RIP, RFLAGS */
	uint64_t icount;          /* at its last EXIT or VM_START */
	int started;
};

struct hvt_capture {
	struct hvt_enc enc;
	struct cap_vm vm[HVT_MAX_VMS];
	int current;              /* -1 before any VM_START or SWITCH */
	int ended;                /* END converted: nothing may follow */
	int status;               /* the first error; the converter stops there */
	uint64_t nrecords;
	const uint8_t *payload;   /* the payload being fed, and its offset in the container */
	uint64_t base;
	hvt_capture_out_fn out;
	void *out_ctx;
	int out_status;           /* the output's first refusal */
	struct hvt_err out_err;
	_Alignas(8) uint8_t buf[HVT_CHUNK_MIN]; /* the v1 chunk being built */
};


/* Every error names the record's offset in the container and stops the converter. */
#define OFF(rec) (c->base + (uint64_t)((rec) - c->payload))
#define BAD(rec, fmt, ...)                                                                    \
	(c->status = hvt_err_set(err, HVT_ECORRUPT, OFF(rec), "offset %llu: " fmt,            \
				 (unsigned long long)OFF(rec), ##__VA_ARGS__))

static inline uint64_t word(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8); /* little-endian host, like the rest of libhvtrace */
	return v;
}

static void sink(void *ctx, const uint8_t *chunk, uint32_t len)
{
	struct hvt_capture *c = ctx;

	if (c->out_status < 0)
		return; /* later chunks would not continue the refused one */
	c->out_status = c->out(c->out_ctx, chunk, len, &c->out_err);
}

struct hvt_capture *hvt_capture_new(hvt_capture_out_fn out, void *ctx, struct hvt_err *err)
{
	struct hvt_capture *c = calloc(1, sizeof(*c));

	if (!c) {
		hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "capture: out of memory");
		return NULL;
	}
	c->out = out;
	c->out_ctx = ctx;
	c->current = -1;
	hvt_enc_init(&c->enc, c->buf, sizeof(c->buf), sink, c);
	return c;
}

void hvt_capture_free(struct hvt_capture *c)
{
	free(c);
}

/* The current VM, if it is running; else an error naming the record kind. */
static struct cap_vm *running(struct hvt_capture *c, const uint8_t *rec, const char *what,
			      struct hvt_err *err)
{
	if (c->current < 0) {
		BAD(rec, "%s before any VM started", what);
		return NULL;
	}
	if (!c->vm[c->current].started) {
		BAD(rec, "%s for VM %d, which is not running", what, c->current);
		return NULL;
	}
	return &c->vm[c->current];
}

/*
 * EXIT: the registers that follow replace the reference's, the others are as the VM entered.
 * They follow in the order the hypervisor's world switch compares them: the GPRs it loads itself
 * (all but RSP) ascending, then RSP, RIP and RFLAGS, which it reads from the VMCS. Afterwards
 * the reference becomes what the hypervisor put back: the post-state's GPRs and RFLAGS. RIP
 * stays this exit's, although the guest resumes past the emulated instruction: the hypervisor
 * compares RIP with the previous exit's (a loop exits at the same RIP each time round).
 */
static long rec_exit(struct hvt_capture *c, const uint8_t *rec, uint64_t w0, size_t left,
		     struct hvt_err *err)
{
	struct cap_vm *v = running(c, rec, "EXIT", err);
	uint64_t regs[HVT_NREGS], icount, qual = 0, gpa = 0;
	struct hvt_post post;
	unsigned len = hvt_cap_exit_len(w0);
	uint32_t follow = hvt_cap_exit_follow(w0);
	int has_gpa = hvt_cap_exit_has_gpa(w0);
	const uint8_t *p = rec + 16;

	post.mask = hvt_cap_exit_post(w0);
	size_t n = 2 + (size_t)__builtin_popcount(follow) + (size_t)has_gpa + (size_t)__builtin_popcount(post.mask);
	if (!v)
		return -1;
	if (w0 & ~HVT_CAP_EXIT_KNOWN_BITS)
		return BAD(rec, "EXIT word %#llx has reserved bits 57-63 set", (unsigned long long)w0);
	if (n > left)
		return BAD(rec, "EXIT of %zu words runs past the end of the chunk (%zu left)", n, left);
	icount = word(rec + 8);
	if (icount < v->icount)
		return BAD(rec, "EXIT of VM %d at instruction %llu, before its previous %llu", c->current,
			   (unsigned long long)icount, (unsigned long long)v->icount);

	memcpy(regs, v->regs, sizeof(regs));
	for (unsigned k = 0; k < HVT_NREGS; k++) {
		unsigned r = hvt_cap_follow_reg(k);
		if (follow & HVT_CAP_FOLLOW_REG(r)) {
			regs[r] = word(p);
			p += 8;
		}
	}
	if (follow & HVT_CAP_FOLLOW_QUAL) {
		qual = word(p);
		p += 8;
	}
	if (has_gpa) {
		gpa = word(p);
		p += 8;
	}
	for (uint32_t m = post.mask; m; m &= m - 1, p += 8)
		post.v[__builtin_ctz(m)] = word(p);

	hvt_enc_exit(&c->enc, hvt_cap_exit_reason(w0), icount, regs, qual, &post, len, has_gpa, gpa);

	/* RIP stays this exit's: the hypervisor compares RIP with the previous exit's (above) */
	rv_post_apply(regs, post.mask & ~HVT_POST_RIP, post.v, 0);
	memcpy(v->regs, regs, sizeof(regs));
	v->icount = icount;
	return (long)n;
}

/*
 * POST: registers a debugger set while the VM was held after its last exit. They become part of
 * the reference the next EXIT's registers follow from, except RIP (compared with the exit's).
 */
static long rec_post(struct hvt_capture *c, const uint8_t *rec, uint64_t w0, size_t left, struct hvt_err *err)
{
	struct cap_vm *v = running(c, rec, "POST", err);
	struct hvt_post post;
	const uint8_t *p = rec + 8;

	post.mask = hvt_cap_exit_post(w0);
	size_t n = 1 + (size_t)__builtin_popcount(post.mask);
	if (!v)
		return -1;
	if (w0 != hvt_cap_post_word(post.mask) || !post.mask)
		return BAD(rec, "POST word %#llx has reserved bits set or no register", (unsigned long long)w0);
	if (n > left)
		return BAD(rec, "POST of %zu words runs past the end of the chunk (%zu left)", n, left);
	for (uint32_t m = post.mask; m; m &= m - 1, p += 8)
		post.v[__builtin_ctz(m)] = word(p);
	hvt_enc_post(&c->enc, &post);
	rv_post_apply(v->regs, post.mask & ~HVT_POST_RIP, post.v, 0);
	return (long)n;
}

static long rec_vm_start(struct hvt_capture *c, const uint8_t *rec, uint64_t w0, size_t left,
			 struct hvt_err *err)
{
	unsigned vm = hvt_cap_vm(w0);
	struct hvt_vm_state st;
	struct cap_vm *v;

	if (w0 & ~0xff0full)
		return BAD(rec, "VM_START word %#llx has reserved bits set", (unsigned long long)w0);
	if (vm >= HVT_MAX_VMS)
		return BAD(rec, "VM_START of VM %u (max %u)", vm, HVT_MAX_VMS - 1);
	if (1 + HVT_CAP_VM_STATE_WORDS > left)
		return BAD(rec, "VM_START of %u words runs past the end of the chunk (%zu left)",
			   1 + HVT_CAP_VM_STATE_WORDS, left);
	memcpy(&st, rec + 8, sizeof(st));
	v = &c->vm[vm];
	memcpy(v->regs, st.gpr, sizeof(st.gpr));
	v->regs[HVT_REG_RIP] = st.rip;
	v->regs[HVT_REG_RFLAGS] = st.rflags;
	v->icount = st.icount;
	v->started = 1;
	c->current = (int)vm;
	hvt_enc_vm_start(&c->enc, vm, &st);
	return 1 + HVT_CAP_VM_STATE_WORDS;
}

/* MEMWRITE and NOTE: a length in bits 32-63, then (MEMWRITE) the gpa, then the bytes. */
static long rec_blob(struct hvt_capture *c, const uint8_t *rec, uint64_t w0, size_t left,
		     struct hvt_err *err)
{
	int is_note = hvt_cap_kind(w0) == HVT_CAP_NOTE;
	const char *what = is_note ? "NOTE" : "MEMWRITE";
	uint32_t len = hvt_cap_hi(w0);
	size_t n = (is_note ? 1 : 2) + (len + 7) / 8;

	if (!running(c, rec, what, err))
		return -1;
	if (w0 & 0xfffffff0u)
		return BAD(rec, "%s word %#llx has reserved bits set", what, (unsigned long long)w0);
	if (len > HVT_CAP_BLOB_MAX)
		return BAD(rec, "%s of %u bytes (max %u)", what, len, HVT_CAP_BLOB_MAX);
	if (n > left)
		return BAD(rec, "%s of %u bytes runs past the end of the chunk (%zu words left)", what,
			   len, left);
	if (is_note)
		hvt_enc_note(&c->enc, (const char *)rec + 8, len);
	else
		hvt_enc_memwrite(&c->enc, word(rec + 8), rec + 16, len);
	return (long)n;
}

/* The short records: INJECT, SWITCH, VM_STOP, END. */
static long rec_other(struct hvt_capture *c, const uint8_t *rec, uint64_t w0, size_t left,
		      struct hvt_err *err)
{
	static const struct { const char *name; uint64_t used; unsigned words; } kinds[] = {
		[HVT_CAP_INJECT] = { "INJECT", 0xffffffff0000000full, 2 },
		[HVT_CAP_SWITCH] = { "SWITCH", 0xff0full, 1 },
		[HVT_CAP_VM_STOP] = { "VM_STOP", 0xffff0full, 3 },
		[HVT_CAP_END] = { "END", 0xfull, 2 },
	};
	unsigned kind = hvt_cap_kind(w0), vm = hvt_cap_vm(w0);
	const char *what = kinds[kind].name;

	if (w0 & ~kinds[kind].used)
		return BAD(rec, "%s word %#llx has reserved bits set", what, (unsigned long long)w0);
	if (kinds[kind].words > left)
		return BAD(rec, "%s of %u words runs past the end of the chunk (%zu left)", what,
			   kinds[kind].words, left);
	if ((kind == HVT_CAP_SWITCH || kind == HVT_CAP_VM_STOP) && vm >= HVT_MAX_VMS)
		return BAD(rec, "%s of VM %u (max %u)", what, vm, HVT_MAX_VMS - 1);
	switch (kind) {
	case HVT_CAP_INJECT:
		if (!running(c, rec, what, err))
			return -1;
		if (word(rec + 8) >> 32)
			return BAD(rec, "INJECT error code %#llx wider than 32 bits",
				   (unsigned long long)word(rec + 8));
		hvt_enc_inject(&c->enc, hvt_cap_hi(w0), (uint32_t)word(rec + 8));
		break;
	case HVT_CAP_SWITCH:
		c->current = (int)vm;
		hvt_enc_switch(&c->enc, vm);
		break;
	case HVT_CAP_VM_STOP:
		if (hvt_cap_stop_why(w0) >= HVT_STOP_COUNT)
			return BAD(rec, "VM_STOP reason %u unknown (max %u)", hvt_cap_stop_why(w0),
				   HVT_STOP_COUNT - 1);
		c->vm[vm].started = 0;
		hvt_enc_vm_stop(&c->enc, vm, hvt_cap_stop_why(w0), word(rec + 8), word(rec + 16));
		break;
	case HVT_CAP_END:
		c->ended = 1;
		hvt_enc_finish(&c->enc, word(rec + 8));
		break;
	}
	return kinds[kind].words;
}

int hvt_capture_feed(struct hvt_capture *c, const uint8_t *payload, size_t len, uint64_t base,
		     struct hvt_err *err)
{
	const uint8_t *p = payload, *end = payload + len;

	if (c->status)
		return hvt_err_set(err, c->status, HVT_NO_OFFSET, "capture: stopped at an earlier error");
	c->payload = payload;
	c->base = base;
	if (len % 8)
		return BAD(end - len % 8, "capture payload of %zu bytes is not a whole number of words", len);
	while (p < end) {
		uint64_t w0 = word(p);
		size_t left = (size_t)(end - p) / 8;
		long n;

		if (c->ended)
			return BAD(p, "record after END");
		switch (hvt_cap_kind(w0)) {
		case HVT_CAP_EXIT:
			n = rec_exit(c, p, w0, left, err);
			break;
		case HVT_CAP_VM_START:
			n = rec_vm_start(c, p, w0, left, err);
			break;
		case HVT_CAP_POST:
			n = rec_post(c, p, w0, left, err);
			break;
		case HVT_CAP_MEMWRITE:
		case HVT_CAP_NOTE:
			n = rec_blob(c, p, w0, left, err);
			break;
		case HVT_CAP_INJECT:
		case HVT_CAP_SWITCH:
		case HVT_CAP_VM_STOP:
		case HVT_CAP_END:
			n = rec_other(c, p, w0, left, err);
			break;
		default:
			return BAD(p, "unknown capture record kind %u (word %#llx)",
				   hvt_cap_kind(w0), (unsigned long long)w0);
		}
		if (n < 0)
			return c->status;
		if (__builtin_expect(c->out_status < 0, 0)) {
			if (err)
				*err = c->out_err;
			return c->status = c->out_status;
		}
		c->nrecords++;
		p += (size_t)n * 8;
	}
	return HVT_OK;
}

int hvt_capture_flush(struct hvt_capture *c, struct hvt_err *err)
{
	if (c->out_status >= 0)
		hvt_enc_flush(&c->enc);
	if (c->out_status < 0) {
		if (err)
			*err = c->out_err;
		return c->out_status;
	}
	return HVT_OK;
}

uint64_t hvt_capture_nrecords(const struct hvt_capture *c)
{
	return c->nrecords;
}

int hvt_capture_ended(const struct hvt_capture *c)
{
	return c->ended;
}
