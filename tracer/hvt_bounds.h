/*
 * hvt_bounds.h - what a trace declares about itself, checked against what it records.
 *
 * CRCs prove that bytes were not damaged, not that they make sense: a trace written by a buggy
 * or hostile tool can be whole and still claim a VM of 4 GiB, an exit 10^12 instructions after
 * the VM's stop, or an exit reason the SDM does not define, and a replay would then allocate
 * gigabytes or run for hours before finding out. These rules are the ones every reader applies
 * before trusting a trace: `hvtrace check` reports the first one broken, and hvreplay refuses a
 * trace that breaks one before replaying it.
 *
 *   VM_CONFIG   the section is whole and names its own VM; memory from 64 KiB to
 *               HVT_VM_MEM_MAX (what hvrun can create) in whole 4 KiB pages; a known entry mode;
 *               load address, image and entry inside memory; a NUL-terminated name
 *   EXIT        of a VM that started and has not stopped; a reason in the one exit-reason list
 *               (include/retrovisor/exit_reasons.h), and no instruction length for a reason
 *               the list calls asynchronous; its instruction count never goes backwards and
 *               never passes the VM's own instruction limit
 *   SWITCH      to a VM that has started
 *   MEMWRITE    at least one byte (the hypervisor records none empty)
 *   VM_STOP     once per VM, not before the VM's last exit; a stop by an instruction limit names
 *               the count it stopped at, which no exit may pass
 */
#ifndef TRACER_HVT_BOUNDS_H
#define TRACER_HVT_BOUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "hvt_reader.h"

struct hvt_bounds {
	uint64_t limit[HVT_MAX_VMS]; /* the VM's instruction limit, 0: none */
	uint64_t last[HVT_MAX_VMS];  /* instruction count at its last event */
	uint32_t configured, started, stopped; /* one bit per VM */
};

/* A VM_CONFIG section's bytes (len of them, from section `vm`): HVT_OK or HVT_ECORRUPT. */
int hvt_vm_config_check(const void *data, size_t len, uint32_t vm, struct hvt_err *err);

/* Load and check every VM_CONFIG of r. HVT_OK, HVT_ECORRUPT, or a reader error. */
int hvt_bounds_init(struct hvt_bounds *b, struct hvt_reader *r, struct hvt_err *err);

/* One event, in file order: HVT_OK or HVT_ECORRUPT naming the event. */
int hvt_bounds_event(struct hvt_bounds *b, const struct hvt_event *ev, struct hvt_err *err);

/* Every rule over the whole of r (init, then each event; stops at a truncation): what hvreplay
 * runs before a replay. Leaves r positioned at its start. */
int hvt_bounds_check(struct hvt_reader *r, struct hvt_err *err);

#endif
