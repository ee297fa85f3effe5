/*
 * rp_cpu.c - the Unicorn CPU the guest re-executes on.
 *
 * Unicorn is opened in 64-bit mode whatever the guest's mode: only there does its register API
 * reach R8-R15 and the upper halves, and the mode given to uc_open is only a starting point (the
 * CPU follows the guest through CR0, EFER and far jumps by itself). The guest's RAM is our own
 * buffer, mapped with uc_mem_map_ptr, so checkpoints and the page walk read it directly.
 *
 * Counting: hook_code runs before an instruction. It counts, keeps the history ring, checks the
 * watches and stops the emulation before instruction budget + 1, so a counted run retires exactly
 * `budget` instructions. A REP iteration and a LOOP iteration each pass through the hook once,
 * which is how Bochs's TSC counts them. It is installed for every instruction only where each
 * one matters (rp_block_wanted); otherwise blocks are counted whole and the hook is bounded to
 * the blocks that need it (rp_block.c).
 *
 * Fast path: Unicorn 2.0.1 sends every guest store through its self-modifying-code check
 * (notdirty_write -> tb_invalidate_phys_page_fast, unicorn-engine/unicorn#1970), and that check
 * walks every translated block of the written page. Blocks pile up over a replay: each run that
 * starts in the middle of a loop translates another block for the same code, and guests that keep
 * data on their code pages (every real-mode sample) pay for all of them on every store. So a run
 * of at least RP_SWEEP_INSNS instructions starts by dropping all translated code (sweep()): the
 * loop it then spends its time in is translated once more, and its stores check one block. This
 * changes no guest-visible state (the translation cache only); rp_opts.careful turns it off so
 * tests can compare the two paths.
 *
 * Unicorn does not vector interrupts (REPLAY-NOTES.md): faults, INT n and invalid opcodes come
 * to hook_intr / hook_invalid, which deliver them through the guest's IVT or IDT (rp_deliver.c).
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/x86_arch.h"
#include "retrovisor/x86_paging.h"
#include "rp_priv.h"

#define RP_SWEEP_INSNS 65536 /* the fast path's threshold (sweep()) */
#define RP_BLOCK_BACK_INSNS 65536 /* from counting each instruction back to blocks (run()) */

static const int gpr_ids[16] = {
	UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP,
	UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};


static void stop(struct rp_cpu *c, enum rp_stop why)
{
	if (c->stop == RP_STOP_NONE)
		c->stop = why;
	uc_emu_stop(c->uc);
}

static void history(struct rp_cpu *c, uint64_t pc)
{
	c->hist_pc[c->hist_pos] = pc;
	c->hist_t[c->hist_pos] = c->t_base + c->executed;
	c->hist_pos = (c->hist_pos + 1) % RP_HISTORY_MAX;
	if (c->hist_n < RP_HISTORY_MAX)
		c->hist_n++;
}

static void hook_code(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct rp_cpu *c = user;
	(void)uc;
	(void)size;
	/*
	 * QEMU runs a REP string instruction as a loop back to itself and checks the count at
	 * the top: N iterations pass the hook N + 1 times, the last with the count at zero.
	 * Bochs counts N. That last pass changes nothing but RIP: it is not an instruction.
	 */
	if (addr == c->prev_addr) {
		if (c->rep_addr != addr) {
			c->rep_addr = addr;
			c->mode_cache = rp_cpu_mode(c);
			c->rep_mask = rp_insn_rep_mask(c, addr);
		}
		if (c->rep_mask && (rp_cpu_reg(c, 1) & c->rep_mask) == 0)
			return;
	} else {
		c->prev_addr = addr;
		c->rep_addr = UINT64_MAX;
	}
	if (c->raw) {
		if (c->executed >= c->budget) {
			c->stop_pc = addr;
			stop(c, RP_STOP_BUDGET);
		} else {
			c->executed++;
		}
		return;
	}
	if (c->executed >= c->budget) {
		c->stop_pc = addr;
		stop(c, RP_STOP_BUDGET);
		return;
	}
	if (c->watch_pc_on && addr == c->watch_pc && c->t_base + c->executed > c->watch_t0) {
		if (!c->watch_record) {
			c->stop_pc = addr;
			stop(c, RP_STOP_WATCH);
			return;
		}
		c->last_pc_t = c->t_base + c->executed;
	}
	c->executed++;
	c->cur_pc = addr;
	if (c->hist_on)
		history(c, addr);
	for (unsigned i = 0; i < c->nbps; i++)
		if (addr == c->bps[i])
			c->bp_seen = 1;
	/* MOV to CR with a value the recording CPU refuses (rp_fault.c): fault before it runs */
	if (size >= 3 && size <= 6) {
		int v = rp_fault_check_insn(c, addr, size);
		if (v) {
			c->fault_vec = v;
			c->fault_pc = c->stop_pc = addr;
			uc_emu_stop(c->uc);
		}
	}
}

