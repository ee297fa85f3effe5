/*
 * hvt_bounds.c - the rules of hvt_bounds.h: a trace's declarations against its records.
 */
#include <stdlib.h>
#include <string.h>

#include "hvt_bounds.h"
#include "retrovisor/exit_reasons.h"

int hvt_vm_config_check(const void *data, size_t len, uint32_t vm, struct hvt_err *err)
{
	struct hvt_vm_config c;

	if (len != sizeof(c))
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "VM %u: configuration of %zu bytes, expected %zu", vm,
				   len, sizeof(c));
	memcpy(&c, data, sizeof(c));
	if (c.id != vm || vm >= HVT_MAX_VMS)
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "VM %u: its configuration says VM %u", vm, c.id);
	if (!memchr(c.name, 0, sizeof(c.name)))
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "VM %u: its name is not terminated", vm);
	if (c.mem_size < (64u << 10) || c.mem_size > HVT_VM_MEM_MAX || (c.mem_size & 0xfff))
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
				   "VM %u: %llu bytes of memory; a VM has 64 KiB to %llu MiB in whole 4 KiB pages", vm,
				   (unsigned long long)c.mem_size, (unsigned long long)(HVT_VM_MEM_MAX >> 20));
	if (c.mode > HVT_MODE_LONG64)
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "VM %u: unknown entry mode %u", vm, c.mode);
	if (c.load_addr >= c.mem_size || c.image_size > c.mem_size - c.load_addr || c.entry >= c.mem_size)
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
				   "VM %u: image (%llu bytes at %#llx) or entry %#llx outside its memory", vm,
				   (unsigned long long)c.image_size, (unsigned long long)c.load_addr,
				   (unsigned long long)c.entry);
	return HVT_OK;
}

int hvt_bounds_init(struct hvt_bounds *b, struct hvt_reader *r, struct hvt_err *err)
{
	memset(b, 0, sizeof(*b));
	b->current = -1;
	for (uint32_t i = 0; i < hvt_reader_nsections(r); i++) {
		const struct hvt_section_info *s = hvt_reader_section(r, i);
		struct hvt_vm_config c;
		uint8_t *d;
		size_t n;
		int st;

		if (s->type != HVT_SEC_VM_CONFIG)
			continue;
		if ((st = hvt_reader_section_load(r, i, 4096, &d, &n, err)))
			return st;
		st = hvt_vm_config_check(d, n, s->vm, err);
		if (st && err)
			err->offset = s->offset; /* the section's data */
		if (st == HVT_OK)
			memcpy(&c, d, sizeof(c));
		free(d);
		if (st)
			return st;
		if (b->configured >> s->vm & 1)
			return hvt_err_set(err, HVT_ECORRUPT, s->offset, "VM %u is configured twice", s->vm);
		b->configured |= 1u << s->vm;
		b->limit[s->vm] = c.insn_limit;
	}
	return HVT_OK;
}

