/*
 * rp_disasm.c - Capstone, the only file that talks to it. One handle per CPU mode, opened on
 * first use and kept: cs_open costs more than disassembling a line.
 */
#include <capstone/capstone.h>
#include <stdio.h>

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