/* A software interrupt instruction (INT n, INT3, INTO, INT1) at la: its exception is a trap
 * whose return address Unicorn has already moved past the instruction. */
static int is_soft_int(struct rp_cpu *c, uint64_t la)
{
	uint8_t b[2];
	if (rp_mmu_read(c, la, b, 2))
		return 0;
	return b[0] == 0xcd || b[0] == 0xcc || b[0] == 0xce || b[0] == 0xf1;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct rp_cpu *c = user;
	struct hvt_err err;
	(void)uc;
	if (c->blk_open) /* in a block counted whole: QEMU put RIP back to the faulting instruction */
		rp_block_fault(c, rp_cpu_pc(c));
	c->mode_dirty = 1; /* the delivery may load another CS */
	uint64_t rip = rp_cpu_reg(c, RP_RIP);
	int soft = is_soft_int(c, c->cur_pc);
	/* Exceptions with an error code in protected mode (SDM Vol. 3A, 6.13): the code QEMU
	 * computed (rp_fault.c) */
	int has_err = !soft && (intno == 8 || (intno >= 10 && intno <= 14) || intno == 17);
	uint32_t code = soft ? 0 : rp_fault_intr(c);
	if (rp_deliver(c, intno, soft ? 4 : 3, has_err, code, rip, &err) < 0) {
		snprintf(c->stop_msg, sizeof(c->stop_msg), "%.200s", err.msg);
		stop(c, RP_STOP_ERROR);
		return;
	}
	if (c->stop != RP_STOP_NONE)
		uc_emu_stop(c->uc);
}

/* An opcode Unicorn does not know (VMXON and friends): #UD, as the CPU raises it. RIP is not
 * synchronised here and Unicorn stops if the hook claims the instruction: note the #UD at the
 * instruction the code hook saw last, and deliver it when Unicorn has returned (run()). */
static bool hook_invalid(uc_engine *uc, void *user)
{
	struct rp_cpu *c = user;
	(void)uc;
	uint8_t b[2];
	if (!rp_mmu_read(c, c->cur_pc, b, 2) && b[0] == 0x0f && b[1] == 0x34) {
		c->sysenter_pending = 1;
		c->fault_pc = c->cur_pc;
	} else if (c->fault_vec < 0) {
		c->fault_vec = 6;
		c->fault_pc = c->cur_pc;
	}
	return false;
}

/* SYSENTER: Unicorn 2.0.1 runs it as a no-op that calls this hook (and rejects it in 64-bit
 * mode): note it, stop, and emulate it when Unicorn has returned (run()). */
static void hook_sysenter(uc_engine *uc, void *user)
{
	struct rp_cpu *c = user;
	c->sysenter_pending = 1;
	c->fault_pc = c->stop_pc = c->cur_pc;
	uc_emu_stop(uc);
}

/* SYSCALL: the same (Unicorn calls the hook, then moves RIP past it). */
static void hook_syscall(uc_engine *uc, void *user)
{
	struct rp_cpu *c = user;
	c->sysenter_pending = 2;
	c->fault_pc = c->stop_pc = c->cur_pc;
	uc_emu_stop(uc);
}

