/*
 * rp_stub.c - engine code run in place over guest memory (saved and restored around it), for
 * state Unicorn 2.0.1's API reaches only partly: a CS load (far JMP, with SS first for an
 * inward delivery), a TLB flush (MOV CR3), and SYSENTER and SYSCALL, which Unicorn runs as
 * no-ops; the MSRs Unicorn keeps for the CPU's own use.
 */
#include <stdio.h>
#include <string.h>

#include "retrovisor/x86_arch.h"
#include "rp_priv.h"

/* Execute engine instructions written over guest memory at the current PC (saved and put back):
 * the only way to reach state that Unicorn 2.0.1's API writes only partially (CS loads, TLB). */
int rp_cpu_exec_stub(struct rp_cpu *c, const uint8_t *code, unsigned n, unsigned ninsn, struct hvt_err *err)
{
	uint8_t saved[32];
	uint64_t la = rp_cpu_pc(c), pa;
	if (n > sizeof(saved) || rp_mmu_translate(c, la, &pa) || pa + n > c->mem_size ||
	    (pa & (RP_PAGE - 1)) + n > RP_PAGE)
		return hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET,
				   "no room at %#llx for the engine's %u-byte stub", (unsigned long long)la, n);
	memcpy(saved, c->mem + pa, n);
	memcpy(c->mem + pa, code, n);
	rp_cpu_code_changed(c, pa, n);
	uint64_t budget = c->budget, executed = c->executed;
	enum rp_stop st = c->stop;
	c->stop = RP_STOP_NONE;
	unsigned traps = c->ntraps;
	if (traps) { /* the stub may sit on a trap (rp_fault.c): no exits while it runs */
		uint64_t none = UINT64_MAX - 0xfff;
		uc_ctl_set_exits(c->uc, &none, 1);
		c->exits_off = 1;
	}
	int r = rp_cpu_run_raw(c, ninsn, err);
	if (traps) {
		c->exits_off = 0;
		uc_ctl_set_exits(c->uc, c->traps, c->ntraps);
	}
	c->budget = budget;
	c->executed = executed;
	c->stop = st;
	memcpy(c->mem + pa, saved, n);
	rp_cpu_code_changed(c, pa, n);
	return r;
}

int rp_cpu_far_jump(struct rp_cpu *c, uint16_t sel, uint64_t rip, struct hvt_err *err)
{
	int mode = rp_cpu_mode(c);
	uint8_t stub[32];
	unsigned n = 0, ninsn = 1;
	uint64_t rax = rp_cpu_reg(c, 0);

	if (c->ss_pending) {
		/* MOV AX, imm16; MOV SS, AX (an inward delivery, at the new CPL already) */
		c->ss_pending = 0;
		if (mode != 16)
			stub[n++] = 0x66;
		stub[n++] = 0xb8;
		stub[n++] = (uint8_t)c->ss_sel;
		stub[n++] = (uint8_t)(c->ss_sel >> 8);
		stub[n++] = 0x8e;
		stub[n++] = 0xd0;
		ninsn += 2;
	}
	if (mode == 64) {
		/* JMP FAR m16:64 (REX.W FF /5), the pointer right after it: [RIP + 0] */
		static const uint8_t jmp[] = {0x48, 0xff, 0x2d, 0, 0, 0, 0};
		memcpy(stub + n, jmp, sizeof(jmp));
		n += sizeof(jmp);
		memcpy(stub + n, &rip, 8);
		n += 8;
	} else {
		/* JMP ptr16:16 / ptr16:32 (EA) */
		stub[n++] = 0xea;
		stub[n++] = (uint8_t)rip;
		stub[n++] = (uint8_t)(rip >> 8);
		if (mode == 32) {
			stub[n++] = (uint8_t)(rip >> 16);
			stub[n++] = (uint8_t)(rip >> 24);
		}
	}
	stub[n++] = (uint8_t)sel;
	stub[n++] = (uint8_t)(sel >> 8);
	int r = rp_cpu_exec_stub(c, stub, n, ninsn, err);
	rp_cpu_set_reg(c, 0, rax);
	return r;
}

/* Unicorn keeps translations in a software TLB that only a CR3 load or INVLPG flushes (its
 * API's CR3 write does not): execute MOV CR3, RAX in place. */
int rp_cpu_flush_tlb(struct rp_cpu *c, struct hvt_err *err)
{
	static const uint8_t mov_cr3_rax[3] = {0x0f, 0x22, 0xd8};
	if (!(rp_cpu_reg(c, RP_CR0) >> 31))
		return HVT_OK;
	uint64_t rax = rp_cpu_reg(c, 0), rip = rp_cpu_reg(c, RP_RIP);
	struct rp_seg cs;
	rp_cpu_get_seg(c, HVT_SEG_CS, &cs);
	/* MOV to CR3 is CPL 0 only (#GP otherwise, SDM Vol. 2B, MOV to CR): a checkpoint restored
	 * in user code runs the stub at CPL 0 and goes back to the guest's CPL after it */
	unsigned cpl = cs.sel & 3;
	if (cpl && rp_fault_set_cpl(c, cpl, 0))
		return hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET, "cannot flush the TLB at CPL %u", cpl);
	rp_cpu_set_reg(c, 0, rp_cpu_reg(c, RP_CR3));
	int r = rp_cpu_exec_stub(c, mov_cr3_rax, 3, 1, err);
	rp_cpu_set_reg(c, 0, rax);
	rp_cpu_set_reg(c, RP_RIP, rip);
	if (cpl && rp_fault_set_cpl(c, 0, cpl) && r == HVT_OK)
		r = hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET, "cannot go back to CPL %u after a TLB flush", cpl);
	return r;
}

