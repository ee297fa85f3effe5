/*
 * rp_priv.h - the replay engine's internals, shared by its files (not installed).
 *
 *   rp_cpu.c      the Unicorn CPU: hooks, counted runs, registers
 *   rp_block.c    counting by blocks: block hook, decoded blocks, landing ranges
 *   rp_stub.c     engine code run in place: CS/SS loads, TLB flush, SYSENTER
 *   rp_fault.c    native faults Unicorn does not raise as the recording CPU does
 *   rp_boot.c     a VM's initial state (hidden segment state through a scratch GDT)
 *   rp_deliver.c  interrupts and exceptions through the IVT / IDT, escalation to triple fault
 *   rp_mmu.c      the guest's page walk, linear reads, instruction classes
 *   rp_cursor.c   the trace of one VM as steps, through the trace library's step iterator
 *   rp_exit.c     check one recorded exit and apply what the hypervisor did
 *   rp_ckpt.c     checkpoints: CPU contexts plus shared, reference-counted page copies
 *   rp_session.c  open, the position, play forward to a point
 *   rp_nav.c      goto, step, run to, last write
 *   rp_disasm.c   Capstone
 */
#ifndef REPLAY_RP_PRIV_H
#define REPLAY_RP_PRIV_H

#include <unicorn/unicorn.h>

#include "retrovisor/hvtrace.h"
#include "replay.h"
#include "uart.h"

#define RP_PAGE 4096u
#define RP_MAX_TRAPS 256
#define RP_LAND_MAX 48    /* landing ranges (rp_block.c) */
#define RP_BLOCK_MAX 8192 /* bytes of one translated block we decode (more: per instruction) */

/* How long a landing range lives (rp_block.c): the run that made it, through a series of short
 * runs (a debugger's steps), or for good (blocks with an instruction only the per-instruction
 * hook handles). */
enum rp_land_life { RP_LAND_RUN, RP_LAND_SHORT, RP_LAND_KEEP };
#define RP_SHORT_RUN 64 /* runs shorter than this keep their landing ranges for the next one */

/* Why a counted run stopped early. */
#define RP_HIT 10 /* internal: a watch hit (rp_play_to) */

enum rp_stop {
	RP_STOP_NONE,
	RP_STOP_BUDGET,       /* ran the instructions asked for */
	RP_STOP_EXITING_INSN, /* the guest executed an instruction that always exits (CPUID, IN, OUT) */
	RP_STOP_TRIPLE,       /* an event could not be delivered: triple fault */
	RP_STOP_UNMAPPED,     /* an access outside the VM's memory (an EPT violation when recorded) */
	RP_STOP_WATCH,        /* a watched address or write was hit */
	RP_STOP_HALT,         /* Unicorn stopped on HLT */
	RP_STOP_ERROR         /* Unicorn failed otherwise (invalid instruction it could not deliver, ...) */
};

struct rp_cpu {
	uc_engine *uc;
	uint8_t *mem;
	uint64_t mem_size;
	uc_hook h_code, h_intr, h_in, h_out, h_cpuid, h_invalid, h_unmapped, h_write, h_sysenter, h_syscall;

	uint64_t budget, executed; /* counted run: instructions asked for / retired so far */
	int raw;                   /* executing engine stubs: no counting, no history */
	int careful;               /* no fast path (rp_opts.careful) */
	uint64_t sweep_insns;      /* runs at least this long start with a sweep (rp_cpu.c) */
	uint64_t sweeps;           /* sweeps made */
	const uint64_t *bps;       /* rp_debug.c fast windows: breakpoint addresses to note */
	unsigned nbps;
	int bp_seen;               /* an instruction at one of them was counted */
	uint64_t side_writes;      /* guest memory written other than by the guest's own accesses
				    * (event frames, the hypervisor's MEMWRITEs): rp_debug.c */
	enum rp_stop stop;
	char stop_msg[300];
	uint64_t fault_addr;       /* RP_STOP_UNMAPPED: the guest-physical address */
	int fault_fetch;           /* RP_STOP_UNMAPPED: by an instruction fetch */
	int outside;               /* an engine access (rp_mmu_read/write) hit guest-physical
				    * outside_pa, beyond the VM's memory */
	uint64_t outside_pa;

