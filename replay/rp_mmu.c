/*
 * rp_mmu.c - the guest's own address translation, and what an instruction's bytes say.
 *
 * Unicorn's uc_mem_read reads guest-physical memory, but RIP, the IDT base and the stack are
 * linear addresses; under paging the replayer walks the guest's tables itself, as the
 * hypervisor does in hv/exit_ept.c, with the same walk (include/retrovisor/x86_paging.h).
 * rp_mmu_translate checks presence and reserved bits only: it finds data for accesses the guest
 * already made. rp_mmu_walk gives the whole result (a #PF's error code, or the guest-physical
 * address of a paging-structure entry outside memory, where the recording machine took an EPT
 * violation during the walk).
 */
#include <string.h>

#include "retrovisor/exit_reasons.h"
#include "retrovisor/x86_arch.h"
#include "retrovisor/x86_paging.h"
#include "rp_priv.h"


/* x86_walk's read_entry: guest memory as the replayer holds it. */
static int read_entry(void *ctx, uint64_t gpa, unsigned size, uint64_t *e)
{
	struct rp_cpu *c = ctx;
	if (gpa > c->mem_size || size > c->mem_size - gpa)
		return -1;
	if (size == 8) {
		memcpy(e, c->mem + gpa, 8);
	} else {
		uint32_t v;
		memcpy(&v, c->mem + gpa, 4);
		*e = v;
	}
	return 0;
}

/*
 * The walk of include/retrovisor/x86_paging.h, as a supervisor read (presence and reserved bits
 * only). The replayer holds no PDPTE registers: under PAE paging they are read at CR3. MAXPHYADDR
 * is the recording machine's (Bochs's CPU models report 40 bits in CPUID 0x80000008); the trace
 * does not carry it.
 */
int rp_mmu_walk(struct rp_cpu *c, uint64_t la, uint32_t access, struct x86_walk *w)
{
	struct x86_paging m = {
		.cr0 = rp_cpu_reg(c, RP_CR0),
		.cr3 = rp_cpu_reg(c, RP_CR3),
		.cr4 = rp_cpu_reg(c, RP_CR4),
		.efer = rp_cpu_reg(c, RP_EFER),
		.maxphyaddr = RP_MAXPHYADDR,
	};
	return x86_walk(&m, la, access, read_entry, c, w);
}

int rp_mmu_translate(struct rp_cpu *c, uint64_t la, uint64_t *pa)
{
	struct x86_walk w;
	if (rp_mmu_walk(c, la, 0, &w))
		return -1;
	*pa = w.pa;
	return 0;
}

/* Byte by byte across pages: an access may straddle two differently mapped pages. */
static int mem_access(struct rp_cpu *c, uint64_t la, void *buf, size_t len, int write)
{
	uint8_t *p = buf;
	while (len) {
		uint64_t pa;
		size_t n = RP_PAGE - (la & (RP_PAGE - 1));
		if (n > len)
			n = len;
		struct x86_walk w;
		if (rp_mmu_walk(c, la, 0, &w)) {
			if (w.status == X86_WALK_OUTSIDE) { /* a paging-structure entry outside memory */
				c->outside = 1;
				c->outside_pa = w.outside;
			}
			return -1;
		}
		pa = w.pa;
		if (pa + n > c->mem_size) {
			/* what the CPU would meet as an EPT violation (rp_deliver.c) */
			c->outside = 1;
			c->outside_pa = pa < c->mem_size ? c->mem_size : pa;
			return -1;
		}
		if (write) {
			memcpy(c->mem + pa, p, n);
			rp_cpu_code_changed(c, pa, n);
		} else {
			memcpy(p, c->mem + pa, n);
		}
		p += n;
		la += n;
		len -= n;
	}
	return 0;
}

int rp_mmu_read(struct rp_cpu *c, uint64_t la, void *buf, size_t len) { return mem_access(c, la, buf, len, 0); }

int rp_mmu_write(struct rp_cpu *c, uint64_t la, const void *buf, size_t len)
{
	c->side_writes++;
	return mem_access(c, la, (void *)buf, len, 1);
}

/* The count-register mask of a REP-prefixed string instruction at la (CX, ECX or RCX by the
 * address size), 0 for any other instruction. */
uint64_t rp_insn_rep_mask(struct rp_cpu *c, uint64_t la)
{
	uint8_t b[15];
	int rep = 0, asize = rp_cpu_mode(c), i;
	if (rp_mmu_read(c, la, b, sizeof(b)) && rp_mmu_read(c, la, b, 4))
		return 0;
	for (i = 0; i < 14; i++) {
		if (b[i] == 0xf3 || b[i] == 0xf2)
			rep = 1;
		else if (b[i] == 0x67)
			asize = asize == 16 ? 32 : asize == 32 ? 16 : 32;
		else if (!(b[i] == 0x66 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x26 ||
			   b[i] == 0x64 || b[i] == 0x65 || (c->mode_cache == 64 && (b[i] & 0xf0) == 0x40)))
			break;
	}
	if (!rep || !((b[i] >= 0x6c && b[i] <= 0x6f) || (b[i] >= 0xa4 && b[i] <= 0xa7) || (b[i] >= 0xaa && b[i] <= 0xaf)))
		return 0;
	return asize == 16 ? 0xffff : asize == 32 ? 0xffffffffull : ~0ull;
}

/*
 * Which exit the instruction at la causes whatever its operands (SDM Vol. 3C, 26.1.2
 * "Instructions That Cause VM Exits Unconditionally", and the controls Retrovisor sets in
 * hv/vm.c: every I/O, MSR, HLT, RDTSC and MONITOR/MWAIT exits). MOV to CR0/CR4 exit only when a
 * host-owned bit changes: reported as CR_ACCESS, checked by the caller only at a recorded exit.
 */
