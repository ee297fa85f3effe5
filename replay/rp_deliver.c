/*
 * rp_deliver.c - interrupts and exceptions, delivered as the CPU does (Unicorn does not).
 *
 * Used for events the hypervisor injected (INJECT records) and for the guest's own faults and
 * INT n that Unicorn hands to its hooks. The frame follows SDM Vol. 3A (325462-080, June 2023):
 *   real mode (20.1.4 "Interrupt and Exception Handling"): IVT entry at IDTR.base + 4 * vector,
 *     push FLAGS, CS, IP; clear IF, TF, AC; no error code;
 *   protected mode (6.12.1 "Exception- or Interrupt-Handler Procedures"): 8-byte gate, push
 *     EFLAGS, CS, EIP and the error code; an interrupt gate clears IF, both clear TF, NT, RF, VM;
 *   IA-32e mode (6.14.2 "64-Bit Mode Stack Frame"): 16-byte gate, RSP aligned to 16, push SS,
 *     RSP, RFLAGS, CS, RIP and the error code; IST stacks from the 64-bit TSS.
 * A delivery that fails (entry beyond the IDT limit, not present, stack outside memory) raises
 * #GP; a contributory fault while delivering a contributory fault becomes #DF, and a fault while
 * delivering #DF is a triple fault (6.15, Table 6-5 "Conditions for Generating a Double Fault").
 * An interrupt from ring 3 to a ring-0 handler switches to the stack the TSS names for ring 0
 * (protected mode: SS0:ESP0; IA-32e mode: RSP0 and a null SS); the engine then loads SS and CS
 * at the new level (rp_fault_set_cpl).
 */
#include <stdio.h>
#include <string.h>

#include "retrovisor/x86_arch.h"
#include "rp_priv.h"


enum { DELIVERED = 0, FAULTED = 1 };

/* The fault a delivery met (SDM Vol. 3A, 6.12.1 and 6.13): its vector and error code. The EXT
 * bit (bit 0) is set when the event being delivered was not caused by the program (an
 * interrupt, a hardware exception, an earlier fault), IDT (bit 1) when the code names a gate. */
struct dfault {
	unsigned ext;
	unsigned vec;
	uint32_t code;
};

static int fault(struct dfault *f, unsigned vec, uint32_t code)
{
	f->vec = vec;
	f->code = code | f->ext;
	return FAULTED;
}

static int idt_fault(struct dfault *f, unsigned vec, unsigned v) { return fault(f, vec, v * 8 + 2); }

static int contributory(unsigned v) { return v == 0 || (v >= 10 && v <= 13); }

/* Load CS:RIP of the handler: only RIP when CS stays; a far jump otherwise (after the hook
 * returns when we are inside Unicorn). */
static int load_cs_ip(struct rp_cpu *c, uint16_t sel, uint64_t rip, struct hvt_err *err)
{
	struct rp_seg cs;
	rp_cpu_get_seg(c, HVT_SEG_CS, &cs);
	if (cs.sel == sel) {
		rp_cpu_set_reg(c, RP_RIP, rip);
		return 0;
	}
	if (c->in_emu) {
		c->jump_pending = 1;
		c->jump_sel = sel;
		c->jump_rip = rip;
		uc_emu_stop(c->uc);
		return 0;
	}
	return rp_cpu_far_jump(c, sel, rip, err);
}

static int push(struct rp_cpu *c, const struct rp_seg *ss, uint64_t *sp, uint64_t mask, unsigned size, uint64_t v)
{
	uint64_t pa;
	*sp = (*sp - size) & mask;
	/* the frame is a write of the CPU: a write watch (rp_nav.c) must see it */
	if (c->watch_write_on && !rp_mmu_translate(c, ss->base + *sp, &pa) && pa < c->watch_hi &&
	    pa + size > c->watch_lo) {
		c->last_write_n = c->t_base + c->executed;
		c->last_write_pc = 0;
		c->last_write_hv = 2;
	}
	return rp_mmu_write(c, ss->base + *sp, &v, size);
}

static int deliver_real(struct rp_cpu *c, unsigned v, uint64_t ret_ip, struct dfault *f, struct hvt_err *err)
{
	uc_x86_mmr idt = {0};
	uint16_t ent[2];
	struct rp_seg ss, cs;
	uc_reg_read(c->uc, UC_X86_REG_IDTR, &idt);
	if (v * 4 + 3 > idt.limit || rp_mmu_read(c, idt.base + v * 4, ent, 4))
		return idt_fault(f, 13, v);
	rp_cpu_get_seg(c, HVT_SEG_SS, &ss);
	rp_cpu_get_seg(c, HVT_SEG_CS, &cs);
	uint64_t rsp = rp_cpu_reg(c, 4), sp = rsp & 0xffff, fl = rp_cpu_reg(c, RP_RFLAGS);
	if (push(c, &ss, &sp, 0xffff, 2, fl) || push(c, &ss, &sp, 0xffff, 2, cs.sel) ||
	    push(c, &ss, &sp, 0xffff, 2, ret_ip))
		return fault(f, 13, 0);
	rp_cpu_set_reg(c, 4, (rsp & ~0xffffull) | sp);
	rp_cpu_set_reg(c, RP_RFLAGS, fl & ~(uint64_t)(RFLAGS_IF | RFLAGS_TF | RFLAGS_AC));
	return load_cs_ip(c, ent[1], ent[0], err) ? -1 : DELIVERED;
}