	/* watches (navigation); checked only when set */
	int watch_pc_on;
	uint64_t watch_pc;
	int watch_write_on;
	uint64_t watch_lo, watch_hi;  /* [lo, hi) guest-physical */
	uint64_t write_pc;            /* the instruction that wrote (linear PC) */
	int watch_write_stop;         /* 1: stop at the write; 0: remember the last one */
	uint64_t last_write_n;        /* executed count at the last watched write (0: none) */
	uint64_t last_write_pc;
	int last_write_hv;            /* the last watched write was the hypervisor's (MEMWRITE) */

	/* history ring of executed PCs, when on */
	int hist_on;
	uint64_t hist_pc[RP_HISTORY_MAX], hist_t[RP_HISTORY_MAX];
	unsigned hist_n, hist_pos;
	uint64_t t_base;           /* t of the first instruction of this run, minus 1 */

	uint64_t cur_pc;           /* linear PC of the instruction the code hook last saw */
	uint64_t prev_addr, rep_addr, rep_mask; /* REP accounting (hook_code) */
	int mode_cache;
	uint64_t stop_pc;          /* linear PC where the code hook stopped the run */
	uint64_t watch_t0;         /* watches ignore the position the search started from */
	int watch_record;          /* 1: remember the last hit instead of stopping */
	uint64_t last_pc_t;        /* record mode: position of the last PC hit (UINT64_MAX: none) */
	int in_emu;                /* inside uc_emu_start: a CS load must wait until it returns */
	int run_pg, run_mode64;    /* CR0.PG and 64-bit mode when the run started (they change only
				    * at exits) */
	int code_page_ok;          /* code_page_la -> code_page_pa, valid for this run (rp_fault.c) */
	uint64_t code_page_la, code_page_pa;
	int fault_vec;             /* a fault the replayer raises at fault_pc (rp_fault.c), or -1 */
	int sysenter_pending;      /* SYSENTER (1) or SYSCALL (2) at fault_pc, to emulate when
				    * Unicorn returns */
	uint64_t fault_pc;
	uc_context *ctx_tmp;       /* for reading QEMU's error code */
	int broken;                /* Unicorn aborted outside a known case: no further runs */
	unsigned ntraps;           /* FF /3, FF /5 register forms: Unicorn exits (rp_fault.c) */
	int exits_off;             /* an in-place stub runs: the exits are off (rp_stub.c) */
	uint64_t traps[RP_MAX_TRAPS];
	int jump_pending;
	int ss_pending;            /* the next far jump loads SS = ss_sel first (inward delivery) */
	uint16_t ss_sel;
	uint16_t jump_sel;
	uint64_t jump_rip;

	/* counting by blocks (rp_block.c) */
	int fast;                  /* the hooks count by blocks (else one code hook for all) */
	void *code_hook;           /* rp_cpu.c's per-instruction hook, for the landing ranges */
	uc_hook h_block;
	struct rp_blk *blk_cache;  /* decoded blocks */
	int blk_mode, mode_dirty;  /* the mode blocks are decoded in; recompute it first */
	int blk_open;              /* inside a block counted whole: */
	struct rp_blk *blk_cur;    /*   that block, */
	uint64_t blk_exec0;        /*   `executed` before it */
	int reland;                /* stopped before a block that must become a landing range */
	enum rp_land_life reland_life;
	uint64_t reland_a;
	uint32_t reland_s;
	unsigned nland, land_gen;  /* the landing ranges [lo, hi), each with its code hook */
	uint64_t land_lo[RP_LAND_MAX], land_hi[RP_LAND_MAX];
	uc_hook land_h[RP_LAND_MAX];
	enum rp_land_life land_life[RP_LAND_MAX];
	int translated;            /* Unicorn has run (and translated code) since the open */
	uint64_t blocks, blk_faults; /* blocks counted whole, faults corrected in one */
};

/* rp_block.c */
int rp_block_wanted(struct rp_cpu *c);       /* may this run count by blocks? */
int rp_block_mode(struct rp_cpu *c, int on); /* set the hooks for it (or for each instruction) */
int rp_block_land(struct rp_cpu *c);         /* make the block run() stopped before a range */
void rp_block_unland(struct rp_cpu *c, enum rp_land_life life); /* drop ranges living up to life */
void rp_block_fault(struct rp_cpu *c, uint64_t pc); /* a fault at linear pc in a block counted whole */
void rp_block_close(struct rp_cpu *c);

