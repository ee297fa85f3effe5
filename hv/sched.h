/* sched.h - virtual time and the scheduler that shares the CPU among VMs by weight. */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <stdint.h>

#include "vm.h"

#define SCHED_QUANTUM 100000u /* instructions a VM runs before the scheduler looks again */

extern uint64_t vtime_now; /* virtual time: see pit.h */

void sched_init(struct vm *vms, int n, uint64_t system_limit);
/* Run every VM until all have stopped. */
void sched_run(void);
/* The debugger resumes a VM it held, in the state it had (gdb_target.c). */
void sched_resume(struct vm *vm, enum vm_state s);
/* Make the VM the trace's current one (a SWITCH record if it was not). */
void sched_trace_current(struct vm *vm);
/* The VM with that id, or 0. */
struct vm *sched_vm(uint32_t id);

#endif
