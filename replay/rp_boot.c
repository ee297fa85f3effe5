/*
 * rp_boot.c - put Unicorn in the state a VM started in (its VM_START record).
 *
 * The hard part is the hidden part of the segment registers (base, limit, attributes) and the
 * mode: the VMCS loads them directly, but Unicorn 2.0.1's 64-bit register API sets only
 * selectors, and stores CR0/CR4 without switching modes. So the CPU gets there the
 * architectural way, running a stub written over (saved, then restored) guest memory:
 *
 *   A  64-bit mode (where uc_open leaves it), identity-paged by three scratch tables:
 *      JMP FAR to a 32-bit code segment (compatibility mode);
 *   B  MOV CR0 with PG = 0: long mode ends (EFER.LMA clears, SDM Vol. 3A, 10.8.5), leaving flat
 *      32-bit protected mode; then MOV SS/DS/ES/FS/GS and JMP FAR CS: each from a scratch GDT
 *      whose descriptors hold exactly the recorded base/limit/access rights (VMCS format,
 *      SDM Vol. 3C, 25.4.1 Table 25-2);
 *   C  for a real-mode start, 16-bit code under that CS: MOV CR0 with PE = 0 (the descriptor
 *      caches stay, as on a CPU returning to real mode, SDM Vol. 3A, 10.9.2).
 *
 * Then the API sets what it can set fully: selectors, GDTR, IDTR, LDTR, TR, EFER (through
 * WRMSR's helper), CR3, CR4 and the registers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/x86_arch.h"
#include "rp_priv.h"

#define STUB_PA 0x800u   /* code, then the far pointer of step A */
#define GDT_PA 0x1000u    /* 64 slots */
#define PML4_PA 0x2000u   /* identity map of the first 2 MiB for step A */
#define SCRATCH_END 0x5000u
#define COMPAT_SLOT 62    /* flat 32-bit code for step B */
#define AR_UNUSABLE (1u << 16)

/* A descriptor (SDM Vol. 3A, 3.4.5, Figure 3-8) from VMCS-format state. */
static uint64_t descriptor(const struct hvt_segment *s)
{
	uint32_t limit = s->ar & (1u << 15) ? s->limit >> 12 : s->limit;
	uint64_t base = s->base & 0xffffffffull;
	uint32_t lo = (limit & 0xffff) | (uint32_t)(base & 0xffff) << 16;
	uint32_t hi = (uint32_t)((base >> 16) & 0xff) | (s->ar & 0xff) << 8 | (limit & 0xf0000) |
		      (s->ar & 0xf000) << 8 | (uint32_t)(base & 0xff000000u);
	return lo | (uint64_t)hi << 32;
}

/* Machine code into the boot stub at offset n; each returns the offset after it. */
static unsigned put32(uint8_t *stub, unsigned n, uint32_t v)
{
	memcpy(stub + n, &v, 4);
	return n + 4;
}

/* MOV EAX, imm32; MOV CR0, EAX (with an operand-size prefix when it runs as 16-bit code). */
static unsigned put_mov_cr0(uint8_t *stub, unsigned n, int code16, uint32_t cr0)
{
	if (code16)
		stub[n++] = 0x66;
	stub[n++] = 0xb8;
	n = put32(stub, n, cr0);
	stub[n++] = 0x0f;
	stub[n++] = 0x22;
	stub[n++] = 0xc0;
	return n;
}

/* The x87/SSE state the VM started with (trace minor 2), or the reset state for an older trace
 * that did not record it (all zero: FCW is never 0 after FNINIT or reset). Unicorn takes the
 * full tag word (2 bits per register, 11 = empty); the trace has FXSAVE's abridged one (1 bit,
 * 1 = valid; SDM Vol. 1, 10.5.1.1). */
static void load_fpu(struct rp_cpu *c, const struct hvt_vm_state *st)
{
	uint64_t fcw = st->fcw, fsw = st->fsw, mxcsr = st->mxcsr, tag = 0;
	unsigned ftw = st->ftw;
	if (!st->fcw && !st->mxcsr) {
		fcw = X87_FCW_RESET;
		mxcsr = MXCSR_RESET;
		fsw = 0;
		ftw = 0;
	}
	for (unsigned i = 0; i < 8; i++)
		if (!(ftw >> i & 1))
			tag |= 3ull << (2 * i);
	uc_reg_write(c->uc, UC_X86_REG_FPCW, &fcw);
	uc_reg_write(c->uc, UC_X86_REG_FPSW, &fsw);
	uc_reg_write(c->uc, UC_X86_REG_FPTAG, &tag);
	uc_reg_write(c->uc, UC_X86_REG_MXCSR, &mxcsr);
}

