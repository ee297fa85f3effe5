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
 * X(number, NAME, handler family, "printable name", sync | async)
 */
#ifndef RETROVISOR_EXIT_REASONS_H
#define RETROVISOR_EXIT_REASONS_H

#define EXIT_REASON_LIST(X)                                                            \
	X(0, EXCEPTION_NMI, exception, "EXCEPTION_NMI", async)                         \
	X(1, EXTERNAL_INTERRUPT, unexpected, "EXTERNAL_INTERRUPT", async)              \
	X(2, TRIPLE_FAULT, triple_fault, "TRIPLE_FAULT", async)                        \
	X(3, INIT_SIGNAL, unexpected, "INIT_SIGNAL", async)                            \
	X(4, SIPI, unexpected, "SIPI", async)                                          \
	X(5, IO_SMI, unexpected, "IO_SMI", async)                                      \
	X(6, OTHER_SMI, unexpected, "OTHER_SMI", async)                                \
	X(7, INTERRUPT_WINDOW, intr_window, "INTERRUPT_WINDOW", async)                 \
	X(8, NMI_WINDOW, unexpected, "NMI_WINDOW", async)                              \
	X(9, TASK_SWITCH, unexpected, "TASK_SWITCH", sync)                             \
	X(10, CPUID, cpuid, "CPUID", sync)                                             \
	X(11, GETSEC, undefined_insn, "GETSEC", sync)                                  \
	X(12, HLT, hlt, "HLT", sync)                                                   \
	X(13, INVD, skip_insn, "INVD", sync)                                           \
	X(14, INVLPG, unexpected, "INVLPG", sync)                                      \
	X(15, RDPMC, unexpected, "RDPMC", sync)                                        \
	X(16, RDTSC, rdtsc, "RDTSC", sync)                                             \
	X(17, RSM, undefined_insn, "RSM", sync)                                        \
	X(18, VMCALL, vmcall, "VMCALL", sync)                                          \
	X(19, VMCLEAR, undefined_insn, "VMCLEAR", sync)                                \
	X(20, VMLAUNCH, undefined_insn, "VMLAUNCH", sync)                              \
	X(21, VMPTRLD, undefined_insn, "VMPTRLD", sync)                                \
	X(22, VMPTRST, undefined_insn, "VMPTRST", sync)                                \
	X(23, VMREAD, undefined_insn, "VMREAD", sync)                                  \
	X(24, VMRESUME, undefined_insn, "VMRESUME", sync)                              \
	X(25, VMWRITE, undefined_insn, "VMWRITE", sync)                                \
	X(26, VMXOFF, undefined_insn, "VMXOFF", sync)                                  \
	X(27, VMXON, undefined_insn, "VMXON", sync)                                    \
	X(28, CR_ACCESS, cr_access, "CR_ACCESS", sync)                                 \
	X(29, DR_ACCESS, unexpected, "DR_ACCESS", sync)                                \
	X(30, IO_INSTRUCTION, io, "IO_INSTRUCTION", sync)                              \
	X(31, RDMSR, rdmsr, "RDMSR", sync)                                             \
	X(32, WRMSR, wrmsr, "WRMSR", sync)                                             \
	X(33, ENTRY_FAIL_GUEST_STATE, entry_fail, "ENTRY_FAIL_GUEST_STATE", async)     \
	X(34, ENTRY_FAIL_MSR_LOAD, entry_fail, "ENTRY_FAIL_MSR_LOAD", async)           \
	X(36, MWAIT, undefined_insn, "MWAIT", sync)                                    \
	X(37, MONITOR_TRAP_FLAG, unexpected, "MONITOR_TRAP_FLAG", async)               \
	X(39, MONITOR, undefined_insn, "MONITOR", sync)                                \
	X(40, PAUSE, skip_insn, "PAUSE", sync)                                         \
	X(41, ENTRY_FAIL_MACHINE_CHECK, entry_fail, "ENTRY_FAIL_MACHINE_CHECK", async) \
	X(43, TPR_BELOW_THRESHOLD, unexpected, "TPR_BELOW_THRESHOLD", async)           \
	X(44, APIC_ACCESS, unexpected, "APIC_ACCESS", sync)                            \
	X(45, VIRTUALIZED_EOI, unexpected, "VIRTUALIZED_EOI", async)                   \
	X(46, GDTR_IDTR, unexpected, "GDTR_IDTR", sync)                                \
	X(47, LDTR_TR, unexpected, "LDTR_TR", sync)                                    \
	X(48, EPT_VIOLATION, ept_violation, "EPT_VIOLATION", sync)                     \
	X(49, EPT_MISCONFIG, unexpected, "EPT_MISCONFIG", sync)                        \
	X(50, INVEPT, undefined_insn, "INVEPT", sync)                                  \
	X(51, RDTSCP, rdtsc, "RDTSCP", sync)                                           \
	X(52, PREEMPTION_TIMER, preemption_timer, "PREEMPTION_TIMER", async)           \
	X(53, INVVPID, undefined_insn, "INVVPID", sync)                                \
	X(54, WBINVD, skip_insn, "WBINVD", sync)                                       \
	X(55, XSETBV, xsetbv, "XSETBV", sync)                                          \
	X(56, APIC_WRITE, unexpected, "APIC_WRITE", sync)                              \
	X(57, RDRAND, rand, "RDRAND", sync)                                            \
	X(58, INVPCID, unexpected, "INVPCID", sync)                                    \
	X(59, VMFUNC, undefined_insn, "VMFUNC", sync)                                  \
	X(60, ENCLS, undefined_insn, "ENCLS", sync)                                    \
	X(61, RDSEED, rand, "RDSEED", sync)                                            \
	X(62, PML_FULL, unexpected, "PML_FULL", async)                                 \
	X(63, XSAVES, unexpected, "XSAVES", sync)                                      \
	X(64, XRSTORS, unexpected, "XRSTORS", sync)                                    \
	X(66, SPP_EVENT, unexpected, "SPP_EVENT", sync)                                \
	X(67, UMWAIT, unexpected, "UMWAIT", sync)                                      \
	X(68, TPAUSE, unexpected, "TPAUSE", sync)

#define EXIT_TIMING_sync 0
#define EXIT_TIMING_async 1

enum exit_reason {
#define EXIT_REASON_ENUM(num, name, family, str, timing) EXIT_REASON_##name = (num),
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
#define EXIT_REASON_CASE(num, name, family, str, timing) \
	case (num):                              \
		return str;
		EXIT_REASON_LIST(EXIT_REASON_CASE)
#undef EXIT_REASON_CASE
	}
	return 0;
}

/* 1 if the reason is asynchronous (last column of the list): no instruction length, RIP kept. */
static inline int exit_reason_async(unsigned reason)
{
	switch (reason) {
#define EXIT_REASON_ASYNC(num, name, family, str, timing) \
	case (num):                                       \
		return EXIT_TIMING_##timing;
		EXIT_REASON_LIST(EXIT_REASON_ASYNC)
#undef EXIT_REASON_ASYNC
	}
	return 0;
}

#endif