/* CPUID, IN and OUT always exit under Retrovisor: meeting one between two recorded exits means
 * the replay has left the recorded path. */
static int hook_cpuid(uc_engine *uc, void *user)
{
	struct rp_cpu *c = user;
	(void)uc;
	snprintf(c->stop_msg, sizeof(c->stop_msg), "CPUID at %#llx, where the trace has no exit",
		 (unsigned long long)c->cur_pc);
	stop(c, RP_STOP_EXITING_INSN);
	return 1;
}

static uint32_t hook_in(uc_engine *uc, uint32_t port, int size, void *user)
{
	struct rp_cpu *c = user;
	(void)uc;
	snprintf(c->stop_msg, sizeof(c->stop_msg), "IN from port %#x (%d bytes) at %#llx, where the trace has no exit",
		 port, size, (unsigned long long)c->cur_pc);
	stop(c, RP_STOP_EXITING_INSN);
	return 0xffffffffu;
}

static void hook_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
	struct rp_cpu *c = user;
	(void)uc;
	snprintf(c->stop_msg, sizeof(c->stop_msg), "OUT %#x to port %#x (%d bytes) at %#llx, where the trace has no exit",
		 value, port, size, (unsigned long long)c->cur_pc);
	stop(c, RP_STOP_EXITING_INSN);
}

static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
	struct rp_cpu *c = user;
	(void)uc;
	(void)value;
	/* Unicorn reports the linear address: under the guest's paging, the guest-physical one is
	 * what the CPU reports (the EPT violation's guest-physical address) */
	struct x86_walk w;
	uint64_t la = addr;
	const char *what = type == UC_MEM_WRITE_UNMAPPED ? "write" : type == UC_MEM_FETCH_UNMAPPED ? "instruction fetch" : "read";
	if (rp_cpu_reg(c, RP_CR0) & CR0_PG) {
		if (!rp_mmu_walk(c, addr, 0, &w))
			addr = w.pa;
		else if (w.status == X86_WALK_OUTSIDE) /* the walk's own read of an entry */
			addr = w.outside;
	}
	c->fault_addr = addr;
	c->fault_fetch = type == UC_MEM_FETCH_UNMAPPED;
	if (addr < c->mem_size && la != addr)
		/* inside the VM's memory after all: Unicorn 2.0.1 takes the linear address for the
		 * physical one (rp_exit.c, paging_note), and this one lies beyond the memory */
		snprintf(c->stop_msg, sizeof(c->stop_msg),
			 "%s at linear %#llx = guest-physical %#llx: Unicorn 2.0.1 follows only identity paging "
			 "(docs/replay.md, Limits)",
			 what, (unsigned long long)la, (unsigned long long)addr);
	else
		snprintf(c->stop_msg, sizeof(c->stop_msg), "%s of %d bytes at guest-physical %#llx, outside the VM's memory",
			 what, size, (unsigned long long)addr);
	if (c->stop == RP_STOP_NONE)
		c->stop = RP_STOP_UNMAPPED;
	return false;
}

