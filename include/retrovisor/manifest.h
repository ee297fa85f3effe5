/*
 * manifest.h - the run manifest: what the runner tells the hypervisor, as a GRUB module named
 * "manifest". The guest images are modules named "vm0", "vm1", ...
 *
 * OFFSET SIZE  FIELD
 *      0    8  magic "RVMANIF"
 *      8    4  version (RV_MANIFEST_VERSION)
 *     12    4  number of VMs (1..HVT_MAX_VMS)
 *     16    4  flags (RV_MANIFEST_TRACE: record the trace on the ATA disk; RV_MANIFEST_TRACE_PIO:
 *              write it by programmed I/O even where bus-master DMA is available;
 *              RV_MANIFEST_TEST_PANIC_TWICE, test only: the test panic below panics again
 *              while the first one writes the trace out; RV_MANIFEST_GDB: a debugger on
 *              COM2 debugs the VM whose index is in bits 8-15, hv/gdb.h)
 *     20    4  test only: PANIC the hypervisor at the first VM exit after any VM has executed
 *              this many guest instructions (0: never; hvrun --hv-test-panic-insns), so a system
 *              test can show that a panic keeps the trace (hv/panic.c)
 *     24    8  system instruction limit: stop every VM once they have executed this many guest
 *              instructions together (0: none)
 *     32  96n  struct hvt_vm_config[n] (include/retrovisor/trace_format.h)
 *  32+96n  4n  uint32_t send_to[n]: the bus policy, bit j of VM i's word set when VM i may send
 *              to VM j (every bit set by default: everyone may send to everyone)
 *
 * Optional modules "vm<N>.input": bytes the guest's UART receives, in order (scripted input).
 */
#ifndef RETROVISOR_MANIFEST_H
#define RETROVISOR_MANIFEST_H

#include <stdint.h>

#include "retrovisor/trace_format.h"

#define RV_MANIFEST_MAGIC "RVMANIF"
#define RV_MANIFEST_VERSION 2
#define RV_MANIFEST_TRACE 1u
#define RV_MANIFEST_TRACE_PIO 2u
#define RV_MANIFEST_TEST_PANIC_TWICE 4u
#define RV_MANIFEST_GDB 8u
#define RV_MANIFEST_GDB_VM_SHIFT 8 /* bits 8-15: the VM under the debugger */
#define RV_MANIFEST_GDB_VM(flags) (((flags) >> RV_MANIFEST_GDB_VM_SHIFT) & 0xffu)

struct rv_manifest {
	char magic[8];
	uint32_t version;
	uint32_t nvms;
	uint32_t flags;
	uint32_t test_panic_insns;
	uint64_t insn_limit;
	struct hvt_vm_config vm[];
};
_Static_assert(sizeof(struct rv_manifest) == 32, "manifest header size");

/* The send_to table after the VM configurations. */
static inline uint32_t *rv_manifest_send_to(struct rv_manifest *m)
{
	return (uint32_t *)(void *)&m->vm[m->nvms];
}
static inline const uint32_t *rv_manifest_send_to_const(const struct rv_manifest *m)
{
	return (const uint32_t *)(const void *)&m->vm[m->nvms];
}
static inline unsigned long rv_manifest_size(uint32_t nvms)
{
	return sizeof(struct rv_manifest) + nvms * (sizeof(struct hvt_vm_config) + sizeof(uint32_t));
}

#endif
