/*
 * rp_fault.c - faults the guest's CPU raises by itself (no VM exit), where Unicorn 2.0.1 does
 * not raise them as the recording CPU (Bochs 2.7, corei7_skylake_x) did.
 *
 *  - Error codes: Unicorn hands a fault to UC_HOOK_INTR with its vector only. QEMU keeps the
 *    error code it computed (the #PF bits, the selector of a #GP/#NP/#TS/#SS) in its CPU state,
 *    which uc_context_save copies; the offset is found once by calibration runs (faults with
 *    known codes), so the code pushed is QEMU's, which follows SDM Vol. 3A, 6.13 and 4.7.
 *  - Invalid opcodes reach UC_HOOK_INSN_INVALID with RIP not synchronised, and Unicorn stops
 *    if the hook claims them: the hook only notes the #UD, Unicorn returns, and rp_cpu.c
 *    delivers it at the instruction the code hook last saw.
 *  - MOV to CR0/CR4 values the recording CPU refuses with #GP(0) and QEMU accepts (CR4.SMXE on
 *    a CPU without SMX and other reserved CR4 bits, CR4.PAE cleared in IA-32e mode, CR0.NW
 *    without CD, CR0 bits 63:32): checked
 *    in the code hook, only for instructions 3 to 6 bytes long, before they execute.
 *  - FF /3 and FF /5 with a register operand (CALL FAR / JMP FAR reg) and LOCK CMP / CMPS,
 *    invalid encodings (#UD), make QEMU's code generator abort() the whole process while it
 *    translates the block ("tcg fatal error"), before any hook runs for it. Such instructions become Unicorn
 *    "exits" (uc_ctl_set_exits: translation stops before them, emulation returns there) and
 *    the replayer raises the #UD. They are found by scanning guest memory when it is loaded,
 *    and, for code written later, by catching that abort (SIGABRT, siglongjmp back into
 *    rp_cpu.c), decoding the block from its start to the bad instruction and retrying.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/x86_arch.h"
#include "rp_priv.h"

/* ---- QEMU's error code and fault bookkeeping -------------------------------------------- */

/*
 * Offsets in a saved context (uc_context_save) of QEMU's env->error_code and env->old_exception.
 * QEMU keeps the vector of the exception "in flight" in old_exception to turn a second fault
 * into #DF (check_exception), and clears it only when it delivers the event itself, which it
 * never does under a UC_HOOK_INTR hook: left alone, a second #PF after a first one would come
 * out as #DF. So each fault hook clears it, as a completed delivery does.
 */
static long errcode_off = -2, oldexc_off = -1; /* -2: not calibrated yet; -1: not found */
static uint32_t calib_seen;
static size_t calib_size;

static void calib_intr(uc_engine *uc, uint32_t intno, void *user)
{
	uc_context *ctx = user;
	(void)intno;
	if (uc_context_save(uc, ctx) == UC_ERR_OK)
		calib_seen = 1;
	uc_emu_stop(uc);
}

/* One 32-bit engine running code (EAX = 0), the context saved in its first fault. */
static uc_context *calib_run(const uint8_t *code, size_t n)
{
	uc_engine *uc;
	uc_context *ctx = NULL;
	uc_hook h;
	uint64_t zero = 0;
	if (uc_open(UC_ARCH_X86, UC_MODE_32, &uc) != UC_ERR_OK)
		return NULL;
	calib_seen = 0;
	if (uc_mem_map(uc, 0, 0x1000, UC_PROT_ALL) == UC_ERR_OK && uc_mem_write(uc, 0, code, n) == UC_ERR_OK &&
	    uc_context_alloc(uc, &ctx) == UC_ERR_OK && (calib_size = uc_context_size(uc)) > 0 &&
	    uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)calib_intr, ctx, 1, 0) == UC_ERR_OK) {
		uc_reg_write(uc, UC_X86_REG_EAX, &zero);
		uc_emu_start(uc, 0, n, 0, 0);
	}
	if (ctx && !calib_seen) {
		uc_context_free(ctx);
		ctx = NULL;
	}
	uc_close(uc);
	return ctx;
}

static uint32_t at(const uc_context *ctx, size_t o)
{
	uint32_t v;
	memcpy(&v, (const uint8_t *)ctx + o, 4);
	return v;
}