int rp_cpu_open(struct rp_cpu *c, uint64_t mem_size, struct hvt_err *err)
{
	uc_err e;

	memset(c, 0, sizeof(*c));
	c->prev_addr = c->rep_addr = UINT64_MAX;
	c->fault_vec = -1;
	c->sweep_insns = RP_SWEEP_INSNS;
	c->code_hook = (void *)hook_code;
	c->mode_dirty = 1;
	rp_fault_guard_install();
	c->mem_size = (mem_size + RP_PAGE - 1) & ~(uint64_t)(RP_PAGE - 1);
	if (!c->mem_size || c->mem_size > (4ull << 30))
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "VM memory size %llu is not replayable",
				   (unsigned long long)mem_size);
	c->mem = aligned_alloc(RP_PAGE, c->mem_size);
	if (!c->mem)
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "no memory for %llu bytes of guest memory",
				   (unsigned long long)c->mem_size);
	memset(c->mem, 0, c->mem_size);
	if ((e = uc_open(UC_ARCH_X86, UC_MODE_64, &c->uc)) != UC_ERR_OK) {
		free(c->mem);
		c->mem = NULL;
		return hvt_err_set(err, RP_EUNICORN, HVT_NO_OFFSET, "uc_open: %s", uc_strerror(e));
	}
	if ((e = uc_mem_map_ptr(c->uc, 0, c->mem_size, UC_PROT_ALL, c->mem)) != UC_ERR_OK)
		goto fail;
	if ((e = uc_hook_add(c->uc, &c->h_code, UC_HOOK_CODE, (void *)hook_code, c, 1, 0)) != UC_ERR_OK ||
	    (e = uc_hook_add(c->uc, &c->h_intr, UC_HOOK_INTR, (void *)hook_intr, c, 1, 0)) != UC_ERR_OK ||
	    (e = uc_hook_add(c->uc, &c->h_invalid, UC_HOOK_INSN_INVALID, (void *)hook_invalid, c, 1, 0)) != UC_ERR_OK ||
	    (e = uc_hook_add(c->uc, &c->h_unmapped, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, c, 1, 0)) != UC_ERR_OK ||
	    (e = uc_hook_add(c->uc, &c->h_cpuid, UC_HOOK_INSN, (void *)hook_cpuid, c, 1, 0, UC_X86_INS_CPUID)) != UC_ERR_OK ||
	    (e = uc_hook_add(c->uc, &c->h_in, UC_HOOK_INSN, (void *)hook_in, c, 1, 0, UC_X86_INS_IN)) != UC_ERR_OK ||
	    (e = uc_hook_add(c->uc, &c->h_out, UC_HOOK_INSN, (void *)hook_out, c, 1, 0, UC_X86_INS_OUT)) != UC_ERR_OK ||
	    (e = uc_hook_add(c->uc, &c->h_sysenter, UC_HOOK_INSN, (void *)hook_sysenter, c, 1, 0, UC_X86_INS_SYSENTER)) != UC_ERR_OK ||
	    (e = uc_hook_add(c->uc, &c->h_syscall, UC_HOOK_INSN, (void *)hook_syscall, c, 1, 0, UC_X86_INS_SYSCALL)) != UC_ERR_OK ||
	    (e = uc_ctl_exits_enable(c->uc)) != UC_ERR_OK)
		goto fail;
	return HVT_OK;
fail:
	rp_cpu_close(c);
	return hvt_err_set(err, RP_EUNICORN, HVT_NO_OFFSET, "setting up Unicorn: %s", uc_strerror(e));
}

void rp_cpu_close(struct rp_cpu *c)
{
	rp_block_close(c);
	if (c->ctx_tmp)
		uc_context_free(c->ctx_tmp);
	c->ctx_tmp = NULL;
	if (c->uc)
		uc_close(c->uc);
	free(c->mem);
	c->uc = NULL;
	c->mem = NULL;
}

/* uc_emu_start, with QEMU's abort() on code it cannot translate caught (rp_fault.c). */
static uc_err emu_guarded(struct rp_cpu *c, uint64_t rip, int *aborted)
{
	sigjmp_buf jb;
	*aborted = 0;
	if (sigsetjmp(jb, 0)) {
		rp_fault_guard_arm(NULL);
		*aborted = 1;
		return UC_ERR_EXCEPTION;
	}
	rp_fault_guard_arm(&jb);
	uc_err e = uc_emu_start(c->uc, rip, UINT64_MAX, 0, 0);
	rp_fault_guard_arm(NULL);
	return e;
}

/* Put RIP back to the offset of linear address la (Unicorn 2.0.1 leaves the linear address in
 * RIP when a code hook stops it, visible when CS.base is not 0). */
