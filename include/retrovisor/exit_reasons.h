/*
 * exit_reasons.h - the one list of VMX basic exit reasons.
 *
 * SDM Vol. 3D, Appendix C "VMX Basic Exit Reasons" (Intel SDM, order no. 325462-080, June 2023).
 * Every component includes this list and derives what it needs from it: the hypervisor its
 * handler table (the third column names the handler family, see hv/exit.c), hvtrace/hvreplay/hvview
 * the printable names. Add a reason here and all of them learn it. "unexpected" marks the exits
 * the hypervisor never provokes (the physical PIC is masked, ...): they dump the VMCS and stop
 * the VM. "exception" is the exception bitmap's exit: only the live debugger intercepts an
 * exception (#DB, hv/gdb.h); any other one takes the "unexpected" path.
 *
 * The last column says when the exit happens. "sync": an instruction caused it and the exit
 * happens at that instruction (its VM-exit instruction length is defined, SDM Vol. 3C, 28.2.5,
 * and the handler may advance RIP past it). "async": an event outside the instruction stream
 * (an interrupt, a window opening, the preemption timer, a failed entry, a triple fault, and
 * the exceptions and NMIs that Retrovisor never intercepts): no instruction length, and RIP is
 * never advanced, so a trace holding one with a length contradicts itself (tracer/hvt_bounds.c).
 *
 * The sixth column says in one line what makes the exit happen, with the SDM section that says
 * so (Intel SDM Vol. 3C, order no. 325462-080: 26.1.2 instructions that exit unconditionally,
 * 26.1.3 conditionally, by a VM-execution control; 26.2 other causes; 26.5 the preemption timer
 * and the monitor trap flag; 27.8 VM-entry failures; 29.3.3 EPT-induced exits; Vol. 3D,
 * Appendix C for the rest). hvview's "Why this exit" panel and hvreplay's "monitor explain"
 * print it (hvt_reason_describe()). The hypervisor never calls exit_reason_describe(), so the
 * strings stay out of its image.
 *
 * X(number, NAME, handler family, "printable name", sync | async, "what causes it (SDM section)")
 */
#ifndef RETROVISOR_EXIT_REASONS_H
#define RETROVISOR_EXIT_REASONS_H

