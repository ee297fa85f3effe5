/*
 * names.c - printable names for exit reasons, registers, stop reasons and record types, all
 * taken from the shared lists (include/retrovisor/exit_reasons.h, trace_format.h).
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include "hvtrace.h"
#include "retrovisor/exit_reasons.h"

const char *reason_name(unsigned reason, char *buf, size_t n)
{
	const char *s = exit_reason_name(reason);

	if (s)
		return s;
	snprintf(buf, n, "REASON_%u", reason);
	return buf;
}

int reason_lookup(const char *name)
{
	unsigned v;
	char *end;

#define EXIT_REASON_MATCH(num, nm, family, str, timing) \
	if (!strcasecmp(name, str))             \
		return num;
	EXIT_REASON_LIST(EXIT_REASON_MATCH)
#undef EXIT_REASON_MATCH
	v = (unsigned)strtoul(name, &end, 0);
	if (*name && !*end && v < 128)
		return (int)v;
	if (!strncasecmp(name, "REASON_", 7)) {
		v = (unsigned)strtoul(name + 7, &end, 10);
		if (name[7] && !*end && v < 128)
			return (int)v;
	}
	return -1;
}

static const char *const regs[HVT_NREGS] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8",  "r9",
	"r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags",
};

const char *reg_name(unsigned i)
{
	return i < HVT_NREGS ? regs[i] : "?";
}

const char *post_name(unsigned b)
{
	static const char *const extra[] = { "rflags", "cr0", "cr3", "cr4", "efer" };

	if (b < 16)
		return regs[b];
	return b < HVT_POST_NVALS ? extra[b - 16] : "?";
}

const char *stop_name(unsigned why)
{
	switch (why) {
#define HVT_STOP_CASE(num, name, str) \
	case num:                     \
		return #name;
		HVT_STOP_LIST(HVT_STOP_CASE)
#undef HVT_STOP_CASE
	}
	return "UNKNOWN";
}

const char *record_name(unsigned type)
{
	switch (type) {
	case HVT_REC_EXIT: return "EXIT";
	case HVT_REC_VM_START: return "VM_START";
	case HVT_REC_VM_STOP: return "VM_STOP";
	case HVT_REC_INJECT: return "INJECT";
	case HVT_REC_MEMWRITE: return "MEMWRITE";
	case HVT_REC_SWITCH: return "SWITCH";
	case HVT_REC_NOTE: return "NOTE";
	case HVT_REC_END: return "END";
	}
	return "RECORD";
}
