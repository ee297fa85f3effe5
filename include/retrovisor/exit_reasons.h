/*
 * exit_reasons.h - the one list of VMX basic exit reasons.
 *
 * SDM Vol. 3D, Appendix C "VMX Basic Exit Reasons" (Intel SDM, order no. 325462-080, June 2023).
 * Every component includes this list and derives what it needs from it: the hypervisor its
 * handler table (the third column names the handler family, see hv/exit.c), hvtrace/hvreplay/hvview
 * the printable names. Add a reason here and all of them learn it. "unexpected" marks the exits
 * the hypervisor never provokes (no exception is intercepted, the physical PIC is masked, ...):
 * they dump the VMCS and stop the VM.
 *
 * X(number, NAME, handler family, "printable name")
 */
#ifndef RETROVISOR_EXIT_REASONS_H
#define RETROVISOR_EXIT_REASONS_H

#define EXIT_REASON_LIST(X)                                                     \
	X(0, EXCEPTION_NMI, unexpected, "EXCEPTION_NMI")                        \
	X(1, EXTERNAL_INTERRUPT, unexpected, "EXTERNAL_INTERRUPT")              \
	X(2, TRIPLE_FAULT, triple_fault, "TRIPLE_FAULT")                        \
	X(3, INIT_SIGNAL, unexpected, "INIT_SIGNAL")                            \
	X(4, SIPI, unexpected, "SIPI")                                          \
	X(5, IO_SMI, unexpected, "IO_SMI")                                      \
	X(6, OTHER_SMI, unexpected, "OTHER_SMI")                                \
	X(7, INTERRUPT_WINDOW, intr_window, "INTERRUPT_WINDOW")                 \
	X(8, NMI_WINDOW, unexpected, "NMI_WINDOW")                              \
	X(9, TASK_SWITCH, unexpected, "TASK_SWITCH")                            \
	X(10, CPUID, cpuid, "CPUID")                                            \
	X(11, GETSEC, undefined_insn, "GETSEC")                                 \
	X(12, HLT, hlt, "HLT")                                                  \
	X(13, INVD, skip_insn, "INVD")                                          \
	X(14, INVLPG, unexpected, "INVLPG")                                     \
	X(15, RDPMC, unexpected, "RDPMC")                                       \
	X(16, RDTSC, rdtsc, "RDTSC")                                            \
	X(17, RSM, undefined_insn, "RSM")                                       \
	X(18, VMCALL, vmcall, "VMCALL")                                         \
	X(19, VMCLEAR, undefined_insn, "VMCLEAR")                               \
	X(20, VMLAUNCH, undefined_insn, "VMLAUNCH")                             \
	X(21, VMPTRLD, undefined_insn, "VMPTRLD")                               \
	X(22, VMPTRST, undefined_insn, "VMPTRST")                               \
	X(23, VMREAD, undefined_insn, "VMREAD")                                 \
	X(24, VMRESUME, undefined_insn, "VMRESUME")                             \
	X(25, VMWRITE, undefined_insn, "VMWRITE")                               \
	X(26, VMXOFF, undefined_insn, "VMXOFF")                                 \
	X(27, VMXON, undefined_insn, "VMXON")                                   \
	X(28, CR_ACCESS, cr_access, "CR_ACCESS")                                \
	X(29, DR_ACCESS, unexpected, "DR_ACCESS")                               \
	X(30, IO_INSTRUCTION, io, "IO_INSTRUCTION")                             \
	X(31, RDMSR, rdmsr, "RDMSR")                                            \
	X(32, WRMSR, wrmsr, "WRMSR")                                            \
	X(33, ENTRY_FAIL_GUEST_STATE, entry_fail, "ENTRY_FAIL_GUEST_STATE")     \
	X(34, ENTRY_FAIL_MSR_LOAD, entry_fail, "ENTRY_FAIL_MSR_LOAD")           \
	X(36, MWAIT, undefined_insn, "MWAIT")                                   \
	X(37, MONITOR_TRAP_FLAG, unexpected, "MONITOR_TRAP_FLAG")               \
	X(39, MONITOR, undefined_insn, "MONITOR")                               \
	X(40, PAUSE, skip_insn, "PAUSE")                                        \
	X(41, ENTRY_FAIL_MACHINE_CHECK, entry_fail, "ENTRY_FAIL_MACHINE_CHECK") \
	X(43, TPR_BELOW_THRESHOLD, unexpected, "TPR_BELOW_THRESHOLD")           \
	X(44, APIC_ACCESS, unexpected, "APIC_ACCESS")                           \
	X(45, VIRTUALIZED_EOI, unexpected, "VIRTUALIZED_EOI")                   \
	X(46, GDTR_IDTR, unexpected, "GDTR_IDTR")                               \
	X(47, LDTR_TR, unexpected, "LDTR_TR")                                   \
	X(48, EPT_VIOLATION, ept_violation, "EPT_VIOLATION")                    \
	X(49, EPT_MISCONFIG, unexpected, "EPT_MISCONFIG")                       \
	X(50, INVEPT, undefined_insn, "INVEPT")                                 \
	X(51, RDTSCP, rdtsc, "RDTSCP")                                          \
	X(52, PREEMPTION_TIMER, preemption_timer, "PREEMPTION_TIMER")           \
	X(53, INVVPID, undefined_insn, "INVVPID")                               \
	X(54, WBINVD, skip_insn, "WBINVD")                                      \
	X(55, XSETBV, xsetbv, "XSETBV")                                         \
	X(56, APIC_WRITE, unexpected, "APIC_WRITE")                             \
	X(57, RDRAND, rand, "RDRAND")                                           \
	X(58, INVPCID, unexpected, "INVPCID")                                   \
	X(59, VMFUNC, undefined_insn, "VMFUNC")                                 \
	X(60, ENCLS, undefined_insn, "ENCLS")                                   \
	X(61, RDSEED, rand, "RDSEED")                                           \
	X(62, PML_FULL, unexpected, "PML_FULL")                                 \
	X(63, XSAVES, unexpected, "XSAVES")                                     \
	X(64, XRSTORS, unexpected, "XRSTORS")                                   \
	X(66, SPP_EVENT, unexpected, "SPP_EVENT")                               \
	X(67, UMWAIT, unexpected, "UMWAIT")                                     \
	X(68, TPAUSE, unexpected, "TPAUSE")

enum exit_reason {
#define EXIT_REASON_ENUM(num, name, family, str) EXIT_REASON_##name = (num),
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
#define EXIT_REASON_CASE(num, name, family, str) \
	case (num):                              \
		return str;
		EXIT_REASON_LIST(EXIT_REASON_CASE)
#undef EXIT_REASON_CASE
	}
	return 0;
}

#endif
