/*
 * view_text.c - one line of an exit's decoded qualification. The decoding itself is the trace
 * library's (hvt_decode_*); the names and the words on what causes each exit (with its SDM
 * section) are the one exit-reason list's (hvt_reason_describe()).
 *
 * The exit qualifications: Intel SDM Vol. 3C, order no. 325462-080 (June 2023), 28.2.1 (Tables
 * 28-1 to 28-7).
 */
#include <stdio.h>
#include <string.h>

#include "view.h"

void view_exit_line(char *buf, size_t n, unsigned reason, uint64_t qual, uint64_t gpa, const uint64_t *regs)
{
	struct hvt_io io;
	struct hvt_cr cr;
	struct hvt_ept ept;
	char nb[HVT_NAME_BUF];
	buf[0] = 0;
	if (!regs)
		return;
	if (hvt_decode_io(reason, qual, regs, &io)) {
		int k = snprintf(buf, n, "%s%s%s port %#x, %u byte%s", io.rep ? "rep " : "", io.in ? "in" : "out",
				 io.string ? "s" : "", io.port, io.size, io.size == 1 ? "" : "s");
		if (io.has_value && k > 0 && (size_t)k < n) {
			unsigned c = (unsigned)(io.value & 0xff);
			if (io.size == 1 && c >= 0x20 && c < 0x7f && c != '\\')
				snprintf(buf + k, n - k, ": %#llx '%c'", (unsigned long long)io.value, c);
			else
				snprintf(buf + k, n - k, ": %#llx", (unsigned long long)io.value);
		}
	} else if (hvt_decode_cr(reason, qual, regs, &cr)) {
		static const char *const t[] = {"mov to", "mov from", "clts", "lmsw"};
		char g[HVT_NAME_BUF];
		if (cr.type == VMX_CR_MOV_TO)
			snprintf(buf, n, "mov to cr%u from %s: %#llx", cr.cr, hvt_reg_name(cr.gpr, g),
				 (unsigned long long)cr.value);
		else if (cr.type == VMX_CR_MOV_FROM)
			snprintf(buf, n, "mov from cr%u to %s", cr.cr, hvt_reg_name(cr.gpr, g));
		else
			snprintf(buf, n, "%s %#llx", t[cr.type & 3], (unsigned long long)cr.value);
	} else if (hvt_decode_ept(reason, qual, gpa, &ept))
		snprintf(buf, n, "gpa %#llx: %s%s%s, allowed %s%s%s", (unsigned long long)ept.gpa,
			 ept.access & VMX_EPT_READ ? "r" : "", ept.access & VMX_EPT_WRITE ? "w" : "",
			 ept.access & VMX_EPT_FETCH ? "x" : "", ept.allowed & VMX_EPT_READ ? "r" : "-",
			 ept.allowed & VMX_EPT_WRITE ? "w" : "-", ept.allowed & VMX_EPT_FETCH ? "x" : "-");
	else if (reason == EXIT_REASON_VMCALL)
		snprintf(buf, n, "hypercall %s", hvt_hypercall_name(regs[RV_REG_RAX], nb));
	else if (reason == EXIT_REASON_CPUID)
		snprintf(buf, n, "leaf %#llx subleaf %#llx", (unsigned long long)(regs[RV_REG_RAX] & 0xffffffff),
			 (unsigned long long)(regs[RV_REG_RCX] & 0xffffffff));
	else if (reason == EXIT_REASON_RDMSR)
		snprintf(buf, n, "msr %#llx", (unsigned long long)(regs[RV_REG_RCX] & 0xffffffff));
	else if (reason == EXIT_REASON_WRMSR)
		snprintf(buf, n, "msr %#llx <- %#llx", (unsigned long long)(regs[RV_REG_RCX] & 0xffffffff),
			 (unsigned long long)((regs[RV_REG_RDX] & 0xffffffff) << 32 | (regs[RV_REG_RAX] & 0xffffffff)));
	else if (qual)
		snprintf(buf, n, "qualification %#llx", (unsigned long long)qual);
}