/* rp_cpu.c */
int rp_cpu_open(struct rp_cpu *c, uint64_t mem_size, struct hvt_err *err);
void rp_cpu_close(struct rp_cpu *c);
/* Run exactly n instructions (n may be 0). RP_OK with c->stop = RP_STOP_BUDGET, or another stop
 * reason with c->executed < n; negative only for engine errors. */
int rp_cpu_run(struct rp_cpu *c, uint64_t n, struct hvt_err *err);
/* Execute the engine's own stub instructions (not counted): n instructions from RIP. */
int rp_cpu_run_raw(struct rp_cpu *c, uint64_t n, struct hvt_err *err);
void rp_cpu_get_gprs(struct rp_cpu *c, uint64_t r[HVT_NREGS]); /* 16 GPRs, RIP, RFLAGS */
/* RP_* register numbers. Unicorn 2.0.1 stores CR0/CR3/CR4 as given, without the mode, paging
 * and TLB side effects of MOV to CR: mode changes must be executed (rp_boot.c, rp_exit.c). */
void rp_cpu_set_reg(struct rp_cpu *c, unsigned r, uint64_t v);
uint64_t rp_cpu_reg(struct rp_cpu *c, unsigned r);
void rp_cpu_get_seg(struct rp_cpu *c, unsigned i, struct rp_seg *s);
int rp_cpu_mode(struct rp_cpu *c); /* 16, 32, 64 */
uint64_t rp_cpu_pc(struct rp_cpu *c); /* CS base + RIP */
/* Guest memory changed behind Unicorn's back: drop translated code for [gpa, gpa + len). */
void rp_cpu_code_changed(struct rp_cpu *c, uint64_t gpa, uint64_t len);
/* Load CS:RIP as a far JMP does (Unicorn's API sets only the selector): a JMP far placed
 * at the current PC for one instruction. */
int rp_cpu_far_jump(struct rp_cpu *c, uint16_t sel, uint64_t rip, struct hvt_err *err);
/* Run n bytes of engine code (ninsn instructions, not counted) over the current PC. */
int rp_cpu_exec_stub(struct rp_cpu *c, const uint8_t *code, unsigned n, unsigned ninsn, struct hvt_err *err);
/* rp_cpu.c: deliver a fault the replayer raises itself at RIP; 1 if the run must stop. */
int rp_cpu_raise_fault(struct rp_cpu *c, unsigned vec, struct hvt_err *err);
/* rp_stub.c: SYSENTER at RIP (Unicorn runs it as a no-op); 1 if the run must stop. */
int rp_cpu_sysenter(struct rp_cpu *c, struct hvt_err *err);
/* rp_stub.c: SYSCALL (len bytes) at RIP (Unicorn runs it as a no-op); 1 if the run must stop. */
int rp_cpu_syscall(struct rp_cpu *c, unsigned len, struct hvt_err *err);
/* rp_stub.c: an MSR Unicorn keeps (SYSENTER, SYSCALL, FS/GS base): what a WRMSR exit wrote. */
void rp_cpu_set_msr(struct rp_cpu *c, uint32_t index, uint64_t value);
/* Flush Unicorn's TLB (after memory or page tables changed behind its back). */
int rp_cpu_flush_tlb(struct rp_cpu *c, struct hvt_err *err);

/* Watch guest-physical writes to [lo, hi) (on = 0: stop watching). */
int rp_cpu_watch_writes(struct rp_cpu *c, int on, uint64_t lo, uint64_t hi);

/* rp_fault.c: native faults Unicorn does not raise as the recording CPU did */
/* In a fault hook: QEMU's error code of the fault, and the fault marked delivered. */
uint32_t rp_fault_intr(struct rp_cpu *c);
void rp_fault_set_efer_sce(struct rp_cpu *c, int on); /* QEMU's WRMSR drops EFER.SCE */
/* Set the CPL (from old) before the engine loads inner-ring SS and CS; -1 if it cannot. */
int rp_fault_set_cpl(struct rp_cpu *c, unsigned old, unsigned cpl);
int rp_fault_check_insn(struct rp_cpu *c, uint64_t la, uint32_t size); /* #GP vector or 0 */
/* Code bytes at linear la, through the code page of this run (cleared at each run); in place:
 * NULL when they are not at hand without a walk. */
