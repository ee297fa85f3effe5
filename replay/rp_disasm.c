/*
 * rp_disasm.c - Capstone, the only file that talks to it. One handle per CPU mode, opened on
 * first use and kept: cs_open costs more than disassembling a line.
 */
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#include "rp_priv.h"

static csh handles[3];
static int opened[3];

static csh handle(int mode)
{
	int i = mode == 16 ? 0 : mode == 32 ? 1 : 2;
	if (!opened[i]) {
		cs_mode m = i == 0 ? CS_MODE_16 : i == 1 ? CS_MODE_32 : CS_MODE_64;
		if (cs_open(CS_ARCH_X86, m, &handles[i]) != CS_ERR_OK)
			return 0;
		opened[i] = 1;
	}
	return handles[i];
}

/* One instruction at addr: "0x7c12: 0f 32                 rdmsr"; returns its length, or 0. */
int rp_disasm_one(const uint8_t *code, size_t len, uint64_t addr, int mode, char *out, size_t size)
{
	csh h = handle(mode);
	cs_insn *insn;
	char hex[48] = "";
	if (!h || cs_disasm(h, code, len, addr, 1, &insn) != 1) {
		snprintf(out, size, "%#llx: %02x                    (bad)", (unsigned long long)addr, code[0]);
		return 0;
	}
	for (unsigned i = 0, o = 0; i < insn->size && o + 3 < sizeof(hex); i++)
		o += (unsigned)snprintf(hex + o, sizeof(hex) - o, "%02x ", insn->bytes[i]);
	snprintf(out, size, "%#llx: %-21s %s %s", (unsigned long long)addr, hex, insn->mnemonic, insn->op_str);
	int n = insn->size;
	cs_free(insn, 1);
	return n;
}

unsigned rp_disasm(struct rp_session *s, uint64_t la, unsigned n, char *buf, size_t size)
{
	unsigned done = 0;
	size_t used = 0;
	int mode = rp_cpu_mode(&s->cpu);
	if (size)
		buf[0] = 0;
	while (done < n && used + 1 < size) {
		uint8_t code[16];
		char line[128];
		if (rp_mmu_read(&s->cpu, la, code, sizeof(code)))
			break;
		int len = rp_disasm_one(code, sizeof(code), la, mode, line, sizeof(line));
		used += (size_t)snprintf(buf + used, size - used, "%s\n", line);
		if (used >= size)
			used = size - 1;
		done++;
		if (len <= 0)
			break;
		la += (uint64_t)len;
	}
	return done;
}

/* One instruction as a structured line (len 0 when it does not decode: one byte kept). */
static unsigned insn_at(struct rp_session *s, uint64_t la, int mode, struct rp_insn *o)
{
	uint8_t code[16];
	cs_insn *insn;
	csh h = handle(mode);
	memset(o, 0, sizeof(*o));
	o->la = la;
	o->t = s->t;
	if (rp_mmu_read(&s->cpu, la, code, sizeof(code)))
		return 0;
	if (!h || cs_disasm(h, code, sizeof(code), la, 1, &insn) != 1) {
		o->bytes[0] = code[0];
		snprintf(o->mnemonic, sizeof(o->mnemonic), "(bad)");
		return 1;
	}
	o->len = (uint8_t)insn->size;
	memcpy(o->bytes, insn->bytes, insn->size < sizeof(o->bytes) ? insn->size : sizeof(o->bytes));
	snprintf(o->mnemonic, sizeof(o->mnemonic), "%s", insn->mnemonic);
	snprintf(o->operands, sizeof(o->operands), "%s", insn->op_str);
	cs_free(insn, 1);
	return 1;
}

unsigned rp_disasm_lines(struct rp_session *s, uint64_t la, unsigned n, struct rp_insn *out)
{
	int mode = rp_cpu_mode(&s->cpu);
	unsigned done = 0;
	while (done < n && insn_at(s, la, mode, &out[done])) {
		if (!out[done++].len)
			break;
		la += out[done - 1].len;
	}
	return done;
}

/* The instructions before the PC come from replaying the last `before` positions: each is
 * decoded at its own position, in its own mode, from the memory as it was then. */
