/*
 * rp_exit.c - one recorded exit: check that replay reached it, then do what the hypervisor did.
 *
 * Check (at t = icount - 1, the exiting instruction next): RIP, the 16 GPRs and RFLAGS against
 * the record, then that the instruction at RIP is one that causes this exit. RFLAGS.RF is not
 * compared: the processor sets it in the VMCS copy on fault-like exits (SDM Vol. 3C, 28.3.3) and
 * Unicorn does not model it.
 *
 * Apply (what the handlers in hv/exit_*.c and hv/hypercall.c did, as the trace recorded it):
 * the post-state registers (EFER before CR0, so that CR0.PG with EFER.LME activates long mode
 * as the hypervisor's emulation did), RIP += the instruction length, the MEMWRITE bytes, then
 * the INJECT event delivered through the IVT/IDT. A triple fault and an access outside memory
 * are not applied but reproduced: the exiting instruction is executed and must end that way.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "retrovisor/exit_reasons.h"
#include "retrovisor/hypercall.h"
#include "retrovisor/vmx_fields.h"
#include "retrovisor/x86_arch.h"
#include "retrovisor/x86_paging.h"
#include "rp_priv.h"


static const char *const reg_names[RP_NREGS] = {
	"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8",  "R9",  "R10", "R11",
	"R12", "R13", "R14", "R15", "RIP", "RFLAGS", "CR0", "CR2", "CR3", "CR4", "EFER",
};

const char *rp_reg_name(unsigned r) { return r < RP_NREGS ? reg_names[r] : "?"; }

const char *rp_reason_name(unsigned r)
{
	static char buf[24];
	const char *n = exit_reason_name(r);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "exit %u", r);
	return buf;
}
#define reason_name rp_reason_name

/* Unicorn 2.0.1 does not translate through the guest's page tables: it checks them (a #PF comes
 * where the CPU raises it) but then uses the linear address as the physical one (measured:
 * guest-samples/code-alias writes through linear 0x50000, mapped to 0x30000, and Unicorn's write
 * lands at 0x50000). A guest whose paging maps a page of its memory anywhere but at its own
 * address therefore replays wrongly, and shows it as a divergence at a later exit. Name the
 * cause there: the first linear page inside the VM's memory that does not map to itself. */
static void paging_note(struct rp_session *s)
{
	struct rp_cpu *c = &s->cpu;
	if (!(rp_cpu_reg(c, RP_CR0) & CR0_PG))
		return;
	for (uint64_t la = 0; la < c->mem_size; la += RP_PAGE) {
		struct x86_walk w;
		if (rp_mmu_walk(c, la, 0, &w) == 0 && w.pa != la) {
			snprintf(s->div.note, sizeof(s->div.note),
				 "the guest's paging maps linear %#llx to guest-physical %#llx; this replay CPU "
				 "(Unicorn 2.0.1) follows only identity-mapped paging (docs/replay.md, \"Limits\")",
				 (unsigned long long)la, (unsigned long long)w.pa);
			return;
		}
	}
}

int rp_diverge(struct rp_session *s, const struct hvt_step *x, const char *field, uint64_t rec, uint64_t rep,
	       const char *fmt, ...)
{
	va_list ap;
	if (s->diverged)
		return RP_DIVERGED;
	s->diverged = 1;
	memset(&s->div, 0, sizeof(s->div));
	s->div.event = x ? x->num : 0;
	s->div.icount = x ? x->icount : s->t;
	s->div.reason = x ? x->reason : 0;
	snprintf(s->div.field, sizeof(s->div.field), "%s", field);
	s->div.recorded = rec;
	s->div.replayed = rep;
	va_start(ap, fmt);
	vsnprintf(s->div.what, sizeof(s->div.what), fmt, ap);
	va_end(ap);
	paging_note(s);
	return RP_DIVERGED;
}

