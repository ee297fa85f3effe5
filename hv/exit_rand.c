/*
 * exit_rand.c - RDRAND and RDSEED, made to exit ("RDRAND exiting", secondary control bit 11,
 * and "RDSEED exiting", bit 16, SDM Vol. 3C, 25.6.2; exit reasons 57 and 61) and answered here,
 * so that a recording is reproducible: two runs of the same guest read the same numbers, and
 * each value reaches the trace as the exit's post-state (replay reads it back).
 *
 * Each VM draws from its own xorshift64 sequence (the project's one generator, include/retrovisor/xorshift.h)
 * seeded from its id: deterministic without depending on the order in which VMs run, and with
 * nothing taken from the host, so a re-recording is byte-identical (tests/system/determinism.sh).
 * It is not entropy: lab guests need reproducibility, not secrets.
 *
 * The instruction-information field (SDM Vol. 3C, 28.2.5, "RDRAND, RDSEED, TPAUSE, and UMWAIT"):
 * bits 6:3 the destination register, bits 12:11 the operand size (0: 16, 1: 32, 2: 64 bits).
 * The result (SDM Vol. 2B, RDRAND / RDSEED): CF = 1 (a value is ready), OF = SF = ZF = AF = PF
 * = 0; a 16-bit destination keeps bits 63:16 of the register, a 32-bit one zero-extends.
 */
#include "retrovisor/xorshift.h"
#include "exit.h"
#include "vmcs.h"
#include "x86.h"

#define RFLAGS_ARITH 0x8d5u /* OF, SF, ZF, AF, PF, CF */

static uint64_t state[HVT_MAX_VMS];

void exit_rand(struct vm *vm)
{
	uint32_t info = vmcs_read32(VMX_INSTRUCTION_INFO);
	unsigned reg = info >> 3 & 15, size = info >> 11 & 3;
	uint64_t *s = &state[(unsigned)vm->id % HVT_MAX_VMS];

	if (!*s)
		*s = 0x9e3779b97f4a7c15ull * (uint64_t)(vm->id + 1); /* never 0 */
	uint64_t v = xorshift64(s), old = vm->regs[reg];
	if (size == 0)
		v = (old & ~0xffffull) | (v & 0xffff);
	else if (size == 1)
		v = (uint32_t)v;
	vm_set_gpr(vm, reg, v);
	vm->post.mask |= HVT_POST_RFLAGS;
	vm->post.v[RV_POST_RFLAGS] = (vm->regs[HVT_REG_RFLAGS] & ~(uint64_t)RFLAGS_ARITH) | RFLAGS_CF;
	vm_skip_insn(vm);
}