static void set_rip_linear(struct rp_cpu *c, uint64_t la)
{
	struct rp_seg cs;
	if (rp_cpu_mode(c) == 64) {
		rp_cpu_set_reg(c, RP_RIP, la);
		return;
	}
	rp_cpu_get_seg(c, HVT_SEG_CS, &cs);
	rp_cpu_set_reg(c, RP_RIP, (la - cs.base) & 0xffffffffull);
}

/* Deliver the fault the replayer raises itself (rp_fault.c) at RIP: 1 if the run must stop. */
int rp_cpu_raise_fault(struct rp_cpu *c, unsigned vec, struct hvt_err *err)
{
	if (rp_deliver(c, vec, 3, vec == 13, 0, rp_cpu_reg(c, RP_RIP), err) < 0) {
		snprintf(c->stop_msg, sizeof(c->stop_msg), "%.200s", err ? err->msg : "delivery failed");
		c->stop = RP_STOP_ERROR;
	}
	return c->stop != RP_STOP_NONE;
}

/* Drop all translated code of guest memory (see "Fast path" above). Measured on hog, 50 M
 * instructions: 5.4 s without, 2.9 s with; a sweep costs a few microseconds per page of guest
 * memory plus re-translating the loop, against milliseconds for the run it precedes. */
static void sweep(struct rp_cpu *c, uint64_t n)
{
	if (c->careful || c->raw || n < c->sweep_insns)
		return;
	/* uc_ctl_remove_cache takes linear addresses and translates only the first one, through the
	 * guest's paging (a fault there cannot be caught): without paging all of memory, with it the
	 * page of the PC, mapped as our own walk says (where a loop keeps its data next to its code) */
	if (!(rp_cpu_reg(c, RP_CR0) & CR0_PG)) {
		uc_ctl_remove_cache(c->uc, 0, c->mem_size);
	} else {
		uint64_t la = rp_cpu_pc(c) & ~(uint64_t)(RP_PAGE - 1), pa;
		if (rp_mmu_translate(c, la, &pa) || pa >= c->mem_size)
			return;
		uc_ctl_remove_cache(c->uc, la, la + RP_PAGE);
	}
	c->sweeps++;
}

