/*
 * exit_status.h - the exit statuses of every host tool (hvtrace, hvreplay, hvrun), listed once.
 *
 * The same case gets the same status in every tool, so that scripts, the Makefile and the lab
 * graders test one number: bad usage is 64 everywhere (sysexits' EX_USAGE), a trace that cannot
 * be read or replayed is 2 everywhere, an I/O failure is 4 everywhere. 1 is the "no" a tool was
 * asked about (truncated, different, diverged, a guest said FAIL). docs/reliability.md lists
 * which bad input gets which status; each tool's --help repeats its part of this list.
 *
 * X(NAME, number, "meaning")
 */
#ifndef RETROVISOR_EXIT_STATUS_H
#define RETROVISOR_EXIT_STATUS_H

#include <stdint.h>

#include "retrovisor/trace_format.h"

#define RV_EXIT_LIST(X)                                                                             \
	X(OK, 0, "success: the trace is whole, the replay matches, every guest ended normally")          \
	X(NO, 1, "the answer is no: the trace is truncated (hvtrace check), the traces differ (hvtrace "  \
		 "diff), the replay diverged (hvreplay), a guest reported failure (hvrun)")                 \
	X(BROKEN, 2, "what was examined is broken: the trace is corrupt or cannot be replayed (hvtrace, " \
		     "hvreplay); the hypervisor stopped a guest for a fault (hvrun)")                       \
	X(TIMEOUT, 3, "the run took longer than --timeout (hvrun)")                                      \
	X(FAILED, 4, "the tool could not do its work: a read or write failed (including standard "        \
		     "output), out of memory, interrupted; hvrun: the hypervisor or Bochs failed")          \
	X(USAGE, 64, "bad usage: an unknown or malformed option, a missing or refused file (not a "       \
		     "regular file, the output is one of the inputs), an invalid VM definition")

enum rv_exit_status {
#define RV_EXIT_ENUM(name, num, what) RV_EXIT_##name = num,
	RV_EXIT_LIST(RV_EXIT_ENUM)
#undef RV_EXIT_ENUM
};

/*
 * How a VM ended, from its VM_STOP reason and status: the one verdict the hypervisor (its run
 * status, the trace's END record, hv/main.c) and hvrun (its exit status, runner/hvrun.c) give.
 *   normal   it shut down with status 0, halted with interrupts disabled (nothing more to do),
 *            or reached an instruction limit: a limit is always one somebody asked for (hvrun
 *            --insn-limit, a VM's <limit>, the system's <system instructions>), so reaching it
 *            is the planned end of the run, not a fault (guest-samples/hog);
 *   failed   it shut down with a non-zero status: the guest itself reports failure (hvrun: 1);
 *   stopped  the hypervisor stopped it: a triple fault, an access outside its memory, an exit or
 *            an entry it could not handle, a wait that can never end (hvrun: 2).
 * A stop reason outside the list counts as stopped. Freestanding: the hypervisor uses it too.
 */
enum rv_vm_end { RV_VM_END_NORMAL, RV_VM_END_FAILED, RV_VM_END_STOPPED };

static inline enum rv_vm_end rv_vm_verdict(unsigned why, uint64_t status)
{
	switch (why) {
	case HVT_STOP_SHUTDOWN:
		return status == 0 ? RV_VM_END_NORMAL : RV_VM_END_FAILED;
	case HVT_STOP_HALTED:
	case HVT_STOP_INSN_LIMIT:
		return RV_VM_END_NORMAL;
	default:
		return RV_VM_END_STOPPED;
	}
}

static inline int rv_vm_ended_normally(unsigned why, uint64_t status)
{
	return rv_vm_verdict(why, status) == RV_VM_END_NORMAL;
}

#endif
