/*
 * regs.h - the names of a VM's registers as every side indexes them: the register file (the
 * trace's order, hv's vm->regs, replay's) and the post-state (what an exit handler left behind).
 *
 * Two lists, two index spaces, one source: both start with the 16 general registers in the x86
 * encoding order (RAX RCX RDX RBX RSP RBP RSI RDI R8-R15, SDM Vol. 2A, 2.1.5, Table 2-2), then
 * differ: register 16 is RIP and 17 RFLAGS, while post-state value 16 is RFLAGS, then CR0, CR3,
 * CR4 and EFER (a handler never sets RIP directly: it skips an instruction length), and last RIP
 * (21), which only the debugger sets (hv/gdb_target.c: a register written while the VM is held
 * at an exit, the trace's POST record). That
 * difference is exactly why nothing outside this header writes an index as a number.
 * The trace format's masks (HVT_POST_*, HVT_EXIT_GPR) and sizes (HVT_NREGS, HVT_POST_NVALS)
 * derive from these lists (trace_format.h); tests/unit/check_arch.c pins every number.
 *
 * Freestanding: static inline, no libc. X(index, NAME, "printable name")
 */
#ifndef RETROVISOR_REGS_H
#define RETROVISOR_REGS_H

#include <stdint.h>

#include "retrovisor/xlist.h"

#define RV_GPR_LIST(X)                                                                              \
	X(0, RAX, "rax") X(1, RCX, "rcx") X(2, RDX, "rdx") X(3, RBX, "rbx") X(4, RSP, "rsp")           \
	X(5, RBP, "rbp") X(6, RSI, "rsi") X(7, RDI, "rdi") X(8, R8, "r8") X(9, R9, "r9")               \
	X(10, R10, "r10") X(11, R11, "r11") X(12, R12, "r12") X(13, R13, "r13") X(14, R14, "r14")      \
	X(15, R15, "r15")

/* The register file: a VM's registers at an exit (trace EXIT/KEYFRAME order, hv vm->regs). */
#define RV_REG_LIST(X) RV_GPR_LIST(X) X(16, RIP, "rip") X(17, RFLAGS, "rflags")

/* The post-state: the values a handler left behind, bit i of a post mask for value i. */
#define RV_POST_LIST(X)                                                                             \
	RV_GPR_LIST(X) X(16, RFLAGS, "rflags") X(17, CR0, "cr0") X(18, CR3, "cr3") X(19, CR4, "cr4")   \
	X(20, EFER, "efer") X(21, RIP, "rip")

enum rv_reg_index {
#define RV_REG_ENUM(num, name, str) RV_REG_##name = (num),
	RV_REG_LIST(RV_REG_ENUM)
#undef RV_REG_ENUM
	RV_NREGS
};
#define RV_NGPRS 16

enum rv_post_index {
#define RV_POST_ENUM(num, name, str) RV_POST_##name = (num),
	RV_POST_LIST(RV_POST_ENUM)
#undef RV_POST_ENUM
	RV_POST_NVALS
};

#define RV_POST_BIT(i) (1u << (i))
#define RV_POST_GPRS_MASK ((1u << RV_NGPRS) - 1) /* the post-state bits that are register-file GPRs */
#define RV_POST_KNOWN_BITS ((1u << RV_POST_NVALS) - 1)

/*
 * One rule for every list's unknown values (as exit_reason_name): the printable name, or NULL
 * when the index is not in the list; the caller prints the number instead.
 */
static inline const char *rv_reg_name(unsigned i)
{
	RV_XLIST_NAME(RV_REG_LIST, i);
}

static inline const char *rv_post_name(unsigned i)
{
	RV_XLIST_NAME(RV_POST_LIST, i);
}

/* The values a handler left behind, indexed by post-state index; only set mask bits are read. */
struct rv_post {
	uint32_t mask;
	uint64_t v[RV_POST_NVALS];
};

/* The post-state index of register-file register r (a debugger's write, recorded as post-state). */
static inline unsigned rv_post_index(unsigned r)
{
	return r < RV_NGPRS ? r : r == RV_REG_RIP ? RV_POST_RIP : RV_POST_RFLAGS;
}

/*
 * rv_post_apply - an exit's post-state onto a register file: the general registers and RFLAGS
 * the mask names take their post-state values, and RIP advances by the instruction length the
 * handler skipped (0: RIP stays, e.g. a fault was injected), or, if the mask names RIP (a
 * debugger moved it), takes that value instead. This is the one place that maps
 * post-state indices onto register indices. CR0, CR3, CR4 and EFER are not in the register
 * file: a caller that models them (replay) reads v[RV_POST_CR0..RV_POST_EFER] itself.
 * The hypervisor, whose handlers write the general registers at once (vm_set_gpr), passes a
 * mask without them; the GPR loop then folds away (inline, no cost on the exit path).
 */
static inline void rv_post_apply(uint64_t regs[RV_NREGS], uint32_t mask, const uint64_t v[RV_POST_NVALS],
				 unsigned insn_len)
{
	for (uint32_t m = mask & RV_POST_GPRS_MASK; m; m &= m - 1) {
		unsigned r = (unsigned)__builtin_ctz(m);
		regs[r] = v[r]; /* GPR r: the same index in both lists */
	}
	if (mask & RV_POST_BIT(RV_POST_RFLAGS))
		regs[RV_REG_RFLAGS] = v[RV_POST_RFLAGS];
	if (mask & RV_POST_BIT(RV_POST_RIP))
		regs[RV_REG_RIP] = v[RV_POST_RIP];
	else
		regs[RV_REG_RIP] += insn_len;
}

#endif