/* #GP(0x1230) and #GP(0x4568) (MOV DS with a selector beyond a GDT limit of 0, EBX = 0) give
 * the error code's offset; #DE (DIV by ECX = 0) against the first gives old_exception's (13
 * after the #GP, 0 after the #DE). The search starts past the general registers. */
static void calibrate(void)
{
	static const uint8_t gp1[] = {0x66, 0xb8, 0x30, 0x12, 0x31, 0xdb, 0x8e, 0xd8, 0xf4};
	static const uint8_t gp2[] = {0x66, 0xb8, 0x68, 0x45, 0x31, 0xdb, 0x8e, 0xd8, 0xf4};
	static const uint8_t de[] = {0x31, 0xc9, 0x31, 0xd2, 0xf7, 0xf1, 0xf4};
	uc_context *a = calib_run(gp1, sizeof(gp1)), *b = calib_run(gp2, sizeof(gp2)), *d = calib_run(de, sizeof(de));
	errcode_off = oldexc_off = -1;
	for (size_t o = 256; a && b && d && o + 4 <= calib_size; o += 4) {
		if (errcode_off < 0 && at(a, o) == 0x1230 && at(b, o) == 0x4568)
			errcode_off = (long)o;
		if (oldexc_off < 0 && at(a, o) == 13 && at(b, o) == 13 && at(d, o) == 0)
			oldexc_off = (long)o;
	}
	if (a)
		uc_context_free(a);
	if (b)
		uc_context_free(b);
	if (d)
		uc_context_free(d);
}

/*
 * EFER.SCE: QEMU's WRMSR (and so Unicorn's register API) drops the bit for every CPU model
 * Unicorn offers, but the guest's EFER must read back as the recording CPU keeps it. The bit
 * is put into QEMU's env->efer directly, at the offset a calibration finds (EFER written as
 * 0x500, then 0x400, in a 64-bit engine); QEMU's SYSRET checks it there.
 */
static long efer_off = -2;

static void calibrate_efer(void)
{
	uc_engine *uc;
	uc_context *a = NULL, *b = NULL;
	efer_off = -1;
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
		return;
	size_t n = uc_context_size(uc);
	uc_x86_msr m = {.rid = MSR_IA32_EFER, .value = EFER_LME | EFER_LMA};
	if (uc_context_alloc(uc, &a) == UC_ERR_OK && uc_context_alloc(uc, &b) == UC_ERR_OK &&
	    uc_reg_write(uc, UC_X86_REG_MSR, &m) == UC_ERR_OK && uc_context_save(uc, a) == UC_ERR_OK) {
		m.value = EFER_LMA;
		if (uc_reg_write(uc, UC_X86_REG_MSR, &m) == UC_ERR_OK && uc_context_save(uc, b) == UC_ERR_OK)
			for (size_t o = 256; o + 8 <= n; o += 8) {
				uint64_t x, y;
				memcpy(&x, (uint8_t *)a + o, 8);
				memcpy(&y, (uint8_t *)b + o, 8);
				if (x == (EFER_LME | EFER_LMA) && y == EFER_LMA) {
					efer_off = (long)o;
					break;
				}
			}
	}
	if (a)
		uc_context_free(a);
	if (b)
		uc_context_free(b);
	uc_close(uc);
}

void rp_fault_set_efer_sce(struct rp_cpu *c, int on)
{
	uint64_t v;
	if (efer_off == -2)
		calibrate_efer();
	if (efer_off < 0 || (!c->ctx_tmp && uc_context_alloc(c->uc, &c->ctx_tmp) != UC_ERR_OK) ||
	    uc_context_save(c->uc, c->ctx_tmp) != UC_ERR_OK)
		return;
	memcpy(&v, (uint8_t *)c->ctx_tmp + efer_off, 8);
	v = on ? v | EFER_SCE : v & ~EFER_SCE;
	memcpy((uint8_t *)c->ctx_tmp + efer_off, &v, 8);
	uc_context_restore(c->uc, c->ctx_tmp);
}

/*
 * The current privilege level: QEMU keeps it in env->hflags (bits 1:0, HF_CPL), which decides
 * whether a MOV SS or a far JMP may load a ring-0 segment. An event delivered from ring 3 to a
 * ring-0 handler (or SYSENTER, SYSCALL) is a move inward that no instruction the engine can
 * run in place performs; so the CPL is set here, then the engine loads SS and CS the usual
 * way at the new level. hflags sits 48 bytes after env->eip in QEMU's CPUX86State (eip,
 * eflags, cc_dst, cc_src, cc_src2, cc_op, df); eip's offset comes from a calibration (two RIP
 * values), and the result is checked against the CPL the API shows before it is changed.
 */