/*
 * The gate and the handler's code segment, before anything is pushed (SDM Vol. 3A, 6.12.1.1
 * "Protection of Exception- and Interrupt-Handler Procedures", 6.13, and the order Bochs checks
 * them in): a software interrupt through a gate with DPL < CPL is #GP(IDT), a gate not present
 * #NP(IDT), a null selector #GP(0), a selector beyond its table, not a code segment or with
 * DPL > CPL #GP(selector), a code segment not present #NP(selector). *dpl: the new CPL.
 */
static int check_gate(struct rp_cpu *c, unsigned v, const uint32_t *g, int soft, unsigned cpl, struct dfault *f,
		      unsigned *dpl)
{
	uint16_t sel = (uint16_t)(g[0] >> 16);
	uc_x86_mmr dt = {0};
	uint32_t d[2];
	if (soft && ((g[1] >> 13) & 3) < cpl)
		return idt_fault(f, 13, v);
	if (!(g[1] & (1u << 15)))
		return idt_fault(f, 11, v);
	if ((sel & ~3u) == 0)
		return fault(f, 13, 0);
	uc_reg_read(c->uc, (sel & 4) ? UC_X86_REG_LDTR : UC_X86_REG_GDTR, &dt);
	if ((sel & ~7u) + 7u > dt.limit || rp_mmu_read(c, dt.base + (sel & ~7u), d, 8))
		return fault(f, 13, sel & 0xfffc);
	unsigned cdpl = (d[1] >> 13) & 3;
	if ((d[1] & 0x1800) != 0x1800 || cdpl > cpl) /* S = 1 and code */
		return fault(f, 13, sel & 0xfffc);
	if (!(d[1] & (1u << 15)))
		return fault(f, 11, sel & 0xfffc);
	*dpl = (d[1] & 0x400) ? cpl : cdpl; /* a conforming segment keeps CPL */
	return DELIVERED;
}

/* The stack for ring dpl from the 32-bit TSS (SS at 8 + 8 * dpl, ESP at 4 + 8 * dpl; SDM Vol.
 * 3A, 8.2.1 Figure 8-2) and its SS checked as the CPU checks it (6.12.1.1): #TS(TSS) when the
 * TSS is too short, #TS(SS) for a wrong selector or descriptor, #SS(SS) when not present. */
static int tss_stack(struct rp_cpu *c, unsigned dpl, struct rp_seg *nss, uint64_t *nsp, struct dfault *f)
{
	uc_x86_mmr tr = {0}, dt = {0};
	uint32_t esp, d[2];
	uint16_t sel;
	uc_reg_read(c->uc, UC_X86_REG_TR, &tr);
	if (tr.limit < 8 * dpl + 9 || rp_mmu_read(c, tr.base + 4 + 8 * dpl, &esp, 4) ||
	    rp_mmu_read(c, tr.base + 8 + 8 * dpl, &sel, 2))
		return fault(f, 10, tr.selector & 0xfffc);
	if ((sel & ~3u) == 0)
		return fault(f, 10, 0);
	uc_reg_read(c->uc, (sel & 4) ? UC_X86_REG_LDTR : UC_X86_REG_GDTR, &dt);
	if ((sel & 3) != dpl || (sel & ~7u) + 7u > dt.limit || rp_mmu_read(c, dt.base + (sel & ~7u), d, 8) ||
	    ((d[1] >> 13) & 3) != dpl || (d[1] & 0x1a00) != 0x1200) /* S = 1, data, writable */
		return fault(f, 10, sel & 0xfffc);
	if (!(d[1] & (1u << 15)))
		return fault(f, 12, sel & 0xfffc);
	nss->sel = sel;
	nss->base = (d[0] >> 16) | ((uint64_t)(d[1] & 0xff) << 16) | (d[1] & 0xff000000u);
	nss->limit = (d[0] & 0xffff) | (d[1] & 0xf0000);
	if (d[1] & (1u << 23))
		nss->limit = (nss->limit << 12) | 0xfff;
	nss->flags = d[1] & 0x00f0ff00;
	*nsp = esp;
	return DELIVERED;
}

