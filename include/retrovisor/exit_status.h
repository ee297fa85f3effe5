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

#endif
