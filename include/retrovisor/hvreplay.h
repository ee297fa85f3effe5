/*
 * hvreplay.h - the deterministic replay engine (libhvreplay), its whole public API: re-execute
 * one VM of a .hvt trace on Unicorn, check every recorded exit, and move through the guest's
 * execution in both directions.
 *
 * Time is the VM's instruction count t: the number of guest instructions retired since the VM
 * started, counted as Bochs (the recorder) counts them: one per instruction, one per REP
 * iteration, and the instruction that caused an exit included. An exit recorded with icount I
 * sits between t = I - 1 (the registers at the exit: RIP = the exiting instruction) and t = I
 * (after the hypervisor's effects: post-state, RIP += length, memory writes, injected event).
 * "The state at t" is always the state with every exit of icount <= t applied.
 *
 * A session replays one VM. Every call returns RP_OK (0), a positive status (RP_END, RP_DIVERGED,
 * RP_STOPPED, RP_NOTFOUND) or a negative enum hvt_status with a message in err; nothing prints,
 * nothing exits. docs/replay.md tells the whole story; docs/replay-api.md is the reading order.
 * Compile with $(HVREPLAY_CFLAGS), link with $(HVREPLAY_LIBS) (replay/replay.mk).
 *
 *	struct rp_session *s;
 *	rp_open(&s, "out/demo.hvt", NULL, &err);        // VM 0, default checkpoint budget
 *	int st = rp_run(s, NULL, NULL, &err);           // to the end, checking every exit
 *	if (st == RP_DIVERGED) print(rp_divergence(s));
 *	rp_goto_exit(s, 120, &err);                     // at exit event 120 (before its effects)
 *	rp_step(s, -1, &err);                           // one instruction back
 *	rp_close(s);
 */
#ifndef RETROVISOR_HVREPLAY_H
#define RETROVISOR_HVREPLAY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "retrovisor/hvtrace.h"

/* Positive results (negative values are enum hvt_status errors). */
enum rp_status {
	RP_OK = 0,
	RP_END = 1,      /* the VM's trace ends here (VM_STOP, END, or the file stops) */
	RP_DIVERGED = 2, /* replay disagrees with the recording: see rp_divergence() */
	RP_NOTFOUND = 3  /* a search ran to the end (or the start) without a hit */
};

/* Other error codes of the engine (besides enum hvt_status). */
#define RP_EUNSUPPORTED (-20) /* the trace uses something the engine cannot replay yet */
#define RP_EUNICORN (-21)     /* Unicorn refused something (message says what) */

struct rp_session;

struct rp_opts {
	unsigned vm;              /* which VM to replay */
	uint64_t ckpt_budget;     /* bytes of checkpoint memory; 0: RP_DEFAULT_BUDGET */
	uint32_t ckpt_exits;      /* checkpoint every N exits at first; 0: RP_DEFAULT_CKPT_EXITS */
	uint64_t ckpt_insns;      /* ... or every N instructions; 0: RP_DEFAULT_CKPT_INSNS, or
				   * RP_CKPT_INSNS_PER_PAGE per 4 KiB page of guest memory if more */
	unsigned history;         /* instructions shown in a divergence report; 0: 16 */
	int careful;              /* 1: never take the fast path (for tests that compare the two:
				   * docs/replay.md, "Speed"); also set by RP_CAREFUL=1 in the environment */
};
#define RP_DEFAULT_BUDGET (256ull << 20)
#define RP_DEFAULT_CKPT_EXITS 512
#define RP_DEFAULT_CKPT_INSNS 131072ull
#define RP_CKPT_INSNS_PER_PAGE 256ull
#define RP_HISTORY_MAX 64

/* Register numbers: the trace's order (RAX RCX RDX RBX RSP RBP RSI RDI R8-R15, RIP, RFLAGS),
 * then the control registers. */
enum { RP_RIP = 16, RP_RFLAGS = 17, RP_CR0, RP_CR2, RP_CR3, RP_CR4, RP_EFER, RP_NREGS };
const char *rp_reg_name(unsigned r);

struct rp_seg {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;
	uint32_t flags; /* descriptor bits 40-55 as Unicorn/QEMU keep them (type, S, DPL, P, ..., D, G) */
};