int rp_exit_check(struct rp_session *s, const struct hvt_step *x, struct hvt_err *err)
{
	uint64_t r[HVT_NREGS];
	(void)err;
	rp_cpu_get_gprs(&s->cpu, r);
	const char *rn = reason_name(x->reason);
	if (r[RP_RIP] != x->regs[RP_RIP])
		return rp_diverge(s, x, "RIP", x->regs[RP_RIP], r[RP_RIP],
				  "%s exit: RIP %#llx recorded, %#llx replayed", rn,
				  (unsigned long long)x->regs[RP_RIP], (unsigned long long)r[RP_RIP]);
	for (unsigned i = 0; i < 16; i++)
		if (r[i] != x->regs[i])
			return rp_diverge(s, x, reg_names[i], x->regs[i], r[i], "%s exit at RIP %#llx: %s %#llx recorded, %#llx replayed",
					  rn, (unsigned long long)r[RP_RIP], reg_names[i], (unsigned long long)x->regs[i],
					  (unsigned long long)r[i]);
	if ((r[RP_RFLAGS] ^ x->regs[RP_RFLAGS]) & ~RFLAGS_RF)
		return rp_diverge(s, x, "RFLAGS", x->regs[RP_RFLAGS], r[RP_RFLAGS],
				  "%s exit at RIP %#llx: RFLAGS %#llx recorded, %#llx replayed", rn,
				  (unsigned long long)r[RP_RIP], (unsigned long long)x->regs[RP_RFLAGS],
				  (unsigned long long)r[RP_RFLAGS]);
	/* Only a synchronous exit says which instruction is at RIP. An asynchronous one (the list in
	 * retrovisor/exit_reasons.h) is taken at an instruction boundary before the instruction at RIP
	 * runs, whatever it is: Bochs's preemption timer stops exit-storm at a CPUID and
	 * hostile-irqstorm at an OUT (tests/system/replay.sh replays both), and the CPU exits for
	 * that instruction only after the next VM entry. Of the synchronous ones, those of an
	 * instruction that always exits (rp_insn_exit_reason decodes them) name it; the others (an
	 * EPT violation, a task switch) come from instructions that exit only sometimes. */
	if (!exit_reason_async(x->reason) && rp_insn_reason_decoded(x->reason)) {
		int k = rp_insn_exit_reason(&s->cpu, rp_cpu_pc(&s->cpu), NULL);
		if (k != (int)x->reason)
			return rp_diverge(s, x, "exit reason", x->reason, (uint64_t)(int64_t)k,
					  "the trace has a %s exit at RIP %#llx, but the instruction there %s%s", rn,
					  (unsigned long long)r[RP_RIP], k < 0 ? "causes no exit" : "causes ",
					  k < 0 ? "" : reason_name((unsigned)k));
	}
	return HVT_OK;
}

/* What the guest wrote to its console: the byte writes to the UART's ports that the hypervisor
 * passed to its UART model (hv/exit_io.c), given to the same model (hv/uart.c), and the bytes of
 * console_write hypercalls that succeeded. The line is flushed after each exit, so that the
 * console shows every byte up to the current point. */
static void console(struct rp_session *s, const struct hvt_step *x)
{
	if (x->reason == EXIT_REASON_IO_INSTRUCTION) {
		unsigned port = vmx_io_port(x->qual);
		if (vmx_io_in(x->qual) || vmx_io_size(x->qual) != 1 || port < UART_COM1 || port > UART_COM1 + 7)
			return;
		if (!vmx_io_string(x->qual)) {
			uart_write(&s->uart, port - UART_COM1, (uint8_t)x->regs[RV_REG_RAX]);
			uart_flush(&s->uart);
			return;
		}
		if (!(x->post_mask & HVT_POST_GPR(RV_REG_RSI)))
			return;
		/* OUTSB: the bytes from DS:RSI the handler consumed (RSI moved by that many) */
		struct rp_seg ds;
		uint8_t buf[4096];
		uint64_t n = (x->post[RV_REG_RSI] - x->regs[RV_REG_RSI]) & 0xffff;
		if (x->regs[RP_RFLAGS] & RFLAGS_DF || n > sizeof(buf))
			return;
		rp_cpu_get_seg(&s->cpu, HVT_SEG_DS, &ds);
		if (!rp_mmu_read(&s->cpu, ds.base + x->regs[RV_REG_RSI], buf, n))
			for (uint64_t i = 0; i < n; i++)
				uart_write(&s->uart, port - UART_COM1, buf[i]);
		uart_flush(&s->uart);
		return;
	}
	if (x->reason == EXIT_REASON_VMCALL && (uint32_t)x->regs[RV_REG_RAX] == HC_CONSOLE_WRITE &&
	    (x->post_mask & HVT_POST_GPR(RV_REG_RAX))) {
		/* console_write: EBX = gpa, ECX = length -> EAX = bytes written (hypercall.h) */
		uint64_t gpa = (uint32_t)x->regs[RV_REG_RBX], len = (uint32_t)x->regs[RV_REG_RCX];
		if ((uint32_t)x->post[RV_POST_RAX] == len && gpa + len <= s->cpu.mem_size)
			for (uint64_t i = 0; i < len; i++)
				uart_put(&s->uart, (char)s->cpu.mem[gpa + i]);
		uart_flush(&s->uart);
	}
}