#define EXIT_REASON_LIST(X)                                                                         \
	X(0, EXCEPTION_NMI, exception, "EXCEPTION_NMI", async,                                      \
	  "an exception or NMI the exception bitmap intercepts (SDM 3C 26.2)")                      \
	X(1, EXTERNAL_INTERRUPT, unexpected, "EXTERNAL_INTERRUPT", async,                           \
	  "an external interrupt arrived (SDM 3C 26.2)")                                            \
	X(2, TRIPLE_FAULT, triple_fault, "TRIPLE_FAULT", async,                                     \
	  "the guest triple-faulted (SDM 3C 26.2)")                                                 \
	X(3, INIT_SIGNAL, unexpected, "INIT_SIGNAL", async,                                         \
	  "an INIT signal arrived (SDM 3C 26.2)")                                                   \
	X(4, SIPI, unexpected, "SIPI", async,                                                       \
	  "a start-up IPI arrived in the wait-for-SIPI state (SDM 3C 26.2)")                        \
	X(5, IO_SMI, unexpected, "IO_SMI", async,                                                   \
	  "an SMI right after an I/O instruction, dual-monitor SMM only (SDM 3C 26.2)")             \
	X(6, OTHER_SMI, unexpected, "OTHER_SMI", async,                                             \
	  "an SMI, dual-monitor SMM only (SDM 3C 26.2)")                                            \
	X(7, INTERRUPT_WINDOW, intr_window, "INTERRUPT_WINDOW", async,                              \
	  "the guest can take interrupts again: interrupt window (SDM 3C 26.2)")                    \
	X(8, NMI_WINDOW, unexpected, "NMI_WINDOW", async,                                           \
	  "the guest can take NMIs again: NMI window (SDM 3C 26.2)")                                \
	X(9, TASK_SWITCH, unexpected, "TASK_SWITCH", sync,                                          \
	  "a task switch: never allowed in VMX non-root operation (SDM 3C 26.2)")                   \
	X(10, CPUID, cpuid, "CPUID", sync,                                                          \
	  "CPUID always exits; the hypervisor answers it (SDM 3C 26.1.2)")                          \
	X(11, GETSEC, undefined_insn, "GETSEC", sync,                                               \
	  "GETSEC always exits (SDM 3C 26.1.2)")                                                    \
	X(12, HLT, hlt, "HLT", sync,                                                                \
	  "HLT with HLT exiting set (SDM 3C 26.1.3)")                                               \
	X(13, INVD, skip_insn, "INVD", sync,                                                        \
	  "INVD always exits (SDM 3C 26.1.2)")                                                      \
	X(14, INVLPG, unexpected, "INVLPG", sync,                                                   \
	  "INVLPG with INVLPG exiting set (SDM 3C 26.1.3)")                                         \
	X(15, RDPMC, unexpected, "RDPMC", sync,                                                     \
	  "RDPMC with RDPMC exiting set (SDM 3C 26.1.3)")                                           \
	X(16, RDTSC, rdtsc, "RDTSC", sync,                                                          \
	  "RDTSC(P) with RDTSC exiting set: the time is the recording's (SDM 3C 26.1.3)")           \
	X(17, RSM, undefined_insn, "RSM", sync,                                                     \
	  "RSM in SMM (SDM 3C 26.1.3)")                                                             \
	X(18, VMCALL, vmcall, "VMCALL", sync,                                                       \
	  "VMCALL always exits: a hypercall (SDM 3C 26.1.2; docs/hypercalls.md)")                   \
	X(19, VMCLEAR, undefined_insn, "VMCLEAR", sync,                                             \
	  "a VMX instruction: always exits (SDM 3C 26.1.2)")                                        \
	X(20, VMLAUNCH, undefined_insn, "VMLAUNCH", sync,                                           \
	  "a VMX instruction: always exits (SDM 3C 26.1.2)")                                        \
	X(21, VMPTRLD, undefined_insn, "VMPTRLD", sync,                                             \
	  "a VMX instruction: always exits (SDM 3C 26.1.2)")                                        \
	X(22, VMPTRST, undefined_insn, "VMPTRST", sync,                                             \
	  "a VMX instruction: always exits (SDM 3C 26.1.2)")                                        \
	X(23, VMREAD, undefined_insn, "VMREAD", sync,                                               \
	  "VMREAD: exits unless VMCS shadowing lets it through (SDM 3C 26.1.3)")                    \
	X(24, VMRESUME, undefined_insn, "VMRESUME", sync,                                           \
	  "a VMX instruction: always exits (SDM 3C 26.1.2)")                                        \
	X(25, VMWRITE, undefined_insn, "VMWRITE", sync,                                             \
	  "VMWRITE: exits unless VMCS shadowing lets it through (SDM 3C 26.1.3)")                   \
	X(26, VMXOFF, undefined_insn, "VMXOFF", sync,                                               \
	  "a VMX instruction: always exits (SDM 3C 26.1.2)")                                        \
	X(27, VMXON, undefined_insn, "VMXON", sync,                                                 \
	  "a VMX instruction: always exits (SDM 3C 26.1.2)")                                        \
	X(28, CR_ACCESS, cr_access, "CR_ACCESS", sync,                                              \
	  "MOV to/from CR, CLTS or LMSW under the CR masks (SDM 3C 26.1.3)")                        \
	X(29, DR_ACCESS, unexpected, "DR_ACCESS", sync,                                             \
	  "MOV to/from DR with MOV-DR exiting set (SDM 3C 26.1.3)")                                 \
	X(30, IO_INSTRUCTION, io, "IO_INSTRUCTION", sync,                                           \
	  "IN/OUT/INS/OUTS with unconditional I/O exiting (SDM 3C 26.1.3)")                         \
	X(31, RDMSR, rdmsr, "RDMSR", sync,                                                          \
	  "RDMSR/WRMSR under the MSR bitmaps (SDM 3C 26.1.3)")                                      \
	X(32, WRMSR, wrmsr, "WRMSR", sync,                                                          \
	  "RDMSR/WRMSR under the MSR bitmaps (SDM 3C 26.1.3)")                                      \
	X(33, ENTRY_FAIL_GUEST_STATE, entry_fail, "ENTRY_FAIL_GUEST_STATE", async,                  \
	  "the VM entry failed while loading guest state (SDM 3C 27.8)")                            \
	X(34, ENTRY_FAIL_MSR_LOAD, entry_fail, "ENTRY_FAIL_MSR_LOAD", async,                        \
	  "the VM entry failed while loading the VM-entry MSR-load area (SDM 3C 27.8)")             \
	X(36, MWAIT, undefined_insn, "MWAIT", sync,                                                 \
	  "MWAIT with MWAIT exiting set (SDM 3C 26.1.3)")                                           \
	X(37, MONITOR_TRAP_FLAG, unexpected, "MONITOR_TRAP_FLAG", async,                            \
	  "monitor trap flag: the guest took one step (SDM 3C 26.5.2)")                             \
	X(39, MONITOR, undefined_insn, "MONITOR", sync,                                             \
	  "MONITOR with MONITOR exiting set (SDM 3C 26.1.3)")                                       \
	X(40, PAUSE, skip_insn, "PAUSE", sync,                                                      \
	  "PAUSE with PAUSE exiting set (SDM 3C 26.1.3)")                                           \
	X(41, ENTRY_FAIL_MACHINE_CHECK, entry_fail, "ENTRY_FAIL_MACHINE_CHECK", async,              \
	  "a machine-check event during VM entry (SDM 3C 27.8)")                                    \
	X(43, TPR_BELOW_THRESHOLD, unexpected, "TPR_BELOW_THRESHOLD", async,                        \
	  "the virtual TPR fell below the TPR threshold (SDM 3D App. C)")                           \
	X(44, APIC_ACCESS, unexpected, "APIC_ACCESS", sync,                                         \
	  "an access to the APIC-access page (SDM 3D App. C)")                                      \
	X(45, VIRTUALIZED_EOI, unexpected, "VIRTUALIZED_EOI", async,                                \
	  "EOI virtualization of a vector in the EOI-exit bitmap (SDM 3D App. C)")                  \
	X(46, GDTR_IDTR, unexpected, "GDTR_IDTR", sync,                                             \
	  "LGDT/LIDT/SGDT/SIDT with descriptor-table exiting set (SDM 3C 26.1.3)")                  \
	X(47, LDTR_TR, unexpected, "LDTR_TR", sync,                                                 \
	  "LLDT/LTR/SLDT/STR with descriptor-table exiting set (SDM 3C 26.1.3)")                    \
	X(48, EPT_VIOLATION, ept_violation, "EPT_VIOLATION", sync,                                  \
	  "the EPT did not allow the access (SDM 3C 29.3.3)")                                       \
	X(49, EPT_MISCONFIG, unexpected, "EPT_MISCONFIG", sync,                                     \
	  "an EPT paging-structure entry is misconfigured (SDM 3C 29.3.3)")                         \
	X(50, INVEPT, undefined_insn, "INVEPT", sync,                                               \
	  "a VMX instruction: always exits (SDM 3C 26.1.2)")                                        \
	X(51, RDTSCP, rdtsc, "RDTSCP", sync,                                                        \
	  "RDTSC(P) with RDTSC exiting set: the time is the recording's (SDM 3C 26.1.3)")           \
	X(52, PREEMPTION_TIMER, preemption_timer, "PREEMPTION_TIMER", async,                        \
	  "the VMX-preemption timer counted down to 0 (SDM 3C 26.5.1)")                             \
	X(53, INVVPID, undefined_insn, "INVVPID", sync,                                             \
	  "a VMX instruction: always exits (SDM 3C 26.1.2)")                                        \
	X(54, WBINVD, skip_insn, "WBINVD", sync,                                                    \
	  "WBINVD with WBINVD exiting set (SDM 3C 26.1.3)")                                         \
	X(55, XSETBV, xsetbv, "XSETBV", sync,                                                       \
	  "XSETBV always exits (SDM 3C 26.1.2)")                                                    \
	X(56, APIC_WRITE, unexpected, "APIC_WRITE", sync,                                           \
	  "a write to the virtual-APIC page that needs emulation (SDM 3D App. C)")                  \
	X(57, RDRAND, rand, "RDRAND", sync,                                                         \
	  "RDRAND/RDSEED with their exiting controls set (SDM 3C 26.1.3)")                          \
	X(58, INVPCID, unexpected, "INVPCID", sync,                                                 \
	  "INVPCID with INVLPG exiting set (SDM 3C 26.1.3)")                                        \
	X(59, VMFUNC, undefined_insn, "VMFUNC", sync,                                               \
	  "VMFUNC of a function that is not enabled (SDM 3D App. C)")                               \
	X(60, ENCLS, undefined_insn, "ENCLS", sync,                                                 \
	  "ENCLS with ENCLS exiting set (SDM 3C 26.1.3)")                                           \
	X(61, RDSEED, rand, "RDSEED", sync,                                                         \
	  "RDRAND/RDSEED with their exiting controls set (SDM 3C 26.1.3)")                          \
	X(62, PML_FULL, unexpected, "PML_FULL", async,                                              \
	  "the page-modification log is full (SDM 3D App. C)")                                      \
	X(63, XSAVES, unexpected, "XSAVES", sync,                                                   \
	  "XSAVES/XRSTORS under the XSS-exiting bitmap (SDM 3C 26.1.3)")                            \
	X(64, XRSTORS, unexpected, "XRSTORS", sync,                                                 \
	  "XSAVES/XRSTORS under the XSS-exiting bitmap (SDM 3C 26.1.3)")                            \
	X(66, SPP_EVENT, unexpected, "SPP_EVENT", sync,                                             \
	  "a sub-page write-permission event (SDM 3D App. C)")                                      \
	X(67, UMWAIT, unexpected, "UMWAIT", sync,                                                   \
	  "UMWAIT/TPAUSE with RDTSC exiting set (SDM 3C 26.1.3)")                                   \
	X(68, TPAUSE, unexpected, "TPAUSE", sync,                                                   \
	  "UMWAIT/TPAUSE with RDTSC exiting set (SDM 3C 26.1.3)")