static long hflags_off = -2;

static void calibrate_hflags(void)
{
	uc_engine *uc;
	uc_context *a = NULL, *b = NULL;
	hflags_off = -1;
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
		return;
	size_t n = uc_context_size(uc);
	uint64_t r1 = 0x1234567876543210ull, r2 = 0x0fedcba987654321ull;
	if (uc_context_alloc(uc, &a) == UC_ERR_OK && uc_context_alloc(uc, &b) == UC_ERR_OK &&
	    uc_reg_write(uc, UC_X86_REG_RIP, &r1) == UC_ERR_OK && uc_context_save(uc, a) == UC_ERR_OK &&
	    uc_reg_write(uc, UC_X86_REG_RIP, &r2) == UC_ERR_OK && uc_context_save(uc, b) == UC_ERR_OK)
		for (size_t o = 0; o + 8 <= n; o += 8) {
			uint64_t x, y;
			memcpy(&x, (uint8_t *)a + o, 8);
			memcpy(&y, (uint8_t *)b + o, 8);
			if (x == r1 && y == r2) {
				if (o + 48 + 4 <= n)
					hflags_off = (long)o + 48;
				break;
			}
		}
	if (a)
		uc_context_free(a);
	if (b)
		uc_context_free(b);
	uc_close(uc);
}

int rp_fault_set_cpl(struct rp_cpu *c, unsigned old, unsigned cpl)
{
	uint32_t h;
	if (hflags_off == -2)
		calibrate_hflags();
	if (hflags_off < 0 || (!c->ctx_tmp && uc_context_alloc(c->uc, &c->ctx_tmp) != UC_ERR_OK) ||
	    uc_context_save(c->uc, c->ctx_tmp) != UC_ERR_OK)
		return -1;
	memcpy(&h, (uint8_t *)c->ctx_tmp + hflags_off, 4);
	if ((h & 3) != (old & 3) || !(h & (1u << 7))) /* HF_CPL, HF_PE */
		return -1;
	h = (h & ~3u) | (cpl & 3);
	memcpy((uint8_t *)c->ctx_tmp + hflags_off, &h, 4);
	uc_context_restore(c->uc, c->ctx_tmp);
	return 0;
}

uint32_t rp_fault_intr(struct rp_cpu *c)
{
	uint32_t v = 0;
	if (errcode_off == -2)
		calibrate();
	if (errcode_off < 0 && oldexc_off < 0)
		return 0;
	if (!c->ctx_tmp && uc_context_alloc(c->uc, &c->ctx_tmp) != UC_ERR_OK)
		return 0;
	if (uc_context_save(c->uc, c->ctx_tmp) != UC_ERR_OK)
		return 0;
	if (errcode_off >= 0)
		v = at(c->ctx_tmp, (size_t)errcode_off);
	if (oldexc_off >= 0 && at(c->ctx_tmp, (size_t)oldexc_off) != UINT32_MAX) {
		uint32_t none = UINT32_MAX;
		memcpy((uint8_t *)c->ctx_tmp + oldexc_off, &none, 4);
		uc_context_restore(c->uc, c->ctx_tmp);
	}
	return v;
}

/* ---- instruction bytes ------------------------------------------------------------------- */

/* Legacy prefixes: the same in every mode (REX is not: 0x40-0x4F are INC/DEC outside 64-bit). */
static int legacy_prefix(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3 || b == 0xf0 || b == 0x2e || b == 0x36 || b == 0x3e ||
	       b == 0x26 || b == 0x64 || b == 0x65;
}

/* Bytes of code at linear la: straight from guest memory when paging is off; under paging
 * through the translation of the code page, kept for the run (rp_cpu.c clears it at each run:
 * the guest's tables change within a run only if it rewrites the mapping of its own code). */