static int run_landing(struct rp_cpu *c, uint64_t n, struct hvt_err *err)
{
	c->budget = n;
	c->executed = 0;
	c->stop = RP_STOP_NONE;
	c->stop_msg[0] = 0;
	if (n == 0) { /* uc_emu_start would take a zero count as "no limit" */
		c->stop = RP_STOP_BUDGET;
		return HVT_OK;
	}
	/* back to counting by blocks only for a long run: under paging each switch costs a flush of
	 * all translated code (rp_block_mode), and a debugger's short moves come in series */
	int fast = rp_block_wanted(c) && (c->fast || !c->translated || n >= RP_BLOCK_BACK_INSNS);
	if (rp_block_mode(c, fast) < 0) {
		snprintf(c->stop_msg, sizeof(c->stop_msg), "Unicorn refused the replay's hooks");
		c->stop = RP_STOP_ERROR;
		return HVT_OK;
	}
	sweep(c, n);
	for (;;) {
		if (c->broken) {
			snprintf(c->stop_msg, sizeof(c->stop_msg), "the replay CPU failed earlier and cannot go on");
			c->stop = RP_STOP_ERROR;
			return HVT_OK;
		}
		uint64_t rip = rp_cpu_reg(c, RP_RIP);
		c->run_pg = !!(rp_cpu_reg(c, RP_CR0) & CR0_PG);
		c->code_page_ok = 0;
		c->run_mode64 = rp_cpu_mode(c) == 64;
		if (c->ntraps && !c->exits_off && rp_fault_is_trap(c, rp_cpu_pc(c))) {
			/* an instruction Unicorn must not translate (rp_fault.c): #UD */
			uint64_t pc = rp_cpu_pc(c);
			if (c->executed >= c->budget) {
				c->stop = RP_STOP_BUDGET;
				return HVT_OK;
			}
			if (c->raw || !rp_fault_trap_is_bad(c, pc)) {
				snprintf(c->stop_msg, sizeof(c->stop_msg), "the engine stopped at %#llx for nothing",
					 (unsigned long long)pc);
				c->stop = RP_STOP_ERROR;
				return HVT_OK;
			}
			c->executed++;
			c->cur_pc = pc;
			if (c->hist_on)
				history(c, pc);
			if (rp_cpu_raise_fault(c, 6, err))
				return HVT_OK;
			continue;
		}
		int aborted;
		c->blk_open = 0;
		c->reland = 0;
		c->mode_dirty = 1;
		c->translated = 1;
		c->in_emu = 1;
		c->stop_pc = UINT64_MAX;
		uc_err e = emu_guarded(c, rip, &aborted);
		c->in_emu = 0;
		if (aborted) {
			/* QEMU gave up translating the block at PC (nothing of it ran). Its flags were
			 * split for the run (cpu_exec_enter) and not joined again: read and write them
			 * back. Then find the instruction and let it become a trap. */
			rp_cpu_set_reg(c, RP_RFLAGS, rp_cpu_reg(c, RP_RFLAGS));
			if (rp_fault_after_abort(c) < 0) {
				c->broken = 1;
				snprintf(c->stop_msg, sizeof(c->stop_msg),
					 "Unicorn could not translate the code at %#llx", (unsigned long long)rp_cpu_pc(c));
				c->stop = RP_STOP_ERROR;
				return HVT_OK;
			}
			continue;
		}
		if (c->stop_pc != UINT64_MAX)
			set_rip_linear(c, c->stop_pc);
		if (c->reland) {
			/* stopped before a block that needs the per-instruction hook (rp_block.c) */
			if (rp_block_land(c) < 0) {
				snprintf(c->stop_msg, sizeof(c->stop_msg), "Unicorn refused a landing hook at %#llx",
					 (unsigned long long)c->reland_a);
				c->stop = RP_STOP_ERROR;
				return HVT_OK;
			}
			continue;
		}
		if (c->jump_pending) {
			/* an event handler in another code segment (rp_deliver) */
			c->jump_pending = 0;
			int r = rp_cpu_far_jump(c, c->jump_sel, c->jump_rip, err);
			if (r < 0) {
				snprintf(c->stop_msg, sizeof(c->stop_msg), "%.200s", err ? err->msg : "far jump failed");
				c->stop = RP_STOP_ERROR;
				return HVT_OK;
			}
			if (c->stop == RP_STOP_NONE && c->fault_vec < 0)
				continue;
		}
		if (c->sysenter_pending) {
			int which = c->sysenter_pending, len = 0;
			c->sysenter_pending = 0;
			set_rip_linear(c, c->fault_pc);
			if (which == 2) { /* prefixes + 0F 05 */
				rp_insn_exit_reason(c, c->fault_pc, &len);
				len = len < 2 ? 2 : len;
			}
			if (c->stop != RP_STOP_NONE ||
			    (which == 1 ? rp_cpu_sysenter(c, err) : rp_cpu_syscall(c, (unsigned)len, err)))
				return HVT_OK;
			continue;
		}
		if (c->fault_vec >= 0) {
			/* a #UD (hook_invalid) or #GP (hook_code) at fault_pc, counted there */
			unsigned vec = (unsigned)c->fault_vec;
			c->fault_vec = -1;
			set_rip_linear(c, c->fault_pc);
			if (c->stop != RP_STOP_NONE || rp_cpu_raise_fault(c, vec, err))
				return HVT_OK;
			continue;
		}
		if (c->stop == RP_STOP_UNMAPPED && c->fault_fetch && c->executed >= c->budget) {
			/* the fetch belongs to the next instruction, past the budget: the CPU is at
			 * the instruction, which has not run (an EPT violation on its fetch) */
			c->stop = RP_STOP_BUDGET;
			return HVT_OK;
		}
		if (c->stop != RP_STOP_NONE)
			return HVT_OK;
		if (e == UC_ERR_OK) {
			if (c->ntraps && !c->exits_off && rp_fault_is_trap(c, rp_cpu_pc(c)))
				continue; /* stopped before a trap: handled at the top */
			/* Unicorn returns by itself on HLT. */
			if (c->executed >= c->budget)
				c->stop = RP_STOP_BUDGET;
			else
				c->stop = RP_STOP_HALT;
			return HVT_OK;
		}
		snprintf(c->stop_msg, sizeof(c->stop_msg), "Unicorn stopped: %s", uc_strerror(e));
		c->stop = RP_STOP_ERROR;
		return HVT_OK;
	}
}