static int deliver_prot(struct rp_cpu *c, unsigned v, int soft, int has_err, uint32_t code, uint64_t ret_ip,
			struct dfault *f, struct hvt_err *err)
{
	uc_x86_mmr idt = {0};
	uint32_t g[2];
	struct rp_seg ss, cs;
	unsigned dpl;
	uc_reg_read(c->uc, UC_X86_REG_IDTR, &idt);
	if (v * 8 + 7 > idt.limit || rp_mmu_read(c, idt.base + v * 8, g, 8))
		return idt_fault(f, 13, v);
	unsigned type = (g[1] >> 8) & 0x1f;
	if (type != 0x0e && type != 0x0f && type != 0x06 && type != 0x07 && type != 0x05)
		return idt_fault(f, 13, v);
	rp_cpu_get_seg(c, HVT_SEG_CS, &cs);
	rp_cpu_get_seg(c, HVT_SEG_SS, &ss);
	unsigned cpl = cs.sel & 3;
	if (type == 0x05) {
		hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET, "vector %u: task gates are not replayed", v);
		return -1;
	}
	if (check_gate(c, v, g, soft, cpl, f, &dpl) != DELIVERED)
		return FAULTED;
	uint16_t sel = (uint16_t)(g[0] >> 16);
	uint64_t off = (g[0] & 0xffff) | (g[1] & 0xffff0000u);
	unsigned size = (type & 8) ? 4 : 2;
	uint64_t rsp = rp_cpu_reg(c, 4), fl = rp_cpu_reg(c, RP_RFLAGS);
	if (dpl < cpl) {
		/* inward: the handler's stack from the TSS, the old SS:ESP pushed first (SDM Vol.
		 * 3A, 6.12.1 "Exception- or Interrupt-Handler Procedures", Figure 6-4) */
		struct rp_seg nss;
		uint64_t nsp;
		if (tss_stack(c, dpl, &nss, &nsp, f))
			return FAULTED;
		uint64_t m = (nss.flags & (1u << 22)) ? 0xffffffffull : 0xffff, sp = nsp & m;
		if (push(c, &nss, &sp, m, size, ss.sel) || push(c, &nss, &sp, m, size, rsp) ||
		    push(c, &nss, &sp, m, size, fl) || push(c, &nss, &sp, m, size, cs.sel) ||
		    push(c, &nss, &sp, m, size, ret_ip) || (has_err && push(c, &nss, &sp, m, size, code)))
			return fault(f, 12, nss.sel & 0xfffc);
		if (rp_fault_set_cpl(c, cpl, dpl)) {
			hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET,
				    "vector %u: the engine cannot change the privilege level", v);
			return -1;
		}
		c->ss_pending = 1;
		c->ss_sel = nss.sel;
		rp_cpu_set_reg(c, 4, (nsp & ~m) | sp);
	} else {
		uint64_t mask = (ss.flags & (1u << 22)) ? 0xffffffffull : 0xffff, sp = rsp & mask;
		if (push(c, &ss, &sp, mask, size, fl) || push(c, &ss, &sp, mask, size, cs.sel) ||
		    push(c, &ss, &sp, mask, size, ret_ip) || (has_err && push(c, &ss, &sp, mask, size, code)))
			return fault(f, 13, 0);
		rp_cpu_set_reg(c, 4, (rsp & ~mask) | sp);
	}
	fl &= ~(uint64_t)(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (!(type & 1))
		fl &= ~(uint64_t)RFLAGS_IF;
	rp_cpu_set_reg(c, RP_RFLAGS, fl);
	return load_cs_ip(c, sel, size == 2 ? off & 0xffff : off, err) ? -1 : DELIVERED;
}

