/*
 * view_text.c - an exit in words: what made the guest exit (with the SDM section that says
 * when it does) and one line of its decoded qualification. The decoding itself is the trace
 * library's (hvt_decode_*); the names are the one exit-reason list's.
 *
 * Sections: Intel SDM Vol. 3C, order no. 325462-080 (June 2023): 26.1.2 instructions that cause
 * VM exits unconditionally, 26.1.3 conditionally (by a VM-execution control), 26.2 other causes;
 * 26.5.1 the VMX-preemption timer; 27.8 VM-entry failures; 29.3.3 EPT-induced VM exits; the
 * exit qualifications are 28.2.1 (Tables 28-1 to 28-7).
 */
#include <stdio.h>
#include <string.h>

#include "view.h"

const char *view_reason_text(unsigned reason)
{
	switch (reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		return "an exception or NMI the exception bitmap intercepts (SDM 3C 26.2)";
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		return "an external interrupt arrived (SDM 3C 26.2)";
	case EXIT_REASON_TRIPLE_FAULT:
		return "the guest triple-faulted (SDM 3C 26.2)";
	case EXIT_REASON_INTERRUPT_WINDOW:
		return "the guest can take interrupts again: interrupt window (SDM 3C 26.2)";
	case EXIT_REASON_TASK_SWITCH:
		return "a task switch (SDM 3C 26.1.2)";
	case EXIT_REASON_CPUID:
		return "CPUID always exits; the hypervisor answers it (SDM 3C 26.1.2)";
	case EXIT_REASON_HLT:
		return "HLT with HLT exiting set (SDM 3C 26.1.3)";
	case EXIT_REASON_INVD:
		return "INVD always exits (SDM 3C 26.1.2)";
	case EXIT_REASON_RDTSC:
	case EXIT_REASON_RDTSCP:
		return "RDTSC(P) with RDTSC exiting set: the time is the recording's (SDM 3C 26.1.3)";
	case EXIT_REASON_VMCALL:
		return "VMCALL always exits: a hypercall (SDM 3C 26.1.2; docs/hypercalls.md)";
	case EXIT_REASON_CR_ACCESS:
		return "MOV to/from CR, CLTS or LMSW under the CR masks (SDM 3C 26.1.3)";
	case EXIT_REASON_IO_INSTRUCTION:
		return "IN/OUT/INS/OUTS with unconditional I/O exiting (SDM 3C 26.1.3)";
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		return "RDMSR/WRMSR under the MSR bitmaps (SDM 3C 26.1.3)";
	case EXIT_REASON_ENTRY_FAIL_GUEST_STATE:
	case EXIT_REASON_ENTRY_FAIL_MSR_LOAD:
	case EXIT_REASON_ENTRY_FAIL_MACHINE_CHECK:
		return "the VM entry failed while loading guest state (SDM 3C 27.8)";
	case EXIT_REASON_PAUSE:
		return "PAUSE with PAUSE exiting set (SDM 3C 26.1.3)";
	case EXIT_REASON_EPT_VIOLATION:
		return "the EPT did not allow the access (SDM 3C 29.3.3)";
	case EXIT_REASON_PREEMPTION_TIMER:
		return "the VMX-preemption timer counted down to 0 (SDM 3C 26.5.1)";
	case EXIT_REASON_WBINVD:
		return "WBINVD with WBINVD exiting set (SDM 3C 26.1.3)";
	case EXIT_REASON_XSETBV:
		return "XSETBV always exits (SDM 3C 26.1.2)";
	case EXIT_REASON_RDRAND:
	case EXIT_REASON_RDSEED:
		return "RDRAND/RDSEED with their exiting controls set (SDM 3C 26.1.3)";
	}
	if (reason >= EXIT_REASON_GETSEC && reason <= EXIT_REASON_VMXON)
		return "a VMX or SMX instruction: always exits (SDM 3C 26.1.2)";
	return "see SDM Vol. 3D, Appendix C and 3C 26.1-26.2";
}

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
