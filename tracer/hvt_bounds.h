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

#include "hvt_reader.h" /* struct hvt_bounds and its calls: retrovisor/hvtrace.h, section 8 */

#endif
