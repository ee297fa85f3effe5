/*
 * hvt_vm.c - each VM of a trace: its configuration, its registers at the first VM entry and its
 * initial memory (retrovisor/hvtrace.h, section 4), read from the VM's sections so that no tool
 * has to find, load and copy them by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "hvt_bounds.h"
#include "hvt_reader_priv.h"

unsigned hvt_vm_ids(const struct hvt_reader *r, unsigned *ids, unsigned max)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < hvt_reader_nsections(r) && n < max; i++) {
		const struct hvt_section_info *si = hvt_reader_section(r, i);
		if (si->type == HVT_SEC_VM_CONFIG)
			ids[n++] = si->vm;
	}
	return n;
}

/* VM vm's section of a type, whole (malloc'd): HVT_OK, HVT_END when there is none, or an error. */
static int load(struct hvt_reader *r, uint32_t type, unsigned vm, uint8_t **data, size_t *len, struct hvt_err *err)
{
	int i = hvt_reader_section_find(r, type, vm);

	if (i < 0)
		return HVT_END;
	return hvt_reader_section_load(r, (uint32_t)i, 0, data, len, err);
}

/* VM vm's section of a type holding one struct: HVT_OK, HVT_END when there is none, or an error. */
static int load_struct(struct hvt_reader *r, uint32_t type, unsigned vm, void *dst, size_t size, struct hvt_err *err)
{
	int i = hvt_reader_section_find(r, type, vm);

	return i < 0 ? HVT_END : hvt_reader_section_struct(r, (uint32_t)i, dst, size, err);
}

int hvt_vm_config(struct hvt_reader *r, unsigned vm, struct hvt_vm_config *cfg, struct hvt_err *err)
{
	int st = load_struct(r, HVT_SEC_VM_CONFIG, vm, cfg, sizeof(*cfg), err);

	if (st == HVT_END)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "%s: no VM %u in this trace", hvt_reader_name(r), vm);
	if (st)
		return st;
	/* the rules every reader applies before trusting a configuration (memory bounded by what
	 * hvrun can create: a 4 KB trace must not make a tool allocate 4 GiB) */
	return hvt_vm_config_check(cfg, sizeof(*cfg), vm, err);
}

int hvt_vm_initial_state(struct hvt_reader *r, unsigned vm, struct hvt_vm_state *state, uint64_t *start_event,
			 struct hvt_err *err)
{
	struct hvt_cursor *cu;
	struct hvt_event ev;
	int have = load_struct(r, HVT_SEC_VM_STATE, vm, state, sizeof(*state), err);
	int st;

	if (have < 0)
		return have;
	if (start_event)
		*start_event = UINT64_MAX;
	if (have == HVT_OK && !start_event)
		return HVT_OK;
	/* the VM_START record: its number, and the state when there is no VM_STATE section */
	if ((st = hvt_cursor_open(&cu, r, err)))
		return st;
	if ((st = hvt_cursor_seek(cu, 0, err)) == HVT_OK) {
		while ((st = hvt_cursor_next(cu, &ev, err)) == HVT_OK) {
			if (ev.type == HVT_REC_VM_START && ev.vm == vm) {
				if (start_event)
					*start_event = ev.num;
				if (have != HVT_OK && ev.start)
					*state = *ev.start;
				have = HVT_OK;
				break;
			}
		}
	}
	hvt_cursor_close(cu);
	if (st < 0)
		return st;
	if (have != HVT_OK)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "%s: VM %u never starts in this trace",
				   hvt_reader_name(r), vm);
	return HVT_OK;
}

int hvt_vm_memory(struct hvt_reader *r, unsigned vm, uint8_t *mem, uint64_t mem_size, struct hvt_err *err)
{
	uint8_t *data;
	size_t len;
	int st = load(r, HVT_SEC_VM_MEMORY, vm, &data, &len, err);

	if (st == HVT_END)
		return HVT_OK;
	if (st)
		return st;
	/* runs of { u64 gpa; u64 len; bytes[len] } (trace_format.h, HVT_SEC_VM_MEMORY) */
	const uint8_t *p = data, *end = data + len;
	while (p < end) {
		uint64_t gpa, n;
		if (end - p < 16) {
			st = hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "VM %u memory section: run header cut short", vm);
			break;
		}
		memcpy(&gpa, p, 8);
		memcpy(&n, p + 8, 8);
		p += 16;
		if (n > (uint64_t)(end - p) || gpa > mem_size || n > mem_size - gpa) {
			st = hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
					 "VM %u memory section: run of %llu bytes at %#llx does not fit", vm,
					 (unsigned long long)n, (unsigned long long)gpa);
			break;
		}
		memcpy(mem + gpa, p, n);
		p += n;
	}
	free(data);
	return st;
}