struct rp_state {
	uint64_t t;                /* instructions retired */
	uint64_t reg[RP_NREGS];
	struct rp_seg seg[HVT_NSEGS]; /* ES CS SS DS FS GS LDTR TR */
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	int mode;                  /* 16, 32 or 64: the code size of CS */
	uint64_t pc;               /* linear address of the next instruction (CS base + RIP) */
	uint64_t next_exit;        /* event number of the next exit, UINT64_MAX when none */
	uint64_t next_exit_icount; /* its icount */
	int stopped;               /* the VM has stopped (VM_STOP applied) */
};

/* One recorded exit in the trace of the session's VM. */
struct rp_exit_info {
	uint64_t num;    /* event number */
	uint64_t icount;
	unsigned reason;
	uint64_t rip;
};

/* The first disagreement between replay and recording. */
struct rp_divergence {
	uint64_t event;        /* event number of the exit where it showed */
	uint64_t icount;       /* the exit's instruction count */
	unsigned reason;       /* the exit's reason */
	char field[24];        /* "RIP", "RAX", "RFLAGS", "exit reason", "instruction", ... */
	uint64_t recorded, replayed;
	char what[256];        /* one line: what disagrees and how */
	unsigned nhist;        /* last instructions executed, oldest first */
	struct {
		uint64_t t, pc;
		char text[96]; /* "0x7c12: rdmsr" */
	} hist[RP_HISTORY_MAX];
	char note[200];        /* "" or a known cause the engine recognised (docs/replay.md, "Limits") */
};

/* ---- session ---------------------------------------------------------------------------- */
int rp_open(struct rp_session **out, const char *path, const struct rp_opts *opts, struct hvt_err *err);
/* The same over a reader the caller keeps open until rp_close (several sessions, one reader:
 * each session reads through cursors of its own). */
int rp_open_shared(struct rp_session **out, struct hvt_reader *r, const struct rp_opts *opts, struct hvt_err *err);
void rp_close(struct rp_session *s);

/* VMs in a trace (from its VM_CONFIG sections): count, and the i-th VM's id and name. */
int rp_trace_vms(const char *path, unsigned *ids, char (*names)[32], unsigned max, unsigned *n,
		 struct hvt_err *err);

/* What the trace and the VM are: name, memory size, exits of this VM, truncation. */
struct rp_info {
	char name[32];
	uint64_t mem_size;
	uint64_t nevents;    /* events in the whole trace */
	int truncated;       /* the file stops early */
	char truncation[256];
	int complete;        /* the recording ended cleanly (HVT_FILE_COMPLETE) */
};
const struct rp_info *rp_info(const struct rp_session *s);

/* Play forward to the end of the VM, checking every exit. progress(ctx, t, event) is called now
 * and then (may be NULL). RP_END when everything matched, RP_DIVERGED, or an error. */
typedef void (*rp_progress_fn)(void *ctx, uint64_t t, uint64_t event, uint64_t nevents);
int rp_run(struct rp_session *s, rp_progress_fn progress, void *ctx, struct hvt_err *err);
const struct rp_divergence *rp_divergence(const struct rp_session *s);
/* Exits verified so far (the highest number reached), instructions replayed. */
uint64_t rp_exits_checked(const struct rp_session *s);

/* ---- navigation ---------------------------------------------------------------------------- */
/* At exit event `num` of this VM: its registers, before the hypervisor's effects. */
int rp_goto_exit(struct rp_session *s, uint64_t num, struct hvt_err *err);
/* The state at t (clamped to the end of the VM: RP_END). */
int rp_goto_icount(struct rp_session *s, uint64_t t, struct hvt_err *err);
/* One instruction forward (dir > 0) or backward (dir < 0). An exit counts as the instruction
 * that caused it. RP_END at either end. */
int rp_step(struct rp_session *s, int dir, struct hvt_err *err);

/* Run forward (dir > 0) or backward (dir < 0) to the nearest point where... */
enum rp_target_kind {
	RP_TO_ADDRESS, /* the next instruction is at linear address a */
	RP_TO_EXIT,    /* an exit of reason `reason` is next (any reason: reason = -1) */
	RP_TO_WRITE    /* the instruction just executed wrote a byte in [a, a + len) (guest-physical) */
};
struct rp_target {
	enum rp_target_kind kind;
	uint64_t a, len;
	int reason;
};
/* RP_OK at the hit, RP_NOTFOUND (position at the end or start) when there is none. */
int rp_run_to(struct rp_session *s, const struct rp_target *tg, int dir, struct hvt_err *err);