int rp_code_bytes(struct rp_cpu *c, uint64_t la, uint8_t *b, unsigned n)
{
	uint64_t pa;
	if (!c->run_pg) {
		la &= 0xffffffffull;
		if (la + n > c->mem_size)
			return -1;
		memcpy(b, c->mem + la, n);
		return 0;
	}
	if ((la & (RP_PAGE - 1)) + n > RP_PAGE)
		return rp_mmu_read(c, la, b, n);
	if (!c->code_page_ok || (la & ~(uint64_t)(RP_PAGE - 1)) != c->code_page_la) {
		if (rp_mmu_translate(c, la & ~(uint64_t)(RP_PAGE - 1), &pa) || pa + RP_PAGE > c->mem_size)
			return rp_mmu_read(c, la, b, n);
		c->code_page_la = la & ~(uint64_t)(RP_PAGE - 1);
		c->code_page_pa = pa;
		c->code_page_ok = 1;
	}
	memcpy(b, c->mem + c->code_page_pa + (la & (RP_PAGE - 1)), n);
	return 0;
}

int rp_opcode_at(const uint8_t *b, unsigned n, int mode64)
{
	for (unsigned i = 0; i < n; i++)
		if (!legacy_prefix(b[i]) && !(mode64 && (b[i] & 0xf0) == 0x40))
			return (int)i;
	return -1;
}

/*
 * Encodings QEMU's code generator aborts on, all of them #UD on the CPU (found by running every
 * opcode and ModRM byte, alone and after LOCK, in each mode):
 *   FF /3, FF /5 with mod = 3: CALL FAR / JMP FAR with a register operand (SDM Vol. 2A, CALL
 *   and JMP: the far forms take a memory operand);
 *   LOCK CMP (38, 39, and 80-83 /7) and LOCK CMPS (A6, A7): CMP is not one of the instructions
 *   LOCK may prefix (SDM Vol. 2A, LOCK: #UD otherwise).
 */
static int qemu_aborts(const uint8_t *b, unsigned n, int mode64)
{
	int i = rp_opcode_at(b, n, mode64), lock = 0;
	if (i < 0 || (unsigned)i + 1 >= n)
		return 0;
	for (int k = 0; k < i; k++)
		lock |= b[k] == 0xf0;
	uint8_t op = b[i], modrm = b[i + 1], reg = modrm >> 3 & 7;
	if (op == 0xff && (modrm & 0xc0) == 0xc0 && (reg == 3 || reg == 5))
		return 1;
	return lock && (op == 0x38 || op == 0x39 || op == 0xa6 || op == 0xa7 || (op >= 0x80 && op <= 0x83 && reg == 7));
}

/* ---- MOV to CR0 / CR4 ---------------------------------------------------------------------- */

/* CR4 bits the recording CPU refuses with #GP(0) (SDM Vol. 3A, 2.5): LA57 (12, no 5-level
 * paging), SMXE (14, no SMX on the model), and the reserved bits 15, 19, 23 and up. */
#define CR4_REFUSED ((1ull << 12) | (1ull << 14) | (1ull << 15) | (1ull << 19) | ~((1ull << 23) - 1))

/* The instruction's bytes in place when they are at hand (no paging, or the code page of this
 * run already translated), else NULL. */
const uint8_t *rp_code_in_place(struct rp_cpu *c, uint64_t la, unsigned n)
{
	if (!c->run_pg) {
		la &= 0xffffffffull;
		return la + n <= c->mem_size ? c->mem + la : NULL;
	}
	if ((la & (RP_PAGE - 1)) + n > RP_PAGE || !c->code_page_ok ||
	    (la & ~(uint64_t)(RP_PAGE - 1)) != c->code_page_la)
		return NULL;
	return c->mem + c->code_page_pa + (la & (RP_PAGE - 1));
}

int rp_fault_check_insn(struct rp_cpu *c, uint64_t la, uint32_t size)
{
	uint8_t b[6];
	if (size < 3 || size > sizeof(b))
		return 0;
	/* This runs before every instruction of 3 to 6 bytes: without the bytes 0F 22 anywhere in
	 * it, it is no MOV to CR (the cheap test first; the prefixes are parsed only then) */
	const uint8_t *p = rp_code_in_place(c, la, size);
	if (p) {
		unsigned i = 0;
		while (i + 1 < size && !(p[i] == 0x0f && p[i + 1] == 0x22))
			i++;
		if (i + 1 >= size)
			return 0;
	}
	if (rp_code_bytes(c, la, b, size))
		return 0;
	int i = rp_opcode_at(b, size, c->run_mode64);
	if (i < 0 || (unsigned)i + 2 >= size || b[i] != 0x0f || b[i + 1] != 0x22)
		return 0;
	unsigned rex = i > 0 && c->run_mode64 && (b[i - 1] & 0xf0) == 0x40 ? b[i - 1] : 0;
	unsigned modrm = b[i + 2], cr = (modrm >> 3 & 7) | (rex & 4 ? 8 : 0), gpr = (modrm & 7) | (rex & 1 ? 8 : 0);
	uint64_t v = rp_cpu_reg(c, gpr);
	if (!c->run_mode64)
		v &= 0xffffffffull;
	/* SDM Vol. 2B, MOV - Move to/from Control Registers, "Protected Mode Exceptions" */
	if (cr == 0 && ((v >> 32) || ((v & CR0_NW) && !(v & CR0_CD))))
		return 13;
	if (cr == 4 && ((v & CR4_REFUSED) || (!(v & CR4_PAE) && (rp_cpu_reg(c, RP_EFER) & EFER_LMA))))
		return 13; /* reserved bits; PAE cleared in IA-32e mode */
	return 0;
}

