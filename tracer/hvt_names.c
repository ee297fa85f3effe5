/*
 * hvt_names.c - the printable name of every value of every list a trace holds, each taken from
 * the one list that defines it (exit reasons: retrovisor/exit_reasons.h; hypercalls:
 * retrovisor/hypercall.h; stop reasons and record tags: retrovisor/trace_format.h; registers and
 * post-state: retrovisor/regs.h), with one
 * rule for a value no list knows: "<LIST>_<number>" in the caller's buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "retrovisor/exit_reasons.h"
#include "retrovisor/hvtrace.h"
#include "retrovisor/hypercall.h"
#include "retrovisor/regs.h"

static const char *unknown(const char *list, uint64_t v, char *buf)
{
	snprintf(buf, HVT_NAME_BUF, "%s_%llu", list, (unsigned long long)v);
	return buf;
}

const char *hvt_reason_name(unsigned reason, char *buf)
{
	const char *s = exit_reason_name(reason);
	return s ? s : unknown("REASON", reason, buf);
}

const char *hvt_reason_describe(unsigned reason)
{
	const char *s = exit_reason_describe(reason);
	return s ? s : "not in the list: see SDM Vol. 3D, Appendix C and 3C 26.1-26.2";
}

const char *hvt_hypercall_name(uint64_t nr, char *buf)
{
	const char *s = nr <= 0xffffffffu ? hypercall_name((unsigned)nr) : NULL;
	return s ? s : unknown("HYPERCALL", nr, buf);
}

const char *hvt_stop_reason_name(unsigned why, char *buf)
{
	switch (why) {
#define HVT_STOP_CASE(num, name, str) \
	case num:                     \
		return #name;
		HVT_STOP_LIST(HVT_STOP_CASE)
#undef HVT_STOP_CASE
	}
	return unknown("STOP", why, buf);
}

const char *hvt_stop_text(unsigned why, char *buf)
{
	const char *s = hvt_stop_name(why);
	return s ? s : unknown("STOP", why, buf);
}

const char *hvt_record_name(unsigned type, char *buf)
{
	switch (type) {
	case HVT_REC_EXIT: return "EXIT";
	case HVT_REC_KEYFRAME: return "KEYFRAME";
	case HVT_REC_VM_START: return "VM_START";
	case HVT_REC_VM_STOP: return "VM_STOP";
	case HVT_REC_INJECT: return "INJECT";
	case HVT_REC_MEMWRITE: return "MEMWRITE";
	case HVT_REC_SWITCH: return "SWITCH";
	case HVT_REC_NOTE: return "NOTE";
	case HVT_REC_END: return "END";
	case HVT_REC_POST: return "POST";
	}
	return unknown("RECORD", type, buf);
}

const char *hvt_reg_name(unsigned i, char *buf)
{
	const char *s = rv_reg_name(i);
	return s ? s : unknown("REG", i, buf);
}

const char *hvt_post_name(unsigned b, char *buf)
{
	const char *s = rv_post_name(b);
	return s ? s : unknown("POST", b, buf);
}

int hvt_reason_lookup(const char *name)
{
	unsigned long v;
	char *end;

#define EXIT_REASON_MATCH(num, nm, family, str, timing, desc) \
	if (!strcasecmp(name, str))                      \
		return num;
	EXIT_REASON_LIST(EXIT_REASON_MATCH)
#undef EXIT_REASON_MATCH
	v = strtoul(name, &end, 0);
	if (*name && !*end && v < HVT_REASON_SLOTS)
		return (int)v;
	if (!strncasecmp(name, "REASON_", 7)) {
		v = strtoul(name + 7, &end, 10);
		if (name[7] && !*end && v < HVT_REASON_SLOTS)
			return (int)v;
	}
	return -1;
}