/* When was guest-physical byte `gpa` last written before the current point, and by what:
 * t = the position right after the write (the writing instruction retired as number t) and its
 * linear PC, or the hypervisor / an event frame (by_hv). RP_NOTFOUND: never written since the
 * VM started (the byte is from the initial memory). The current point does not change. */
struct rp_write_info {
	uint64_t t;     /* the write happened at the instruction retiring as number t */
	uint64_t pc;    /* linear address of that instruction (0 for a hypervisor write) */
	int by_hv;      /* 1: a MEMWRITE record of the exit numbered `event`; 2: an interrupt or
			   exception frame (pushed by event delivery, injected or the guest's own) */
	uint64_t event;
	char text[96];  /* its disassembly */
};
int rp_last_write(struct rp_session *s, uint64_t gpa, struct rp_write_info *wi, struct hvt_err *err);

/* ---- state at the current point ------------------------------------------------------------- */
int rp_get_state(struct rp_session *s, struct rp_state *st);
/* Guest-physical memory (RP_OK, or HVT_EINVAL outside the VM's memory). */
int rp_read_phys(struct rp_session *s, uint64_t gpa, void *buf, size_t len);
/* Linear memory through the guest's current paging (HVT_EINVAL where it is not mapped). */
int rp_read_linear(struct rp_session *s, uint64_t la, void *buf, size_t len);
/* Disassemble n instructions from linear address la in the current CPU mode into text lines
 * ("0x7c12: 0f 32        rdmsr\n"); returns how many were decoded. */
unsigned rp_disasm(struct rp_session *s, uint64_t la, unsigned n, char *buf, size_t size);
/* The guest's console output up to the current point: its UART THR writes and console_write
 * hypercalls, through the hypervisor's UART model (carriage returns dropped); not NUL-terminated. */
const char *rp_console(const struct rp_session *s, size_t *len);
/* The recorded exit after (dir > 0) or before (dir < 0) the current point. */
int rp_exit_near(struct rp_session *s, int dir, struct rp_exit_info *out, struct hvt_err *err);

/* Checkpoint statistics. */
struct rp_ckpt_stats {
	size_t count;
	uint64_t bytes;       /* pages + CPU contexts held */
	uint64_t budget;
	uint32_t every_exits; /* current spacing */
	uint64_t every_insns;
	uint64_t replayed;    /* instructions executed so far, re-executions by seeks and steps
			       * included: what navigation cost, in instructions */
};
void rp_ckpt_stats(const struct rp_session *s, struct rp_ckpt_stats *st);

/* ---- debugging: resume until a set of stops (rp_debug.c) ----------------------------------- */
/*
 * rp_resume moves forward (dir > 0) or backward (dir < 0) from the current point until the first
 * of a set of stops, as rr and gdb users know them:
 *   - a breakpoint at linear address a: the next instruction is at a. The starting point never
 *     counts (resuming from a breakpoint moves off it, in both directions);
 *   - a watchpoint on linear [a, a + len) for read, write or access: forward, the position after
 *     the instruction that touched the range; backward, the position *before* it (so one more
 *     step back is not needed, and one step forward executes it again). A write by the hypervisor
 *     (an exit's MEMWRITE) or by event delivery (a frame pushed) counts as a write of the
 *     instruction that exited or was interrupted: the range's value changed across it;
 *   - a catchpoint on an exit reason: the position where that exit is next (its registers at the
 *     exit, before the hypervisor's effects, as rp_goto_exit);
 *   - an instruction count: the position t = icount.
 * Without a hit: RP_END at the end of the VM (forward) or at its first instruction (backward;
 * gdb's "replaylog:begin"), the position there.
 *
 * Long moves run in chunks of ctl->chunk instructions; between chunks ctl->progress is called and
 * *ctl->cancel is read: when it is non-zero (set from a signal handler or another thread) the
 * session goes back to where rp_resume started and RP_CANCELLED is returned.
 */
#define RP_CANCELLED 4 /* enum rp_status: the caller's cancel flag was set; the position is unchanged */