int rp_disasm_around(struct rp_session *s, unsigned before, unsigned after, struct rp_insn *out, unsigned *n,
		     unsigned *at, struct hvt_err *err)
{
	uint64_t here = s->t, from = here - s->start.icount > before ? here - before : s->start.icount;
	int st;
	*n = *at = 0;
	if (from < here && (st = rp_goto_icount(s, from, err)) != HVT_OK)
		return st < 0 ? st : hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "cannot replay to %llu",
						   (unsigned long long)from);
	while (s->t < here) {
		uint64_t p = s->t;
		*n += insn_at(s, rp_cpu_pc(&s->cpu), rp_cpu_mode(&s->cpu), &out[*n]);
		if ((st = rp_step(s, 1, err)) != HVT_OK || s->t == p)
			return st < 0 ? st : hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "cannot step at %llu",
							   (unsigned long long)p);
	}
	*at = *n;
	*n += rp_disasm_lines(s, rp_cpu_pc(&s->cpu), after, out + *n);
	return HVT_OK;
}

/*
 * Instructions a block must not be counted over whole (rp_block.c): the replay's per-instruction
 * hook handles each of them, and only that hook can.
 *   - every instruction that always exits under Retrovisor (rp_insn_exit_reason_bytes: CPUID,
 *     I/O, HLT, MOV to CR, MSRs, VMX, ...): a replay lands before it, and one met without a
 *     recorded exit must stop at its own address;
 *   - string instructions: with REP, one instruction runs as many (Bochs counts each iteration,
 *     QEMU re-enters the block once more at the end: hook_code);
 *   - software interrupts, whose return address is past them (hook_intr tells them by the PC);
 *   - what changes the mode or the segments' meaning: far JMP, CALL and RET, IRET, SYSCALL and
 *     friends, descriptor-table and task-register loads, MOV to and from DR, LMSW, CLTS,
 *     INVLPG, SWAPGS; and #UD by definition (UD0, UD2).
 */
static int needs_hook(const cs_insn *in, int mode)
{
	uint8_t b[16] = {0};
	memcpy(b, in->bytes, in->size < sizeof(b) ? in->size : sizeof(b));
	if (rp_insn_exit_reason_bytes(b, mode, NULL) >= 0)
		return 1;
	int i = rp_opcode_at(b, in->size, mode == 64);
	if (i < 0)
		return 1;
	uint8_t op = b[i];
	if ((op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) || (op >= 0x6c && op <= 0x6f))
		return 1;
	if (op == 0x0f && b[i + 1] >= 0x20 && b[i + 1] <= 0x23)
		return 1;
	switch (in->id) {
	case X86_INS_INT: case X86_INS_INT1: case X86_INS_INT3: case X86_INS_INTO:
	case X86_INS_IRET: case X86_INS_IRETD: case X86_INS_IRETQ:
	case X86_INS_LJMP: case X86_INS_LCALL: case X86_INS_RETF: case X86_INS_RETFQ:
	case X86_INS_SYSCALL: case X86_INS_SYSENTER: case X86_INS_SYSEXIT: case X86_INS_SYSRET:
	case X86_INS_LGDT: case X86_INS_LIDT: case X86_INS_LLDT: case X86_INS_LTR: case X86_INS_LMSW:
	case X86_INS_CLTS: case X86_INS_INVLPG: case X86_INS_SWAPGS: case X86_INS_RSM: case X86_INS_GETSEC:
	case X86_INS_UD0: case X86_INS_UD2: case X86_INS_INVPCID: case X86_INS_INVEPT: case X86_INS_INVVPID:
	case X86_INS_VMFUNC:
		return 1;
	}
	return 0;
}

int rp_disasm_block(const uint8_t *code, size_t len, uint64_t addr, int mode, uint64_t pc, long *index,
		    struct rp_blk_shape *o)
{
	csh h = handle(mode);
	cs_insn *in;
	const uint8_t *p = code;
	size_t left = len;
	uint64_t a = addr;
	memset(o, 0, sizeof(*o));
	if (index)
		*index = -1;
	if (!h || !(in = cs_malloc(h)))
		return -1;
	while (left && cs_disasm_iter(h, &p, &left, &a, in)) {
		if (index && in->address == pc)
			*index = o->n;
		o->last_off = (unsigned)(in->address - addr);
		o->n++;
		o->special |= needs_hook(in, mode);
	}
	cs_free(in, 1);
	return left || !o->n ? -1 : 0;
}