int hvt_bounds_event(struct hvt_bounds *b, const struct hvt_event *ev, struct hvt_err *err)
{
	unsigned vm = ev->vm;
	unsigned long long n = (unsigned long long)ev->num, ic = (unsigned long long)ev->icount;

	if (ev->type == HVT_REC_SWITCH && (ev->target >= HVT_MAX_VMS || !(b->started >> ev->target & 1)))
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "event %llu: a switch to VM %u, which has not started",
				   n, ev->target);
	if (ev->type == HVT_REC_SWITCH)
		b->current = ev->target;
	if (ev->type == HVT_REC_MEMWRITE && ev->len == 0)
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "event %llu: a memory write of 0 bytes", n);
	if ((ev->type != HVT_REC_EXIT && ev->type != HVT_REC_VM_START && ev->type != HVT_REC_VM_STOP) ||
	    vm >= HVT_MAX_VMS)
		return HVT_OK;
	if (ev->type == HVT_REC_VM_START) {
		b->started |= 1u << vm;
		b->stopped &= ~(1u << vm);
		b->last[vm] = ev->icount;
		b->current = (int)vm;
		return HVT_OK;
	}
	if (!(b->started >> vm & 1))
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "event %llu: VM %u has not started", n, vm);
	if (b->stopped >> vm & 1)
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "event %llu: VM %u has already stopped", n, vm);
	if (ev->icount < b->last[vm])
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
				   "event %llu: VM %u's instruction count goes backwards (%llu -> %llu)", n, vm,
				   (unsigned long long)b->last[vm], ic);
	if (b->limit[vm] && ev->icount > b->limit[vm])
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
				   "event %llu: VM %u at instruction %llu, past its limit of %llu", n, vm, ic,
				   (unsigned long long)b->limit[vm]);
	if (ev->type == HVT_REC_EXIT && !exit_reason_name(ev->reason))
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
				   "event %llu: exit reason %u is not a VMX basic exit reason", n, ev->reason);
	if (ev->type == HVT_REC_EXIT && (ev->post_mask & HVT_POST_RIP))
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
				   "event %llu: an exit's post-state sets RIP (only a debugger's POST record may)", n);
	if (ev->type == HVT_REC_EXIT && ev->insn_len && exit_reason_async(ev->reason))
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
				   "event %llu: %s is an asynchronous exit, yet RIP advanced by %u bytes", n,
				   exit_reason_name(ev->reason), ev->insn_len);
	/* a stop by an instruction limit names the count it stopped at (hv/vm.c, hv/sched.c): no
	 * exit can lie beyond it */
	if (ev->type == HVT_REC_VM_STOP && ev->stop_why == HVT_STOP_INSN_LIMIT && ev->detail < b->last[vm])
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
				   "event %llu: VM %u stopped by its instruction limit at %llu, after an exit at %llu", n,
				   vm, (unsigned long long)ev->detail, (unsigned long long)b->last[vm]);
	b->last[vm] = ev->icount;
	if (ev->type == HVT_REC_VM_STOP)
		b->stopped |= 1u << vm;
	return HVT_OK;
}

/* The encoder opens each chunk with the VM current at that point and its count (trace_encode.c,
 * chunk_open); the decoder trusts the header for which VM is current after the keyframes, so a
 * header that lies would give the chunk's records to another VM, and a seek would start from a
 * wrong count. A chunk without events sits between the same two events as the next one. */
int hvt_bounds_chunks(struct hvt_bounds *b, struct hvt_reader *r, size_t upto, struct hvt_err *err)
{
	size_t n;
	const struct hvt_index_entry *ix = hvt_reader_index(r, &n);

	for (; b->chunks < upto && b->chunks < n; b->chunks++) {
		const struct hvt_index_entry *e = &ix[b->chunks];
		unsigned vm = b->current < 0 ? 0 : (unsigned)b->current;
		uint64_t ic = b->current < 0 ? 0 : b->last[vm];
		if (e->first_vm != vm || e->first_icount != ic)
			return hvt_err_set(err, HVT_ECORRUPT, e->offset,
					   "chunk %zu at offset %llu: its header says VM %u at instruction %llu is "
					   "current, the events before it leave VM %u at %llu",
					   b->chunks, (unsigned long long)e->offset, e->first_vm,
					   (unsigned long long)e->first_icount, vm, (unsigned long long)ic);
	}
	return HVT_OK;
}

int hvt_bounds_check(struct hvt_reader *r, struct hvt_err *err)
{
	struct hvt_bounds b;
	struct hvt_event ev;
	size_t n;
	int st;

	if ((st = hvt_bounds_init(&b, r, err)))
		return st;
	while ((st = hvt_reader_next_event(r, &ev, err)) == HVT_OK)
		if ((st = hvt_bounds_chunks(&b, r, hvt_reader_chunk(r, NULL, NULL)->index + 1, err)) ||
		    (st = hvt_bounds_event(&b, &ev, err)))
			break;
	if (st == HVT_END) {
		hvt_reader_index(r, &n);
		st = hvt_bounds_chunks(&b, r, n, err);
		st = st ? st : HVT_END;
	}
	if (st == HVT_END || st == HVT_ETRUNCATED || st == HVT_TRUNCATED)
		st = HVT_OK; /* a cut trace is checked as far as it goes */
	if (st == HVT_OK)
		st = hvt_reader_seek(r, 0, err);
	return st;
}