int rp_code_bytes(struct rp_cpu *c, uint64_t la, uint8_t *b, unsigned n);
const uint8_t *rp_code_in_place(struct rp_cpu *c, uint64_t la, unsigned n);
/* The offset of the opcode after prefixes (REX too in 64-bit mode), or -1. */
int rp_opcode_at(const uint8_t *b, unsigned n, int mode64);
int rp_fault_is_trap(struct rp_cpu *c, uint64_t la);
int rp_fault_trap_is_bad(struct rp_cpu *c, uint64_t la);
void rp_fault_scan(struct rp_cpu *c, uint64_t gpa, uint64_t len); /* FF /3, /5 reg forms in memory */
int rp_fault_after_abort(struct rp_cpu *c);
void rp_fault_guard_install(void);
void rp_fault_guard_arm(void *jb);

/* rp_boot.c: Unicorn in the VM's initial state (registers, hidden segment state, CRs). */
int rp_boot(struct rp_cpu *c, const struct hvt_vm_state *st, struct hvt_err *err);

/* rp_mmu.c */
int rp_mmu_translate(struct rp_cpu *c, uint64_t la, uint64_t *pa);
/* The full walk result for an access (PF_* bits, 0: supervisor read); see x86_paging.h. */
#define RP_MAXPHYADDR 40
struct x86_walk;
int rp_mmu_walk(struct rp_cpu *c, uint64_t la, uint32_t access, struct x86_walk *w);
int rp_mmu_read(struct rp_cpu *c, uint64_t la, void *buf, size_t len);
int rp_mmu_write(struct rp_cpu *c, uint64_t la, const void *buf, size_t len);
/* The count-register mask of a REP string instruction at la (CX/ECX/RCX by address size), or 0. */
uint64_t rp_insn_rep_mask(struct rp_cpu *c, uint64_t la);
/* The exit reason the instruction at linear la always causes, or -1 (no exit, or conditional). */
int rp_insn_exit_reason(struct rp_cpu *c, uint64_t la, int *len);
int rp_insn_exit_reason_bytes(const uint8_t *b, int mode, int *len);
/* 1 if reason is one rp_insn_exit_reason can return. */
int rp_insn_reason_decoded(unsigned reason);

/* rp_deliver.c: deliver vector (SDM Vol. 3A, 6.x) through the IVT or IDT. type: VM-entry
 * interruption type (0 external, 3 hardware exception, 4 software interrupt, 6 software
 * exception). next_rip: the return RIP for software interrupts (RIP otherwise). RP_OK, or
 * RP_STOP_TRIPLE in c->stop when delivery escalated to a triple fault. */
int rp_deliver(struct rp_cpu *c, unsigned vector, unsigned type, int has_err, uint32_t errcode,
	       uint64_t next_rip, struct hvt_err *err);

/* rp_cursor.c: the VM's trace as steps (the trace library's step iterator, hvt_steps_*): an exit
 * with what the hypervisor recorded after it, a stop outside an exit, or the end. */
struct rp_cursor {
	struct hvt_reader *r;
	struct hvt_cursor *hc;   /* a position of its own over r, for lookups at open (rp_session.c) */
	struct hvt_steps *steps; /* the steps of VM vm (opened on the first seek) */
	unsigned vm;
};
int rp_cursor_seek(struct rp_cursor *cu, uint64_t num, struct hvt_err *err);
/* The next step of this VM: RP_OK, RP_END (nothing more for it), or an error. Its memory writes
 * (x->mw) live until the next call. */
int rp_cursor_next(struct rp_cursor *cu, struct hvt_step *x, struct hvt_err *err);
void rp_cursor_free(struct rp_cursor *cu);

/* rp_ckpt.c */
struct rp_page {
	uint32_t refs;
	uint8_t data[RP_PAGE];
};
struct rp_ckpt {
	uint64_t t, resume, exits;
	uc_context *ctx;
	struct rp_page **pages;
	size_t console_len;
	struct uart uart;
	int stopped;
};
struct rp_ckpts {
	struct rp_ckpt *v;
	size_t n, cap;
	uint64_t bytes, budget;
	size_t ctx_bytes;          /* one CPU context (uc_context_size), counted with each checkpoint */
	uint32_t every_exits;
	uint64_t every_insns;
	struct rp_page *zero;
	size_t npages;
};