static int run(struct rp_cpu *c, uint64_t n, struct hvt_err *err)
{
	if (n >= RP_SHORT_RUN)
		rp_block_unland(c, RP_LAND_SHORT); /* not a step: the steps' ranges go */
	int st = run_landing(c, n, err);
	rp_block_unland(c, RP_LAND_RUN);
	return st;
}

int rp_cpu_run(struct rp_cpu *c, uint64_t n, struct hvt_err *err)
{
	c->raw = 0;
	return run(c, n, err);
}

int rp_cpu_run_raw(struct rp_cpu *c, uint64_t n, struct hvt_err *err)
{
	int hist = c->hist_on;
	c->raw = 1;
	c->hist_on = 0;
	int st = run(c, n, err);
	c->raw = 0;
	c->hist_on = hist;
	if (st == HVT_OK && c->stop != RP_STOP_BUDGET)
		return hvt_err_set(err, RP_EUNICORN, HVT_NO_OFFSET, "engine stub stopped early: %s",
				   c->stop_msg[0] ? c->stop_msg : "no reason given");
	return st;
}

void rp_cpu_get_gprs(struct rp_cpu *c, uint64_t r[HVT_NREGS])
{
	static int ids[HVT_NREGS];
	void *vals[HVT_NREGS];
	if (!ids[1]) {
		memcpy(ids, gpr_ids, sizeof(gpr_ids));
		ids[16] = UC_X86_REG_RIP;
		ids[17] = UC_X86_REG_RFLAGS;
	}
	for (int i = 0; i < HVT_NREGS; i++)
		vals[i] = &r[i];
	uc_reg_read_batch(c->uc, ids, vals, HVT_NREGS);
}

/* Unicorn's id for one of our register numbers; 0 for EFER (an MSR) and for unknown ones. */
static int reg_id(unsigned r)
{
	static const int ids[] = {
		[RP_RIP] = UC_X86_REG_RIP, [RP_RFLAGS] = UC_X86_REG_RFLAGS, [RP_CR0] = UC_X86_REG_CR0,
		[RP_CR2] = UC_X86_REG_CR2, [RP_CR3] = UC_X86_REG_CR3,       [RP_CR4] = UC_X86_REG_CR4,
	};
	if (r < 16)
		return gpr_ids[r];
	return r < sizeof(ids) / sizeof(ids[0]) ? ids[r] : 0;
}

uint64_t rp_cpu_reg(struct rp_cpu *c, unsigned r)
{
	uint64_t v = 0;
	int id = reg_id(r);
	if (r == RP_EFER) {
		uc_x86_msr m = {.rid = MSR_IA32_EFER};
		uc_reg_read(c->uc, UC_X86_REG_MSR, &m);
		return m.value;
	}
	if (id)
		uc_reg_read(c->uc, id, &v);
	return v;
}

void rp_cpu_set_reg(struct rp_cpu *c, unsigned r, uint64_t v)
{
	int id = reg_id(r);
	if (r == RP_EFER) {
		uc_x86_msr m = {.rid = MSR_IA32_EFER, .value = v};
		uc_reg_write(c->uc, UC_X86_REG_MSR, &m);
		if ((rp_cpu_reg(c, RP_EFER) ^ v) & EFER_SCE)
			rp_fault_set_efer_sce(c, !!(v & EFER_SCE));
		return;
	}
	if (id)
		uc_reg_write(c->uc, id, &v);
}

