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