/* rp_session.c */
struct rp_session {
	struct rp_info info;
	struct rp_opts opts;
	struct hvt_reader *r;
	struct hvt_vm_config cfg;
	struct hvt_vm_state start;
	uint8_t *image;       /* VM_MEMORY section */
	size_t image_len;
	uint64_t start_event; /* the VM_START record */
	struct rp_cpu cpu;
	struct rp_cursor cur;

	uint64_t t;           /* instructions retired */
	uint64_t replayed;    /* instructions executed by the replay so far, seeks included */
	struct hvt_step next;  /* the next step (valid when have_next) */
	int have_next, ended, stopped;
	uint64_t resume;      /* event number where the cursor continues after `next` */
	uint64_t exits_done, max_exit_checked;

	struct rp_ckpts ck;
	uint64_t last_ck_t, last_ck_exits;

	char *console;
	size_t console_len, console_cap;
	struct uart uart;     /* the hypervisor's UART model (hv/uart.c), fed the recorded port writes */

	/* searches (rp_nav.c): exits of a reason, hypervisor writes */
	int watch_exit_on, watch_exit_reason;
	uint64_t last_exit_t, last_exit_ev;   /* record mode: the last matching exit (UINT64_MAX: none) */
	uint64_t last_write_ev;
	int own_r;                           /* r is closed with the session (rp_open) */
	struct hvt_cursor *look;             /* a second position over r, for lookups by number */
	struct hvt_steps *steps;             /* rp_debug.c: exit detail, over r (opened on first use) */
	rp_progress_fn progress;
	void *progress_ctx;

	int diverged;
	struct rp_divergence div;
	uint64_t last_exit_num, last_exit_icount; /* the most recent exit applied */
};

int rp_session_reset(struct rp_session *s, struct hvt_err *err); /* back to t = 0 */
/* Play forward from the current point to t (stopping early at a divergence, a watch, or the
 * end). RP_OK at t, RP_END, RP_DIVERGED, RP_NOTFOUND never. */
int rp_play_to(struct rp_session *s, uint64_t t, struct hvt_err *err);
/* Fetch s->next if needed (RP_OK / RP_END). */
int rp_peek(struct rp_session *s, struct hvt_err *err);
uint64_t rp_resume_point(const struct rp_session *s);
void rp_console_append(struct rp_session *s, const void *p, size_t n);

/* rp_exit.c: an exit reason's name ("exit 99" when the list lacks it; static buffer) */
const char *rp_reason_name(unsigned reason);
/* rp_exit.c: at t = x->icount - 1: check, then apply. */
int rp_exit_check(struct rp_session *s, const struct hvt_step *x, struct hvt_err *err);
int rp_exit_apply(struct rp_session *s, const struct hvt_step *x, struct hvt_err *err);
int rp_diverge(struct rp_session *s, const struct hvt_step *x, const char *field, uint64_t rec,
	       uint64_t rep, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* rp_ckpt.c */
int rp_ckpt_init(struct rp_ckpts *k, const struct rp_opts *o, uint64_t mem_size, struct hvt_err *err);
void rp_ckpt_free(struct rp_ckpts *k);
int rp_ckpt_take(struct rp_session *s, struct hvt_err *err);
/* A checkpoint at the current point even if later ones exist (steps back, rp_nav.c). */
int rp_ckpt_take_near(struct rp_session *s, struct hvt_err *err);
/* The last checkpoint at or before t (index), or -1. */
long rp_ckpt_find(const struct rp_ckpts *k, uint64_t t);
int rp_ckpt_restore(struct rp_session *s, size_t i, struct hvt_err *err);

/* rp_disasm.c */
int rp_disasm_one(const uint8_t *code, size_t len, uint64_t addr, int mode, char *out, size_t size);
/* The shape of one translated block (rp_block.c): its instruction count, the offset of its last
 * instruction, and whether one of them needs the per-instruction hook (rp_disasm.c, needs_hook).
 * -1 when Capstone does not decode the bytes exactly to their end. */
struct rp_blk_shape {
	unsigned n, last_off;
	int special;
};
/* *index: the index of the instruction at pc in the block, or -1 (index may be NULL). */
int rp_disasm_block(const uint8_t *code, size_t len, uint64_t addr, int mode, uint64_t pc, long *index,
		    struct rp_blk_shape *o);

#endif