/* A WRMSR the hypervisor let through (no #GP injected): the MSRs the CPU itself uses later
 * without an exit (SYSENTER, SYSCALL, FS/GS bases) go into Unicorn; EFER comes as post-state. */
static void wrmsr(struct rp_cpu *c, uint32_t index, uint64_t value)
{
	switch (index) {
	case MSR_IA32_SYSENTER_CS: case MSR_IA32_SYSENTER_ESP: case MSR_IA32_SYSENTER_EIP:
	case MSR_IA32_FS_BASE: case MSR_IA32_GS_BASE: case MSR_IA32_KERNEL_GS_BASE:
	case MSR_IA32_STAR: case MSR_IA32_LSTAR: case MSR_IA32_CSTAR: case MSR_IA32_FMASK:
		rp_cpu_set_msr(c, index, value);
	}
}

/*
 * A #PF the hypervisor injected for an element of INS/OUTS (hv/exit_io.c checks each element as
 * the CPU would, then injects the fault and writes the guest's CR2): the trace has the
 * registers left after the elements done, not CR2. The faulting byte is found again with the
 * same walk (x86_paging.h) and the same access: a write for INS, a user access at CPL 3; ES:rDI
 * for INS, the segment of a prefix (else DS):rSI for OUTS, in the address size of the mode and
 * a 67 prefix (SDM Vol. 2A, INS / OUTS; Vol. 3A, 4.7).
 */
static void injected_pf_cr2(struct rp_cpu *c, const struct hvt_step *x)
{
	static const int8_t seg_of[256] = {[0x26] = HVT_SEG_ES + 1, [0x2e] = HVT_SEG_CS + 1, [0x36] = HVT_SEG_SS + 1,
					   [0x3e] = HVT_SEG_DS + 1, [0x64] = HVT_SEG_FS + 1, [0x65] = HVT_SEG_GS + 1};
	unsigned in = x->qual >> 3 & 1, size = (x->qual & 7) + 1, seg = in ? HVT_SEG_ES : HVT_SEG_DS;
	int mode = rp_cpu_mode(c), asize = mode;
	uint8_t b[15];
	struct rp_seg sr, cs;
	if (x->reason != EXIT_REASON_IO_INSTRUCTION || !(x->qual >> 4 & 1) || (x->inject_info & 0x7ff) != 0x30e ||
	    rp_mmu_read(c, rp_cpu_pc(c), b, 4))
		return;
	for (unsigned i = 0; i < 4; i++) {
		if (b[i] == 0x67)
			asize = mode == 32 ? 16 : 32;
		else if (seg_of[b[i]] && !in)
			seg = (unsigned)seg_of[b[i]] - 1;
		else if (b[i] != 0x66 && b[i] != 0xf2 && b[i] != 0xf3 && !(mode == 64 && (b[i] & 0xf0) == 0x40))
			break;
	}
	uint64_t off = rp_cpu_reg(c, in ? 7 : 6);
	off &= asize == 16 ? 0xffff : asize == 32 ? 0xffffffffull : ~0ull;
	rp_cpu_get_seg(c, seg, &sr);
	rp_cpu_get_seg(c, HVT_SEG_CS, &cs);
	uint64_t la = (mode == 64 && seg != HVT_SEG_FS && seg != HVT_SEG_GS) ? off : sr.base + off;
	if (mode != 64)
		la &= 0xffffffffull;
	uint32_t access = (in ? PF_W : 0) | ((cs.sel & 3) == 3 ? PF_U : 0);
	for (unsigned k = 0; k < size; k++) {
		struct x86_walk w;
		if (rp_mmu_walk(c, la + k, access, &w) && w.status == X86_WALK_FAULT) {
			rp_cpu_set_reg(c, RP_CR2, la + k);
			return;
		}
	}
}