/* ---- FF /3, FF /5 register forms ----------------------------------------------------------- */

/* 0: added; 1: already a trap; -1: no room, or Unicorn refused the exits. */
static int trap_add(struct rp_cpu *c, uint64_t la)
{
	for (unsigned i = 0; i < c->ntraps; i++)
		if (c->traps[i] == la)
			return 1;
	if (c->ntraps == RP_MAX_TRAPS)
		return -1;
	c->traps[c->ntraps++] = la;
	return uc_ctl_set_exits(c->uc, c->traps, c->ntraps) == UC_ERR_OK ? 0 : -1;
}

int rp_fault_is_trap(struct rp_cpu *c, uint64_t la)
{
	for (unsigned i = 0; i < c->ntraps; i++)
		if (c->traps[i] == la)
			return 1;
	return 0;
}

int rp_fault_trap_is_bad(struct rp_cpu *c, uint64_t la)
{
	uint8_t b[15];
	unsigned n = sizeof(b);
	while (n > 2 && rp_code_bytes(c, la, b, n))
		n--;
	return n > 2 && qemu_aborts(b, n, rp_cpu_mode(c) == 64);
}

void rp_fault_scan(struct rp_cpu *c, uint64_t gpa, uint64_t len)
{
	if (gpa >= c->mem_size)
		return;
	if (len > c->mem_size - gpa)
		len = c->mem_size - gpa;
	for (uint64_t a = gpa; a + 1 < gpa + len; a++) {
		if (c->mem[a] != 0xff && c->mem[a] != 0xf0)
			continue;
		uint8_t b[15] = {0};
		uint64_t n = c->mem_size - a < sizeof(b) ? c->mem_size - a : sizeof(b);
		memcpy(b, c->mem + a, n);
		if (!qemu_aborts(b, (unsigned)n, 0))
			continue;
		/* the instruction may start at any legacy prefix before it */
		uint64_t s = a;
		trap_add(c, a);
		while (s > gpa && a - s < 4 && legacy_prefix(c->mem[s - 1]))
			trap_add(c, --s);
	}
}

/* Unicorn aborted translating the block at the current PC: find the bad instruction in it. */
int rp_fault_after_abort(struct rp_cpu *c)
{
	uint64_t la = rp_cpu_pc(c);
	int mode = rp_cpu_mode(c);
	for (unsigned k = 0; k < 1024; k++) {
		uint8_t b[16];
		char line[128];
		unsigned n = sizeof(b);
		while (n > 0 && rp_code_bytes(c, la, b, n))
			n--;
		if (n < 2)
			return -1;
		if (qemu_aborts(b, n, mode == 64)) /* a trap already there did not stop QEMU: give up */
			return trap_add(c, la) == 0 ? 0 : -1;
		int len = rp_disasm_one(b, n, la, mode, line, sizeof(line));
		if (len <= 0)
			return -1;
		la += (uint64_t)len;
	}
	return -1;
}

/* ---- the abort guard ---------------------------------------------------------------------- */

static _Thread_local sigjmp_buf *guard;

static void on_abort(int sig)
{
	sigjmp_buf *g = guard;
	if (g) {
		guard = NULL;
		siglongjmp(*g, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void rp_fault_guard_install(void)
{
	static int done;
	if (done)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_abort;
	sa.sa_flags = SA_NODEFER; /* left by siglongjmp: the signal must not stay blocked */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, NULL);
	done = 1;
}

void rp_fault_guard_arm(void *jb) { guard = jb; }