/* A descriptor from the GDT or LDT (SDM Vol. 3A, 3.4.5): base, limit (granularity applied) and
 * flags as QEMU keeps them (descriptor bits 40-55 at bits 8-23). */
static int read_descriptor(struct rp_cpu *c, uint16_t sel, struct rp_seg *s)
{
	uc_x86_mmr dt = {0};
	uint32_t d[2];
	uc_reg_read(c->uc, (sel & 4) ? UC_X86_REG_LDTR : UC_X86_REG_GDTR, &dt);
	if ((sel & ~7u) + 7u > dt.limit || rp_mmu_read(c, dt.base + (sel & ~7u), d, 8))
		return -1;
	s->base = (d[0] >> 16) | ((uint64_t)(d[1] & 0xff) << 16) | (d[1] & 0xff000000u);
	s->limit = (d[0] & 0xffff) | (d[1] & 0xf0000);
	if (d[1] & (1u << 23))
		s->limit = (s->limit << 12) | 0xfff;
	s->flags = d[1] & 0x00f0ff00;
	return 0;
}

void rp_cpu_get_seg(struct rp_cpu *c, unsigned i, struct rp_seg *s)
{
	static const int ids[HVT_NSEGS] = {UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS,
					   UC_X86_REG_FS, UC_X86_REG_GS};
	memset(s, 0, sizeof(*s));
	if (i >= HVT_SEG_LDTR) {
		uc_x86_mmr m = {0};
		uc_reg_read(c->uc, i == HVT_SEG_LDTR ? UC_X86_REG_LDTR : UC_X86_REG_TR, &m);
		s->sel = m.selector;
		s->base = m.base;
		s->limit = m.limit;
		s->flags = m.flags;
		return;
	}
	uint64_t sel = 0;
	uc_reg_read(c->uc, ids[i], &sel);
	s->sel = (uint16_t)sel;
	if (!(rp_cpu_reg(c, RP_CR0) & 1)) { /* real mode: base = selector * 16 */
		s->base = (uint64_t)s->sel << 4;
		s->limit = 0xffff;
		s->flags = 0x9300 | (i == HVT_SEG_CS ? 0x0800 : 0);
		return;
	}
	if (read_descriptor(c, s->sel, s) == 0)
		return;
	/* No descriptor to read (a guest started in protected mode before it built a GDT):
	 * flat 32-bit, the only protected-mode start Retrovisor makes. */
	s->base = 0;
	s->limit = 0xffffffff;
	s->flags = i == HVT_SEG_CS ? 0xc09b00 : 0xc09300;
}

int rp_cpu_mode(struct rp_cpu *c)
{
	struct rp_seg cs;
	if (!(rp_cpu_reg(c, RP_CR0) & 1))
		return 16;
	rp_cpu_get_seg(c, HVT_SEG_CS, &cs);
	if ((rp_cpu_reg(c, RP_EFER) & (1u << 10)) && (cs.flags & (1u << 21)))
		return 64;
	return cs.flags & (1u << 22) ? 32 : 16;
}

uint64_t rp_cpu_pc(struct rp_cpu *c)
{
	struct rp_seg cs;
	uint64_t rip = rp_cpu_reg(c, RP_RIP);
	if (rp_cpu_mode(c) == 64)
		return rip;
	rp_cpu_get_seg(c, HVT_SEG_CS, &cs);
	return (cs.base + rip) & 0xffffffffull;
}

void rp_cpu_code_changed(struct rp_cpu *c, uint64_t gpa, uint64_t len)
{
	if (!len)
		return;
	uint64_t lo = gpa & ~(uint64_t)(RP_PAGE - 1);
	uint64_t hi = (gpa + len + RP_PAGE - 1) & ~(uint64_t)(RP_PAGE - 1);
	uc_ctl_remove_cache(c->uc, lo, hi);
}