/* Execute the exiting instruction and expect it to end the way the recording did. */
static int reproduce(struct rp_session *s, const struct hvt_step *x, enum rp_stop want, struct hvt_err *err)
{
	int st = rp_cpu_run(&s->cpu, 1, err);
	if (st < 0)
		return st;
	if (s->cpu.stop != want)
		return rp_diverge(s, x, "exit reason", x->reason, 0,
				  "the trace has a %s at RIP %#llx; replaying that instruction %s", reason_name(x->reason),
				  (unsigned long long)x->regs[RP_RIP],
				  s->cpu.stop_msg[0] ? s->cpu.stop_msg : "completed normally");
	if (want == RP_STOP_UNMAPPED && x->has_gpa && (s->cpu.fault_addr >> 12) != (x->gpa >> 12))
		return rp_diverge(s, x, "GPA", x->gpa, s->cpu.fault_addr,
				  "EPT violation at guest-physical %#llx recorded, %#llx replayed",
				  (unsigned long long)x->gpa, (unsigned long long)s->cpu.fault_addr);
	return HVT_OK;
}

/* The GPRs, RFLAGS and RIP through the one post-state rule (retrovisor/regs.h), with the
 * instruction length len; only what changed goes back to Unicorn. */
static void apply_regs(struct rp_cpu *c, const struct hvt_step *x, unsigned len)
{
	uint64_t regs[RV_NREGS];
	rp_cpu_get_gprs(c, regs);
	rv_post_apply(regs, x->post_mask, x->post, len);
	for (uint32_t m = x->post_mask & RV_POST_GPRS_MASK; m; m &= m - 1)
		rp_cpu_set_reg(c, (unsigned)__builtin_ctz(m), regs[__builtin_ctz(m)]);
	if (x->post_mask & RV_POST_BIT(RV_POST_RFLAGS))
		rp_cpu_set_reg(c, RP_RFLAGS, regs[RV_REG_RFLAGS]);
	if (len || (x->post_mask & HVT_POST_RIP))
		rp_cpu_set_reg(c, RP_RIP, regs[RV_REG_RIP]);
}

