/*
 * capture.h - the one codec for the capture stream's words (trace_format.h, "the capture
 * stream"): the hypervisor writes them (hv/trace.c, hv/vm_run.c), the converter reads them
 * (tracer/hvt_capture.c), and the unit tests and the fuzz seeds forge them. Each encoder has
 * its decoder beside it; nothing else shifts a capture word. Freestanding: static inline.
 */
#ifndef RETROVISOR_CAPTURE_H
#define RETROVISOR_CAPTURE_H

#include <stdint.h>

#include "retrovisor/regs.h"
#include "retrovisor/trace_format.h"

/*
 * An EXIT word's "follows" bits, as one 19-bit set (the word's bits 16-34 shifted down): bit i
 * for register i of the register file (RV_REG_*: GPRs, RIP = 16, RFLAGS = 17), bit 18 for the
 * qualification. The hypervisor collects exactly this set while it reads the VMCS.
 */
#define HVT_CAP_FOLLOW_REG(i) (1u << (i))
#define HVT_CAP_FOLLOW_QUAL (1u << RV_NREGS)
#define HVT_CAP_FOLLOW_BITS ((1u << (RV_NREGS + 1)) - 1)
_Static_assert(HVT_CAP_GPR(RV_REG_RIP) == HVT_CAP_RIP, "capture: RIP follows at the register's bit");
_Static_assert(HVT_CAP_GPR(RV_REG_RFLAGS) == HVT_CAP_RFLAGS, "capture: RFLAGS follows at the register's bit");
_Static_assert((uint64_t)HVT_CAP_FOLLOW_QUAL << HVT_CAP_GPR_SHIFT == HVT_CAP_QUAL, "capture: qualification bit");
#define HVT_CAP_POST_BITS 22 /* bits 35-56 */
_Static_assert(RV_POST_NVALS <= HVT_CAP_POST_BITS, "capture: the post-state mask fits its field");

/* The order of an EXIT record's register words: the world switch's (RSP is read from the VMCS
 * after the GPRs it saved itself), then RIP and RFLAGS. k-th word -> register index. */
static inline unsigned hvt_cap_follow_reg(unsigned k)
{
	static const unsigned char order[RV_NREGS] = {
		RV_REG_RAX, RV_REG_RCX, RV_REG_RDX, RV_REG_RBX, RV_REG_RBP, RV_REG_RSI,
		RV_REG_RDI, RV_REG_R8,  RV_REG_R9,  RV_REG_R10, RV_REG_R11, RV_REG_R12,
		RV_REG_R13, RV_REG_R14, RV_REG_R15, RV_REG_RSP, RV_REG_RIP, RV_REG_RFLAGS,
	};
	return order[k];
}

/* Word 0 of any record: its kind (enum hvt_cap_kind) in bits 0-3. */
static inline unsigned hvt_cap_kind(uint64_t w0) { return (unsigned)(w0 & HVT_CAP_KIND_MASK); }

/* VM_START, SWITCH: the VM in bits 8-15. */
static inline uint64_t hvt_cap_vm_word(unsigned kind, unsigned vm) { return kind | (uint64_t)(vm & 0xff) << 8; }
static inline unsigned hvt_cap_vm(uint64_t w0) { return (unsigned)(w0 >> 8 & 0xff); }

/* VM_STOP: the VM in bits 8-15, the HVT_STOP_* reason in bits 16-23. */
static inline uint64_t hvt_cap_stop_word(unsigned vm, unsigned why)
{
	return hvt_cap_vm_word(HVT_CAP_VM_STOP, vm) | (uint64_t)(why & 0xff) << 16;
}
static inline unsigned hvt_cap_stop_why(uint64_t w0) { return (unsigned)(w0 >> 16 & 0xff); }

/* INJECT (the interruption information), MEMWRITE and NOTE (the length): bits 32-63. */
static inline uint64_t hvt_cap_hi_word(unsigned kind, uint32_t v) { return kind | (uint64_t)v << 32; }
static inline uint32_t hvt_cap_hi(uint64_t w0) { return (uint32_t)(w0 >> 32); }

/*
 * EXIT: reason (basic, < 128), instruction length, follows set (HVT_CAP_FOLLOW_*), post-state
 * mask, GPA. len must be below 16 (an x86 instruction has at most 15 bytes, SDM Vol. 2A,
 * 2.3.11): it is not masked, which keeps an instruction off the hypervisor's exit path. The
 * hypervisor passes has_gpa = 0 and ORs HVT_CAP_GPA where it appends the address (one test).
 */
static inline uint64_t hvt_cap_exit_word(unsigned reason, unsigned len, uint32_t follow, uint32_t post_mask,
					 int has_gpa)
{
	return HVT_CAP_EXIT | (uint64_t)(reason & 0x7f) << HVT_CAP_REASON_SHIFT | (uint64_t)len << HVT_CAP_LEN_SHIFT |
	       (uint64_t)follow << HVT_CAP_GPR_SHIFT | (uint64_t)post_mask << HVT_CAP_POST_SHIFT |
	       (has_gpa ? HVT_CAP_GPA : 0);
}
static inline unsigned hvt_cap_exit_reason(uint64_t w0) { return (unsigned)(w0 >> HVT_CAP_REASON_SHIFT & 0x7f); }
static inline unsigned hvt_cap_exit_len(uint64_t w0) { return (unsigned)(w0 >> HVT_CAP_LEN_SHIFT & 0xf); }
static inline uint32_t hvt_cap_exit_follow(uint64_t w0)
{
	return (uint32_t)(w0 >> HVT_CAP_GPR_SHIFT) & HVT_CAP_FOLLOW_BITS;
}
static inline uint32_t hvt_cap_exit_post(uint64_t w0)
{
	return (uint32_t)(w0 >> HVT_CAP_POST_SHIFT) & ((1u << HVT_CAP_POST_BITS) - 1);
}
/* POST: the post-state mask in EXIT's field (hvt_cap_exit_post reads it back). */
static inline uint64_t hvt_cap_post_word(uint32_t post_mask)
{
	return HVT_CAP_POST | (uint64_t)post_mask << HVT_CAP_POST_SHIFT;
}
static inline int hvt_cap_exit_has_gpa(uint64_t w0) { return (w0 & HVT_CAP_GPA) != 0; }

#endif