static int deliver_long(struct rp_cpu *c, unsigned v, int soft, int has_err, uint32_t code, uint64_t ret_ip,
			struct dfault *f, struct hvt_err *err)
{
	uc_x86_mmr idt = {0}, tr = {0};
	uint32_t g[4];
	struct rp_seg ss, cs;
	unsigned dpl;
	uc_reg_read(c->uc, UC_X86_REG_IDTR, &idt);
	if (v * 16 + 15 > idt.limit || rp_mmu_read(c, idt.base + v * 16, g, 16))
		return idt_fault(f, 13, v);
	unsigned type = (g[1] >> 8) & 0x1f, ist = g[1] & 7;
	if (type != 0x0e && type != 0x0f)
		return idt_fault(f, 13, v);
	rp_cpu_get_seg(c, HVT_SEG_CS, &cs);
	rp_cpu_get_seg(c, HVT_SEG_SS, &ss);
	if (check_gate(c, v, g, soft, cs.sel & 3, f, &dpl) != DELIVERED)
		return FAULTED;
	uint16_t sel = (uint16_t)(g[0] >> 16);
	uint64_t off = (g[0] & 0xffff) | (g[1] & 0xffff0000u) | ((uint64_t)g[2] << 32);
	unsigned cpl = cs.sel & 3;
	uint64_t old_rsp = rp_cpu_reg(c, 4), rsp = old_rsp, fl = rp_cpu_reg(c, RP_RFLAGS);
	/* the stack: IST n, else RSPn of the new ring when the ring changes (SDM Vol. 3A, 6.14.4
	 * and 6.14.5; the 64-bit TSS, Figure 8-11: RSP0 at 4, IST1 at 36) */
	if (ist || dpl < cpl) {
		uc_reg_read(c->uc, UC_X86_REG_TR, &tr);
		uint64_t at = ist ? 36 + 8 * (ist - 1) : 4 + 8 * dpl;
		if (tr.limit < at + 7 || rp_mmu_read(c, tr.base + at, &rsp, 8))
			return fault(f, 10, tr.selector & 0xfffc);
	}
	rsp &= ~0xfull;
	struct rp_seg flat = {0};
	uint64_t m = ~0ull;
	if (push(c, &flat, &rsp, m, 8, ss.sel) || push(c, &flat, &rsp, m, 8, old_rsp) ||
	    push(c, &flat, &rsp, m, 8, fl) || push(c, &flat, &rsp, m, 8, cs.sel) ||
	    push(c, &flat, &rsp, m, 8, ret_ip) || (has_err && push(c, &flat, &rsp, m, 8, code)))
		return fault(f, 13, 0);
	if (dpl < cpl) {
		/* inward: SS becomes a null selector with RPL = the new CPL (6.14.4) */
		if (rp_fault_set_cpl(c, cpl, dpl)) {
			hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET,
				    "vector %u: the engine cannot change the privilege level", v);
			return -1;
		}
		c->ss_pending = 1;
		c->ss_sel = (uint16_t)dpl;
	}
	rp_cpu_set_reg(c, 4, rsp);
	fl &= ~(uint64_t)(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (!(type & 1))
		fl &= ~(uint64_t)RFLAGS_IF;
	rp_cpu_set_reg(c, RP_RFLAGS, fl);
	return load_cs_ip(c, sel, off, err) ? -1 : DELIVERED;
}

int rp_deliver(struct rp_cpu *c, unsigned vector, unsigned type, int has_err, uint32_t errcode,
	       uint64_t next_rip, struct hvt_err *err)
{
	unsigned v = vector & 0xff;
	int first = 1;
	for (;;) {
		uint64_t ret = next_rip;
		int r, soft = first && (type == 4 || type == 6);
		/* an event the program did not cause sets EXT in the error code of a fault met
		 * while delivering it (SDM Vol. 3A, 6.13) */
		struct dfault f = {.ext = soft ? 0 : 1};
		c->outside = 0;
		/* only software interrupts return past the instruction; faults return to it */
		if (!first)
			ret = rp_cpu_reg(c, RP_RIP);
		if (!(rp_cpu_reg(c, RP_CR0) & 1))
			r = deliver_real(c, v, ret, &f, err);
		else if (rp_cpu_reg(c, RP_EFER) & (1u << 10))
			r = deliver_long(c, v, soft, has_err, errcode, ret, &f, err);
		else
			r = deliver_prot(c, v, soft, has_err, errcode, ret, &f, err);
		if (r < 0)
			return r;
		if (r == DELIVERED)
			return HVT_OK;
		if (c->outside) {
			/* a table entry, the TSS or the stack outside the VM's memory: on the
			 * recording CPU an EPT violation, which ends the delivery there */
			c->stop = RP_STOP_UNMAPPED;
			c->fault_addr = c->outside_pa;
			c->fault_fetch = 0;
			snprintf(c->stop_msg, sizeof(c->stop_msg),
				 "delivering vector %u read guest-physical %#llx, outside the VM's memory", v,
				 (unsigned long long)c->outside_pa);
			return HVT_OK;
		}
		/* delivery faulted with f.vec: a fault while delivering #DF is a triple fault; a
		 * contributory fault while delivering a contributory one or a #PF, or a #PF while
		 * delivering a #PF, is #DF(0); otherwise the second fault is delivered instead
		 * (SDM Vol. 3A, 6.15, Table 6-5; software interrupts are benign) */
		if (v == 8) {
			c->stop = RP_STOP_TRIPLE;
			snprintf(c->stop_msg, sizeof(c->stop_msg), "triple fault: #DF could not be delivered");
			return HVT_OK;
		}
		if (!soft && (contributory(v) || v == 14) && (contributory(f.vec) || f.vec == 14) &&
		    !(contributory(v) && f.vec == 14)) {
			v = 8;
			errcode = 0;
		} else {
			v = f.vec;
			errcode = f.code;
		}
		has_err = 1;
		first = 0;
	}
}