int rp_exit_apply(struct rp_session *s, const struct hvt_step *x, struct hvt_err *err)
{
	struct rp_cpu *c = &s->cpu;
	int st;

	if (x->reason == EXIT_REASON_CR_ACCESS && x->insn_len) {
		/* MOV to CR0 / LMSW the hypervisor emulated as the CPU does: let the CPU do it (the
		 * only way into Unicorn's mode switch), then compare with what the hypervisor left */
		st = rp_cpu_run(c, 1, err);
		if (st < 0)
			return st;
		if (c->stop != RP_STOP_BUDGET)
			return rp_diverge(s, x, "execution", x->regs[RP_RIP], rp_cpu_reg(c, RP_RIP),
					  "replaying the CR_ACCESS instruction at %#llx failed: %s",
					  (unsigned long long)x->regs[RP_RIP], c->stop_msg);
		uint64_t rip = rp_cpu_reg(c, RP_RIP), want = x->regs[RP_RIP] + x->insn_len;
		if (rip != want)
			return rp_diverge(s, x, "RIP", want, rip, "after the CR_ACCESS exit RIP is %#llx, replay has %#llx",
					  (unsigned long long)want, (unsigned long long)rip);
		if ((x->post_mask & HVT_POST_CR0) && rp_cpu_reg(c, RP_CR0) != x->post[RV_POST_CR0])
			return rp_diverge(s, x, "CR0", x->post[RV_POST_CR0], rp_cpu_reg(c, RP_CR0),
					  "after the CR_ACCESS exit CR0 is %#llx, replay has %#llx",
					  (unsigned long long)x->post[RV_POST_CR0], (unsigned long long)rp_cpu_reg(c, RP_CR0));
		if ((x->post_mask & HVT_POST_EFER) && rp_cpu_reg(c, RP_EFER) != x->post[RV_POST_EFER])
			return rp_diverge(s, x, "EFER", x->post[RV_POST_EFER], rp_cpu_reg(c, RP_EFER),
					  "after the CR_ACCESS exit EFER is %#llx, replay has %#llx",
					  (unsigned long long)x->post[RV_POST_EFER], (unsigned long long)rp_cpu_reg(c, RP_EFER));
		/* the CPU did what the handler did; a debugger's registers (a POST record) come after */
		if (x->post_mask & (RV_POST_GPRS_MASK | HVT_POST_RFLAGS | HVT_POST_RIP))
			apply_regs(c, x, 0);
	} else if (x->reason == EXIT_REASON_TRIPLE_FAULT || x->reason == EXIT_REASON_EPT_VIOLATION) {
		st = reproduce(s, x, x->reason == EXIT_REASON_TRIPLE_FAULT ? RP_STOP_TRIPLE : RP_STOP_UNMAPPED, err);
		if (st)
			return st;
	} else {
		console(s, x);
		apply_regs(c, x, x->insn_len);
		/* the control registers replay models itself */
		if (x->post_mask & RV_POST_BIT(RV_POST_CR4))
			rp_cpu_set_reg(c, RP_CR4, x->post[RV_POST_CR4]);
		if (x->post_mask & RV_POST_BIT(RV_POST_CR3))
			rp_cpu_set_reg(c, RP_CR3, x->post[RV_POST_CR3]);
		if (x->post_mask & RV_POST_BIT(RV_POST_EFER))
			rp_cpu_set_reg(c, RP_EFER, x->post[RV_POST_EFER] & ~EFER_LMA); /* LMA follows CR0 */
		if (x->reason == EXIT_REASON_WRMSR && !x->has_inject)
			wrmsr(c, (uint32_t)x->regs[RV_REG_RCX],
			      (x->regs[RV_REG_RDX] << 32) | (uint32_t)x->regs[RV_REG_RAX]);
		if (x->post_mask & RV_POST_BIT(RV_POST_CR0))
			return hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET,
					   "event %llu: a CR0 change outside a MOV to CR0 is not replayed",
					   (unsigned long long)x->num);
	}
	for (unsigned i = 0; i < x->nmw; i++) {
		if (x->mw[i].gpa + x->mw[i].len > c->mem_size || x->mw[i].gpa + x->mw[i].len < x->mw[i].gpa)
			return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
					   "event %llu: memory write at %#llx outside the VM's memory",
					   (unsigned long long)x->num, (unsigned long long)x->mw[i].gpa);
		memcpy(c->mem + x->mw[i].gpa, x->mw[i].data, x->mw[i].len);
		c->side_writes++;
		rp_cpu_code_changed(c, x->mw[i].gpa, x->mw[i].len);
		rp_fault_scan(c, x->mw[i].gpa, x->mw[i].len);
	}
	if (x->has_inject) {
		c->t_base = x->icount; /* the delivery's writes happen at the exit's position */
		c->executed = 0;
		unsigned type = x->inject_info >> 8 & 7;
		injected_pf_cr2(c, x);
		st = rp_deliver(c, x->inject_info & 0xff, type, !!(x->inject_info & (1u << 11)), x->inject_err,
				rp_cpu_reg(c, RP_RIP), err);
		if (st < 0)
			return st;
	}
	s->t = x->icount;
	s->exits_done++;
	s->last_exit_num = x->num;
	s->last_exit_icount = x->icount;
	if (x->num > s->max_exit_checked)
		s->max_exit_checked = x->num;
	if (x->stopped)
		s->stopped = 1;
	return HVT_OK;
}