int rp_boot(struct rp_cpu *c, const struct hvt_vm_state *st, struct hvt_err *err)
{
	static const uint8_t sreg_code[HVT_NSEGS] = {0xc0, 0, 0xd0, 0xd8, 0xe0, 0xe8}; /* MOV Sreg, AX */
	static const unsigned order[5] = {HVT_SEG_SS, HVT_SEG_DS, HVT_SEG_ES, HVT_SEG_FS, HVT_SEG_GS};
	int real = !(st->cr0 & 1);
	uint16_t gsel[6];
	uint64_t gdt[64] = {0};

	if (st->efer & (1u << 10))
		return hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET, "a VM that starts in long mode is not replayed yet");
	/* Where each segment's descriptor goes: scratch slots 1-6 in real mode (selectors there are
	 * not GDT indices); the recorded selector's own slot in protected mode, so that the stub
	 * loads the very selector the guest had. */
	for (unsigned i = 0; i < 6; i++) {
		const struct hvt_segment *s = &st->seg[i];
		uint16_t sel = real ? (uint16_t)((i + 1) * 8) : s->sel;
		if (!real && ((s->ar & AR_UNUSABLE) || (sel & ~3u) == 0)) {
			if (i == HVT_SEG_CS || i == HVT_SEG_SS)
				return hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET,
						   "initial %s is null or unusable in protected mode", i == 1 ? "CS" : "SS");
			gsel[i] = 0;
			continue;
		}
		unsigned idx = sel >> 3;
		if ((sel & 4) || idx >= COMPAT_SLOT)
			return hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET,
					   "initial selector %#x is not replayable (LDT or beyond GDT slot 63)", sel);
		uint64_t d = descriptor(s);
		if (gdt[idx] && gdt[idx] != d)
			return hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET,
					   "two segments share selector %#x with different state", sel);
		gdt[idx] = d;
		gsel[i] = sel;
	}

	gdt[COMPAT_SLOT] = 0x00cf9b000000ffffull;
	uint8_t stub[128] = {0};
	unsigned n = 0, ninsn = 0;
	/* A: JMP FAR m16:32 [ptr] (FF /5, absolute disp32) */
	uint32_t ptr_at = STUB_PA + 0x70;
	stub[n++] = 0xff;
	stub[n++] = 0x2c;
	stub[n++] = 0x25;
	n = put32(stub, n, ptr_at);
	ninsn++;
	uint32_t b_at = STUB_PA + n;
	/* B: MOV EAX, PE | ET; MOV CR0, EAX */
	n = put_mov_cr0(stub, n, 0, 0x11);
	ninsn += 2;
	for (unsigned k = 0; k < 5; k++) { /* MOV AX, sel; MOV Sreg, AX */
		unsigned i = order[k];
		stub[n++] = 0x66;
		stub[n++] = 0xb8;
		stub[n++] = (uint8_t)gsel[i];
		stub[n++] = (uint8_t)(gsel[i] >> 8);
		stub[n++] = 0x8e;
		stub[n++] = sreg_code[i];
		ninsn += 2;
	}
	/* JMP FAR cs:target: the recorded RIP, or C in real mode */
	uint32_t c_at = STUB_PA + n + 7;
	uint32_t target = real ? c_at - (uint32_t)st->seg[HVT_SEG_CS].base : (uint32_t)st->rip;
	stub[n++] = 0xea;
	n = put32(stub, n, target);
	stub[n++] = (uint8_t)gsel[HVT_SEG_CS];
	stub[n++] = (uint8_t)(gsel[HVT_SEG_CS] >> 8);
	ninsn++;
	if (real) { /* C (16-bit code): MOV EAX, cr0; MOV CR0, EAX */
		n = put_mov_cr0(stub, n, 1, (uint32_t)st->cr0);
		ninsn += 2;
	}
	/* the far pointer of A: offset 32, selector 16 */
	memcpy(stub + 0x70, &b_at, 4);
	uint16_t compat_sel = COMPAT_SLOT * 8;
	memcpy(stub + 0x74, &compat_sel, 2);

	if (c->mem_size < SCRATCH_END || (real && st->seg[HVT_SEG_CS].base > STUB_PA))
		return hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET, "this initial state cannot be booted by the replay CPU");
	uint8_t *save = malloc(SCRATCH_END - STUB_PA);
	if (!save)
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	memcpy(save, c->mem + STUB_PA, SCRATCH_END - STUB_PA);
	memset(c->mem + STUB_PA, 0, SCRATCH_END - STUB_PA);
	memcpy(c->mem + STUB_PA, stub, 0x76);
	memcpy(c->mem + GDT_PA, gdt, sizeof(gdt));
	uint64_t pt[3] = {(PML4_PA + 0x1000) | 3, (PML4_PA + 0x2000) | 3, 0x83};
	for (unsigned i = 0; i < 3; i++)
		memcpy(c->mem + PML4_PA + i * 0x1000, &pt[i], 8);

	/* 64-bit mode with identity paging: Unicorn reads CR0.PG, CR3 and CR4.PAE when it walks */
	rp_cpu_set_reg(c, RP_CR4, 0x20);
	rp_cpu_set_reg(c, RP_CR3, PML4_PA);
	rp_cpu_set_reg(c, RP_CR0, 0x80000011ull);
	uc_x86_mmr m = {.base = GDT_PA, .limit = sizeof(gdt) - 1};
	uc_reg_write(c->uc, UC_X86_REG_GDTR, &m);
	rp_cpu_set_reg(c, RP_RFLAGS, 2);
	rp_cpu_set_reg(c, RP_RIP, STUB_PA);
	int r = rp_cpu_run_raw(c, ninsn, err);

	memcpy(c->mem + STUB_PA, save, SCRATCH_END - STUB_PA);
	free(save);
	rp_cpu_code_changed(c, STUB_PA, SCRATCH_END - STUB_PA);
	if (r < 0) {
		hvt_err_prefix(err, "loading the initial state: ");
		return r;
	}
	if ((rp_cpu_reg(c, RP_CR0) ^ st->cr0) & 0x80000001u)
		return hvt_err_set(err, RP_EUNICORN, HVT_NO_OFFSET, "the replay CPU did not reach the initial mode (CR0 %#llx)",
				   (unsigned long long)rp_cpu_reg(c, RP_CR0));

	rp_cpu_set_reg(c, RP_CR4, st->cr4 & ~(1ull << 13)); /* VMXE is the hypervisor's */
	rp_cpu_set_reg(c, RP_CR0, st->cr0); /* the other bits (same mode, nothing to switch) */
	rp_cpu_set_reg(c, RP_CR3, st->cr3);
	rp_cpu_set_reg(c, RP_EFER, st->efer);
	if (real) {
		/* real-mode selectors: the API writes only the selector (CS, SS, DS, ES) or reloads
		 * base = selector * 16 (FS, GS), both right for a real-mode start */
		static const int ids[6] = {UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS,
					   UC_X86_REG_FS, UC_X86_REG_GS};
		for (unsigned i = 0; i < 6; i++) {
			uint64_t sel = st->seg[i].sel;
			uc_reg_write(c->uc, ids[i], &sel);
		}
	}
	m = (uc_x86_mmr){.base = st->gdtr_base, .limit = st->gdtr_limit};
	uc_reg_write(c->uc, UC_X86_REG_GDTR, &m);
	m = (uc_x86_mmr){.base = st->idtr_base, .limit = st->idtr_limit};
	uc_reg_write(c->uc, UC_X86_REG_IDTR, &m);
	const struct hvt_segment *l = &st->seg[HVT_SEG_LDTR], *t = &st->seg[HVT_SEG_TR];
	m = (uc_x86_mmr){.selector = l->sel, .base = l->base, .limit = l->limit, .flags = (l->ar & 0xf0ff) << 8};
	uc_reg_write(c->uc, UC_X86_REG_LDTR, &m);
	m = (uc_x86_mmr){.selector = t->sel, .base = t->base, .limit = t->limit, .flags = (t->ar & 0xf0ff) << 8};
	uc_reg_write(c->uc, UC_X86_REG_TR, &m);
	load_fpu(c, st);
	for (unsigned i = 0; i < 16; i++)
		rp_cpu_set_reg(c, i, st->gpr[i]);
	rp_cpu_set_reg(c, RP_RFLAGS, st->rflags);
	rp_cpu_set_reg(c, RP_RIP, st->rip);
	return HVT_OK;
}