static uint64_t msr(struct rp_cpu *c, uint32_t index)
{
	uc_x86_msr m = {.rid = index};
	uc_reg_read(c->uc, UC_X86_REG_MSR, &m);
	return m.value;
}

void rp_cpu_set_msr(struct rp_cpu *c, uint32_t index, uint64_t value)
{
	uc_x86_msr m = {.rid = index, .value = value};
	uc_reg_write(c->uc, UC_X86_REG_MSR, &m);
}

/*
 * SYSENTER at RIP (SDM Vol. 2B, SYSENTER): #GP(0) in real mode or with IA32_SYSENTER_CS[15:2]
 * = 0; else CPL 0, CS = SYSENTER_CS & 0xFFFC, SS = CS + 8, (R|E)SP and (R|E)IP from the MSRs,
 * VM, IF and RF cleared. The CPU loads fixed flat descriptors; the engine loads the guest's
 * GDT entries at those selectors (the same for the flat ones every OS puts there).
 */
int rp_cpu_sysenter(struct rp_cpu *c, struct hvt_err *err)
{
	uint64_t cs = msr(c, MSR_IA32_SYSENTER_CS) & 0xfffc, sp = msr(c, MSR_IA32_SYSENTER_ESP);
	uint64_t ip = msr(c, MSR_IA32_SYSENTER_EIP);
	int lma = !!(rp_cpu_reg(c, RP_EFER) & EFER_LMA);
	struct rp_seg cur;
	if (!(rp_cpu_reg(c, RP_CR0) & CR0_PE) || cs == 0)
		return rp_cpu_raise_fault(c, 13, err);
	rp_cpu_get_seg(c, HVT_SEG_CS, &cur);
	if (lma) {
		snprintf(c->stop_msg, sizeof(c->stop_msg), "SYSENTER in IA-32e mode is not replayed yet");
		c->stop = RP_STOP_ERROR;
		return 1;
	}
	if (rp_fault_set_cpl(c, cur.sel & 3, 0)) {
		snprintf(c->stop_msg, sizeof(c->stop_msg), "SYSENTER: the engine cannot change the privilege level");
		c->stop = RP_STOP_ERROR;
		return 1;
	}
	rp_cpu_set_reg(c, RP_RFLAGS, rp_cpu_reg(c, RP_RFLAGS) & ~(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF));
	rp_cpu_set_reg(c, 4, sp & 0xffffffffull);
	c->ss_pending = 1;
	c->ss_sel = (uint16_t)(cs + 8);
	if (rp_cpu_far_jump(c, (uint16_t)cs, ip & 0xffffffffull, err) < 0) {
		snprintf(c->stop_msg, sizeof(c->stop_msg), "%.200s", err ? err->msg : "SYSENTER failed");
		c->stop = RP_STOP_ERROR;
		return 1;
	}
	return 0;
}

/*
 * SYSCALL at RIP (SDM Vol. 2B, SYSCALL), which Unicorn runs as a no-op: #UD unless EFER.SCE and
 * 64-bit mode (Intel refuses it in compatibility mode); else RCX = the next RIP, R11 = RFLAGS,
 * RFLAGS &= ~IA32_FMASK (RF cleared too), CPL 0, CS = STAR[47:32] & 0xFFFC, SS = that + 8,
 * RIP = IA32_LSTAR. As for SYSENTER, the GDT's descriptors at those selectors are loaded.
 * SYSRET is QEMU's own.
 */
int rp_cpu_syscall(struct rp_cpu *c, unsigned len, struct hvt_err *err)
{
	uint64_t star = msr(c, MSR_IA32_STAR), lstar = msr(c, MSR_IA32_LSTAR), fmask = msr(c, MSR_IA32_FMASK);
	uint64_t rip = rp_cpu_reg(c, RP_RIP), fl = rp_cpu_reg(c, RP_RFLAGS);
	uint16_t cs = (uint16_t)(star >> 32) & 0xfffc;
	struct rp_seg cur;
	if (!(rp_cpu_reg(c, RP_EFER) & EFER_SCE) || rp_cpu_mode(c) != 64)
		return rp_cpu_raise_fault(c, 6, err);
	rp_cpu_get_seg(c, HVT_SEG_CS, &cur);
	if (rp_fault_set_cpl(c, cur.sel & 3, 0)) {
		snprintf(c->stop_msg, sizeof(c->stop_msg), "SYSCALL: the engine cannot change the privilege level");
		c->stop = RP_STOP_ERROR;
		return 1;
	}
	rp_cpu_set_reg(c, 1, rip + len);
	rp_cpu_set_reg(c, 11, fl & ~RFLAGS_RF);
	rp_cpu_set_reg(c, RP_RFLAGS, (fl & ~fmask & ~RFLAGS_RF) | RFLAGS_FIXED);
	c->ss_pending = 1;
	c->ss_sel = (uint16_t)(cs + 8);
	if (rp_cpu_far_jump(c, cs, lstar, err) < 0) {
		snprintf(c->stop_msg, sizeof(c->stop_msg), "%.200s", err ? err->msg : "SYSCALL failed");
		c->stop = RP_STOP_ERROR;
		return 1;
	}
	return 0;
}