int rp_insn_exit_reason(struct rp_cpu *c, uint64_t la, int *len)
{
	uint8_t b[16] = {0};
	if (rp_mmu_read(c, la, b, sizeof(b)) && rp_mmu_read(c, la, b, 4))
		return -1;
	return rp_insn_exit_reason_bytes(b, rp_cpu_mode(c), len);
}

/* The same from the instruction's bytes (b holds at least 16, zero-padded past its end). */
int rp_insn_exit_reason_bytes(const uint8_t *b, int mode, int *len)
{
	int i = 0;
	for (; i < 14; i++) { /* legacy prefixes, then REX in 64-bit mode */
		uint8_t p = b[i];
		if (p == 0x66 || p == 0x67 || p == 0xf2 || p == 0xf3 || p == 0xf0 || p == 0x2e || p == 0x36 ||
		    p == 0x3e || p == 0x26 || p == 0x64 || p == 0x65)
			continue;
		if (mode == 64 && (p & 0xf0) == 0x40)
			continue;
		break;
	}
	uint8_t op = b[i];
	if (len)
		*len = i + 1;
	if (op == 0xf4)
		return EXIT_REASON_HLT;
	if ((op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef) || (op >= 0x6c && op <= 0x6f))
		return EXIT_REASON_IO_INSTRUCTION;
	if (op == 0x90 && i > 0 && b[i - 1] == 0xf3)
		return EXIT_REASON_PAUSE;
	if (op != 0x0f)
		return -1;
	uint8_t op2 = b[i + 1], modrm = b[i + 2];
	if (len)
		*len = i + 2;
	switch (op2) {
	case 0xa2:
		return EXIT_REASON_CPUID;
	case 0x31:
		return EXIT_REASON_RDTSC;
	case 0x32:
		return EXIT_REASON_RDMSR;
	case 0x30:
		return EXIT_REASON_WRMSR;
	case 0x08:
		return EXIT_REASON_INVD;
	case 0x09:
		return EXIT_REASON_WBINVD;
	case 0x22:
		return EXIT_REASON_CR_ACCESS;
	case 0x78:
		return EXIT_REASON_VMREAD;
	case 0x79:
		return EXIT_REASON_VMWRITE;
	case 0xc7:
		/* RDRAND (/6) and RDSEED (/7, RDPID with F3) with a register operand: they exit where
		 * the CPU allows it (hv/exit_rand.c) */
		if ((modrm >> 6) == 3 && ((modrm >> 3) & 7) == 6)
			return EXIT_REASON_RDRAND;
		if ((modrm >> 6) == 3 && ((modrm >> 3) & 7) == 7 && !(i > 0 && b[i - 1] == 0xf3))
			return EXIT_REASON_RDSEED;
		if ((modrm >> 6) != 3 && ((modrm >> 3) & 7) == 6)
			return i > 0 && b[i - 1] == 0x66 ? EXIT_REASON_VMCLEAR
			       : i > 0 && b[i - 1] == 0xf3 ? EXIT_REASON_VMXON
							   : EXIT_REASON_VMPTRLD;
		if ((modrm >> 6) != 3 && ((modrm >> 3) & 7) == 7)
			return EXIT_REASON_VMPTRST;
		return -1;
	case 0x01:
		if (len)
			*len = i + 3;
		switch (modrm) {
		case 0xc1:
			return EXIT_REASON_VMCALL;
		case 0xc2:
			return EXIT_REASON_VMLAUNCH;
		case 0xc3:
			return EXIT_REASON_VMRESUME;
		case 0xc4:
			return EXIT_REASON_VMXOFF;
		case 0xc8:
			return EXIT_REASON_MONITOR;
		case 0xc9:
			return EXIT_REASON_MWAIT;
		case 0xd1:
			return EXIT_REASON_XSETBV;
		case 0xf9:
			return EXIT_REASON_RDTSCP;
		}
		if ((modrm >> 6) != 3 || ((modrm >> 3) & 7) == 6)
			return ((modrm >> 3) & 7) == 6 ? EXIT_REASON_CR_ACCESS : -1; /* LMSW */
		return -1;
	}
	return -1;
}

/* The reasons rp_insn_exit_reason above returns: the exits of instructions that always exit under
 * Retrovisor (all synchronous, retrovisor/exit_reasons.h; check_replay_fast.c pins both). */
int rp_insn_reason_decoded(unsigned reason)
{
	switch (reason) {
	case EXIT_REASON_CPUID: case EXIT_REASON_HLT: case EXIT_REASON_RDTSC: case EXIT_REASON_RDTSCP:
	case EXIT_REASON_RDMSR: case EXIT_REASON_WRMSR: case EXIT_REASON_VMCALL: case EXIT_REASON_IO_INSTRUCTION:
	case EXIT_REASON_CR_ACCESS: case EXIT_REASON_INVD: case EXIT_REASON_WBINVD: case EXIT_REASON_PAUSE:
	case EXIT_REASON_XSETBV: case EXIT_REASON_MONITOR: case EXIT_REASON_MWAIT: case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH: case EXIT_REASON_VMPTRLD: case EXIT_REASON_VMPTRST: case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME: case EXIT_REASON_VMWRITE: case EXIT_REASON_VMXOFF: case EXIT_REASON_VMXON:
	case EXIT_REASON_RDRAND: case EXIT_REASON_RDSEED:
		return 1;
	}
	return 0;
}