#define EXIT_TIMING_sync 0
#define EXIT_TIMING_async 1

enum exit_reason {
#define EXIT_REASON_ENUM(num, name, family, str, timing, desc) EXIT_REASON_##name = (num),
	EXIT_REASON_LIST(EXIT_REASON_ENUM)
#undef EXIT_REASON_ENUM
	EXIT_REASON_MAX = 69 /* one past the largest basic reason above */
};

/* Bits of the exit-reason field beyond the basic reason (SDM Vol. 3C, 25.9.1). */
#define EXIT_REASON_BASIC_MASK 0xffffu
#define EXIT_REASON_ENTRY_FAIL (1u << 31) /* VM-entry failure */

/*
 * exit_reason_name - printable name of a basic exit reason, or NULL when the number is not in
 * the list (callers print the number instead). Usable freestanding and hosted.
 */
static inline const char *exit_reason_name(unsigned reason)
{
	switch (reason) {
#define EXIT_REASON_CASE(num, name, family, str, timing, desc) \
	case (num):                              \
		return str;
		EXIT_REASON_LIST(EXIT_REASON_CASE)
#undef EXIT_REASON_CASE
	}
	return 0;
}

/* What causes the exit, with its SDM section (sixth column), or NULL when the number is not in the list. */
static inline const char *exit_reason_describe(unsigned reason)
{
	switch (reason) {
#define EXIT_REASON_DESC(num, name, family, str, timing, desc) \
	case (num):                                            \
		return desc;
		EXIT_REASON_LIST(EXIT_REASON_DESC)
#undef EXIT_REASON_DESC
	}
	return 0;
}

/* 1 if the reason is asynchronous (fifth column of the list): no instruction length, RIP kept. */
static inline int exit_reason_async(unsigned reason)
{
	switch (reason) {
#define EXIT_REASON_ASYNC(num, name, family, str, timing, desc) \
	case (num):                                       \
		return EXIT_TIMING_##timing;
		EXIT_REASON_LIST(EXIT_REASON_ASYNC)
#undef EXIT_REASON_ASYNC
	}
	return 0;
}

#endif