enum rp_watch_kind { RP_WATCH_WRITE = 1, RP_WATCH_READ = 2, RP_WATCH_ACCESS = 3 };
struct rp_watch {
	uint64_t la, len;        /* linear range [la, la + len); len 1..8 for old/new values */
	enum rp_watch_kind kind;
};
struct rp_stopset {
	const uint64_t *bp;      /* breakpoints: linear addresses */
	unsigned nbp;
	const struct rp_watch *wp;
	unsigned nwp;
	const unsigned *reasons; /* catchpoints: basic exit reasons */
	unsigned nreasons;
	int has_icount;          /* stop at t = icount */
	uint64_t icount;
};
enum rp_stop_kind { RP_STOPPED_NONE, RP_STOPPED_BREAK, RP_STOPPED_WATCH, RP_STOPPED_CATCH, RP_STOPPED_ICOUNT };
struct rp_stop_info {
	enum rp_stop_kind kind;  /* RP_STOPPED_NONE with RP_END or RP_CANCELLED */
	unsigned index;          /* which breakpoint / watchpoint / reason of the set */
	uint64_t t, pc;          /* the position where it stopped */
	/* a watchpoint: the instruction that touched the range (at position insn_t, linear insn_pc),
	 * the access's data address and kind, and the range's value before and after it */
	uint64_t insn_t, insn_pc, data_addr;
	enum rp_watch_kind access;
	int have_values;
	uint64_t old_value, new_value;
	/* a catchpoint: the exit's event number and reason */
	uint64_t event;
	unsigned reason;
};
struct rp_control {
	rp_progress_fn progress; /* (ctx, t, positions searched so far, 0); may be NULL */
	void *ctx;
	atomic_int *cancel;      /* may be NULL */
	uint64_t chunk;          /* instructions between checks; 0: 4096 (fast windows between
				  * checks stay 65536 long); non-zero also bounds the fast windows */
};
int rp_resume(struct rp_session *s, const struct rp_stopset *set, int dir, const struct rp_control *ctl,
	      struct rp_stop_info *out, struct hvt_err *err);

/* The exit at the current point (the one about to be applied: dir = 0), the next one after it
 * (dir > 0) or the last one before it (dir < 0), with everything the trace says about it: the
 * step (registers at the exit and after the handler, memory written, event injected, stop) and
 * its decoded qualification. Pointers inside (step.mw, its data) live until the next call on the
 * session. RP_NOTFOUND when there is no such exit. The position does not change. */
struct rp_exit_detail {
	struct hvt_step step;
	char reason_name[40];
	int has_io, has_cr, has_ept, has_inject;
	struct hvt_io io;
	struct hvt_cr cr;
	struct hvt_ept ept;
	struct hvt_intr inject;  /* the event injected at the VM entry after this exit */
};
int rp_exit_detail(struct rp_session *s, int dir, struct rp_exit_detail *out, struct hvt_err *err);

/* ---- disassembly as structured lines (rp_disasm.c) ----------------------------------------- */
struct rp_insn {
	uint64_t la;             /* linear address */
	uint64_t t;              /* rp_disasm_around: the position where it was the next instruction */
	uint8_t len;             /* 0: could not be decoded (one byte shown) */
	uint8_t bytes[15];
	char mnemonic[32];
	char operands[160];
};
/* n instructions from linear la in the current CPU mode; returns how many were decoded. */
unsigned rp_disasm_lines(struct rp_session *s, uint64_t la, unsigned n, struct rp_insn *out);
/* The `before` instructions the VM executed last (from the recorded execution, not decoded
 * backwards: the real path through jumps), then the one at the PC and `after - 1` more from it.
 * out holds before + after entries; *at is the index of the PC's line. Returns the count; the
 * position does not change. */
int rp_disasm_around(struct rp_session *s, unsigned before, unsigned after, struct rp_insn *out, unsigned *n,
		     unsigned *at, struct hvt_err *err);

/* ---- several VMs on one timeline (rp_timeline.c) -------------------------------------------- */
/*
 * A timeline holds one session per VM of a trace and puts every VM at its state as of a global
 * event number E: everything recorded before E has happened, E is about to. The VM of an exit E
 * is at that exit (its registers at the exit, as rp_goto_exit); every other VM is right after
 * its last exit numbered below E (t = that exit's icount), or at its start.
 */
struct rp_timeline;
int rp_timeline_open(struct rp_timeline **out, const char *path, const struct rp_opts *opts, struct hvt_err *err);
void rp_timeline_close(struct rp_timeline *tl);
unsigned rp_timeline_nvms(const struct rp_timeline *tl);
struct rp_session *rp_timeline_vm(struct rp_timeline *tl, unsigned i); /* the i-th VM's session */
int rp_timeline_goto(struct rp_timeline *tl, uint64_t event, struct hvt_err *err);

#endif
