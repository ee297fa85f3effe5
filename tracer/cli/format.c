/*
 * format.c - one line per event, with the exit qualification decoded as the SDM defines it.
 *
 * Exit qualification layouts: SDM Vol. 3C, 28.2.1 "Basic VM-Exit Information" (order no.
 * 325462-080, June 2023), tables "Exit Qualification for Control-Register Accesses", "... for
 * MOV DR", "... for I/O Instructions", "... for Task Switches", "... for APIC-Access VM Exits"
 * and "... for EPT Violations". Interruption information: Vol. 3C, 25.8.3 (VM-entry controls
 * for event injection). Where the qualification says nothing (CPUID, RDMSR, VMCALL, ...) the
 * registers at the exit carry the operands, and the post-state carries the results.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hvtrace.h"
#include "retrovisor/exit_reasons.h"

struct out {
	char *buf;
	size_t n, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->len >= o->n)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->buf + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->len = o->len + (size_t)k < o->n ? o->len + (size_t)k : o->n - 1;
}

static uint64_t reg(const struct hvt_event *ev, unsigned i)
{
	return ev->regs ? ev->regs[i] : 0;
}

static void io_detail(struct out *o, const struct hvt_event *ev)
{
	static const char *const acc[] = { "?", "al", "ax", "?", "eax" };
	struct hvt_io d;

	hvt_decode_io(ev->reason, ev->qual, ev->regs, &d);
	put(o, "%s port=%#x size=%u%s%s%s", d.in ? "in" : "out", d.port, d.size, d.string ? " string" : "",
	    d.rep ? " rep" : "", d.imm ? " imm" : " dx");
	if (d.has_value)
		put(o, " %s=%#llx", acc[d.size], (unsigned long long)d.value);
}

static void cr_detail(struct out *o, const struct hvt_event *ev)
{
	char nb[HVT_NAME_BUF];
	struct hvt_cr d;

	hvt_decode_cr(ev->reason, ev->qual, ev->regs, &d);
	switch (d.type) {
	case VMX_CR_MOV_TO:
		put(o, "mov cr%u, %s (%#llx)", d.cr, hvt_reg_name(d.gpr, nb), (unsigned long long)d.value);
		break;
	case VMX_CR_MOV_FROM:
		put(o, "mov %s, cr%u", hvt_reg_name(d.gpr, nb), d.cr);
		break;
	case VMX_CR_CLTS:
		put(o, "clts");
		break;
	default:
		put(o, "lmsw %#x (%s operand)", (unsigned)d.value, d.lmsw_mem ? "memory" : "register");
	}
}

static void ept_detail(struct out *o, const struct hvt_event *ev)
{
	struct hvt_ept d;

	hvt_decode_ept(ev->reason, ev->qual, ev->gpa, &d);
	put(o, "gpa=%#llx access=%c%c%c page=%c%c%c", (unsigned long long)d.gpa, d.access & VMX_EPT_READ ? 'r' : '-',
	    d.access & VMX_EPT_WRITE ? 'w' : '-', d.access & VMX_EPT_FETCH ? 'x' : '-',
	    d.allowed & VMX_EPT_READ ? 'r' : '-', d.allowed & VMX_EPT_WRITE ? 'w' : '-',
	    d.allowed & VMX_EPT_FETCH ? 'x' : '-');
	if (d.linear_valid)
		put(o, " linear%s", d.translated ? "" : " (paging-structure walk)");
	if (d.nmi_unblocking)
		put(o, " nmi-unblocking");
}

size_t format_exit_detail(char *buf, size_t n, const struct hvt_event *ev)
{
	struct out o = { buf, n, 0 };
	uint64_t q = ev->qual;
	char nb[HVT_NAME_BUF];

	buf[0] = 0;
	switch (ev->reason) {
	case EXIT_REASON_IO_INSTRUCTION:
		io_detail(&o, ev);
		break;
	case EXIT_REASON_CR_ACCESS:
		cr_detail(&o, ev);
		break;
	case EXIT_REASON_DR_ACCESS: {
		struct hvt_dr d;
		hvt_decode_dr(ev->reason, q, &d);
		put(&o, "mov %s dr%u, %s", d.from ? "from" : "to", d.dr, hvt_reg_name(d.gpr, nb));
		break;
	}
	case EXIT_REASON_EPT_VIOLATION:
		ept_detail(&o, ev);
		break;
	case EXIT_REASON_EPT_MISCONFIG:
		put(&o, "gpa=%#llx", (unsigned long long)ev->gpa);
		break;
	case EXIT_REASON_CPUID:
		put(&o, "leaf=%#llx subleaf=%#llx", (unsigned long long)(reg(ev, RV_REG_RAX) & 0xffffffff),
		    (unsigned long long)(reg(ev, RV_REG_RCX) & 0xffffffff));
		break;
	case EXIT_REASON_RDMSR:
		put(&o, "msr=%#llx", (unsigned long long)(reg(ev, RV_REG_RCX) & 0xffffffff));
		break;
	case EXIT_REASON_WRMSR:
		put(&o, "msr=%#llx value=%#llx", (unsigned long long)(reg(ev, RV_REG_RCX) & 0xffffffff),
		    (unsigned long long)((reg(ev, RV_REG_RDX) << 32) | (reg(ev, RV_REG_RAX) & 0xffffffff)));
		break;
	case EXIT_REASON_XSETBV:
		put(&o, "xcr%llu value=%#llx", (unsigned long long)(reg(ev, RV_REG_RCX) & 0xffffffff),
		    (unsigned long long)((reg(ev, RV_REG_RDX) << 32) | (reg(ev, RV_REG_RAX) & 0xffffffff)));
		break;
	case EXIT_REASON_VMCALL:
		put(&o, "hypercall=%s(%llu) rbx=%#llx rcx=%#llx rdx=%#llx", hvt_hypercall_name(reg(ev, RV_REG_RAX) & 0xffffffff, nb),
		    (unsigned long long)(reg(ev, RV_REG_RAX) & 0xffffffff), (unsigned long long)reg(ev, RV_REG_RBX),
		    (unsigned long long)reg(ev, RV_REG_RCX), (unsigned long long)reg(ev, RV_REG_RDX));
		break;
	case EXIT_REASON_TASK_SWITCH: {
		static const char *const src[] = { "call", "iret", "jmp", "idt-gate" };
		struct hvt_task_switch d;
		hvt_decode_task_switch(ev->reason, q, &d);
		put(&o, "selector=%#x via %s", d.selector, src[d.source]);
		break;
	}
	case EXIT_REASON_INVLPG:
		put(&o, "linear=%#llx", (unsigned long long)q);
		break;
	case EXIT_REASON_APIC_ACCESS: {
		struct hvt_apic_access d;
		hvt_decode_apic_access(ev->reason, q, &d);
		put(&o, "offset=%#x type=%u", d.offset, d.type);
		break;
	}
	default:
		if (q)
			put(&o, "qual=%#llx", (unsigned long long)q);
		if (ev->has_gpa)
			put(&o, "%sgpa=%#llx", q ? " " : "", (unsigned long long)ev->gpa);
	}
	return o.len;
}

size_t format_inject(char *buf, size_t n, uint32_t info, uint32_t err)
{
	struct out o = { buf, n, 0 };
	char nb[HVT_NAME_BUF];
	struct hvt_intr d;

	buf[0] = 0;
	hvt_decode_intr(info, err, &d);
	put(&o, "vector=%u type=%s", d.vector, hvt_intr_type_name(d.type, nb));
	if (d.has_error)
		put(&o, " error=%#x", d.error);
	if (!d.valid)
		put(&o, " (not valid)");
	return o.len;
}

static void post_detail(struct out *o, const struct hvt_event *ev)
{
	char nb[HVT_NAME_BUF];

	if (ev->post_mask) {
		put(o, "  ->");
		for (unsigned b = 0; b < HVT_POST_NVALS; b++)
			if (ev->post_mask >> b & 1)
				put(o, " %s=%#llx", hvt_post_name(b, nb), (unsigned long long)ev->post[b]);
	}
	if (ev->insn_len)
		put(o, "%s rip+=%u", ev->post_mask ? "" : "  ->", ev->insn_len);
}

size_t format_event(char *buf, size_t n, const struct hvt_event *ev)
{
	struct out o = { buf, n, 0 };
	char name[HVT_NAME_BUF], detail[256];

	buf[0] = 0;
	if (ev->vm == HVT_NO_VMID)
		put(&o, "%10llu  -- %14s ", (unsigned long long)ev->num, "-");
	else
		put(&o, "%10llu vm%-2u %14llu ", (unsigned long long)ev->num, ev->vm, (unsigned long long)ev->icount);
	switch (ev->type) {
	case HVT_REC_EXIT:
		format_exit_detail(detail, sizeof(detail), ev);
		put(&o, "%-20s rip=%#llx  %s", hvt_reason_name(ev->reason, name),
		    (unsigned long long)reg(ev, HVT_REG_RIP), detail);
		post_detail(&o, ev);
		break;
	case HVT_REC_VM_START:
		put(&o, "%-20s rip=%#llx rflags=%#llx cr0=%#llx cr3=%#llx cr4=%#llx efer=%#llx cs=%#x", "VM_START",
		    (unsigned long long)ev->start->rip, (unsigned long long)ev->start->rflags,
		    (unsigned long long)ev->start->cr0, (unsigned long long)ev->start->cr3,
		    (unsigned long long)ev->start->cr4, (unsigned long long)ev->start->efer,
		    ev->start->seg[HVT_SEG_CS].sel);
		if (ev->len >= sizeof(*ev->start)) /* minor 2: the x87/SSE state */
			put(&o, " fcw=%#x fsw=%#x ftw=%#x mxcsr=%#x xcr0=%#llx", ev->start->fcw, ev->start->fsw,
			    ev->start->ftw, ev->start->mxcsr, (unsigned long long)ev->start->xcr0);
		break;
	case HVT_REC_VM_STOP:
		put(&o, "%-20s %s status=%#llx detail=%#llx", "VM_STOP", hvt_stop_reason_name(ev->stop_why, name),
		    (unsigned long long)ev->status, (unsigned long long)ev->detail);
		break;
	case HVT_REC_INJECT:
		format_inject(detail, sizeof(detail), ev->inject_info, ev->inject_err);
		put(&o, "%-20s %s", "INJECT", detail);
		break;
	case HVT_REC_MEMWRITE:
		put(&o, "%-20s gpa=%#llx len=%u ", "MEMWRITE", (unsigned long long)ev->gpa, ev->len);
		for (uint32_t i = 0; i < ev->len && i < 16; i++)
			put(&o, "%02x", ev->data[i]);
		if (ev->len > 16)
			put(&o, "...");
		break;
	case HVT_REC_SWITCH:
		put(&o, "%-20s -> vm%u", "SWITCH", ev->target);
		break;
	case HVT_REC_NOTE:
		put(&o, "%-20s \"", "NOTE");
		for (uint32_t i = 0; i < ev->len && o.len + 8 < o.n; i++) {
			uint8_t c = ev->data[i];
			if (c >= 32 && c < 127 && c != '"' && c != '\\')
				put(&o, "%c", c);
			else
				put(&o, "\\x%02x", c);
		}
		put(&o, "\"");
		break;
	case HVT_REC_END:
		put(&o, "%-20s status=%#llx", "END", (unsigned long long)ev->status);
		break;
	case HVT_REC_POST: /* a debugger's register writes */
		put(&o, "%-20s", "POST");
		post_detail(&o, ev);
		break;
	}
	return o.len;
}
