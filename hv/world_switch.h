/*
 * world_switch.h - entering the guest and coming back: the VMX world switch, as inline
 * assembly for the exit loop in vm_run.c (the only file that includes this).
 */
#ifndef HV_WORLD_SWITCH_H
#define HV_WORLD_SWITCH_H

#include <stddef.h>
#include <stdint.h>

#include "vm.h"
#include "vmcs.h"

extern char vmx_exit_entry[], vmx_exit_entry_traced[]; /* also in vm_impl.h, for vm_vmcs.c */

/*
 * The world switch: load the guest's general registers from vm->regs (x86 order; RSP comes from
 * the VMCS), enter with VMLAUNCH (first time) or VMRESUME, and at the next VM exit store them
 * back. It returns 0 after an exit, 1 for VMfailInvalid (CF=1) and 2 for VMfailValid (ZF=1, the
 * reason in VM_INSTRUCTION_ERROR) when the entry itself fails.
 *
 * A VM exit loads RSP and RIP from the VMCS host-state area (SDM Vol. 3C, 28.5.1): HOST_RSP is
 * written just before entry with the stack pointer whose top holds the regs pointer, and
 * HOST_RIP is the exit label of one of the two variants below, chosen when the VMCS is built.
 * Everything else the host needs (CR3, segments, GDTR/IDTR/TR, EFER, PAT) the processor reloads
 * from the host-state area. Every general register but RSP belongs to the guest in between, so
 * all are clobbered; RBP is saved by hand because the compiler may use it as the frame pointer.
 *
 * Outside long mode R8-R15 cannot be read or written (they need a REX prefix, SDM Vol. 1,
 * 3.4.1.1), so for a VM not in long mode they are neither loaded nor stored: what the guest
 * cannot see stays as it is in vm->regs, and is loaded at its first entry in long mode.
 *
 * Two exit paths. Untraced, every register is stored. Traced, each is compared with vm->regs
 * (its value at the entry) and only one that changed is stored, noted in *changed (bit i for
 * regs[i]) and appended at *capture: that is the capture's EXIT record (trace_format.h) being written while
 * the values are still in registers, for two instructions per register.
 *
 * It is inline assembly, not a called routine, so that the exit loop around it keeps its own
 * registers in its frame for the whole slice instead of saving and restoring the callee-saved
 * registers on every exit. Each variant exists once (its exit label is a global symbol).
 */
#define WS_ENTER                                                                                  \
	"push %%rbp\n\t"                                                                          \
	"push %%rdi\n\t"                                                                          \
	"mov %[host_rsp], %%ecx\n\t"                                                              \
	"vmwrite %%rsp, %%rcx\n\t"                                                                \
	"cmpb $0, %c[lm](%%rdi)\n\t"                                                              \
	"je 4f\n\t"                                                                               \
	"mov 8*8(%%rdi), %%r8\n\t"                                                                \
	"mov 9*8(%%rdi), %%r9\n\t"                                                                \
	"mov 10*8(%%rdi), %%r10\n\t"                                                              \
	"mov 11*8(%%rdi), %%r11\n\t"                                                              \
	"mov 12*8(%%rdi), %%r12\n\t"                                                              \
	"mov 13*8(%%rdi), %%r13\n\t"                                                              \
	"mov 14*8(%%rdi), %%r14\n\t"                                                              \
	"mov 15*8(%%rdi), %%r15\n"                                                                \
	"4:\t"                                                                                    \
	"test %%eax, %%eax\n\t" /* the MOVs below leave the flags alone */                       \
	"mov 0*8(%%rdi), %%rax\n\t"                                                               \
	"mov 1*8(%%rdi), %%rcx\n\t"                                                               \
	"mov 2*8(%%rdi), %%rdx\n\t"                                                               \
	"mov 3*8(%%rdi), %%rbx\n\t"                                                               \
	"mov 5*8(%%rdi), %%rbp\n\t"                                                               \
	"mov 6*8(%%rdi), %%rsi\n\t"                                                               \
	"mov 7*8(%%rdi), %%rdi\n\t"                                                               \
	"jnz 1f\n\t"                                                                              \
	"vmlaunch\n\t"                                                                            \
	"jmp 2f\n"                                                                                \
	"1:\tvmresume\n"                                                                          \
	"2:\t" /* still here: the entry failed before loading guest state */                      \
	"pop %%rdi\n\t"                                                                           \
	"pop %%rbp\n\t"                                                                           \
	"mov $1, %%eax\n\t"                                                                       \
	"jc 3f\n\t"                                                                               \
	"mov $2, %%eax\n\t"                                                                       \
	"jmp 3f\n"

#define WS_OPERANDS                                                                               \
	: [host_rsp] "i"(HOST_RSP), [lm] "i"(offsetof(struct vm, long_mode) - offsetof(struct vm, regs)) \
	: "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory"

static inline __attribute__((always_inline)) int world_switch(uint64_t *regs, int launched)
{
	unsigned long r = (unsigned long)launched;

	__asm__ volatile(WS_ENTER
			 ".global vmx_exit_entry\n"
			 "vmx_exit_entry:\n\t"
			 "push %%rdi\n\t"
			 "mov 8(%%rsp), %%rdi\n\t"
			 "mov %%rax, 0*8(%%rdi)\n\t"
			 "mov %%rcx, 1*8(%%rdi)\n\t"
			 "mov %%rdx, 2*8(%%rdi)\n\t"
			 "mov %%rbx, 3*8(%%rdi)\n\t"
			 "mov %%rbp, 5*8(%%rdi)\n\t"
			 "mov %%rsi, 6*8(%%rdi)\n\t"
			 "popq 7*8(%%rdi)\n\t"
			 "cmpb $0, %c[lm](%%rdi)\n\t"
			 "je 5f\n\t"
			 "mov %%r8, 8*8(%%rdi)\n\t"
			 "mov %%r9, 9*8(%%rdi)\n\t"
			 "mov %%r10, 10*8(%%rdi)\n\t"
			 "mov %%r11, 11*8(%%rdi)\n\t"
			 "mov %%r12, 12*8(%%rdi)\n\t"
			 "mov %%r13, 13*8(%%rdi)\n\t"
			 "mov %%r14, 14*8(%%rdi)\n\t"
			 "mov %%r15, 15*8(%%rdi)\n"
			 "5:\t"
			 "pop %%rdi\n\t"
			 "pop %%rbp\n\t"
			 "xor %%eax, %%eax\n"
			 "3:"
			 : "+a"(r), "+D"(regs)
			 WS_OPERANDS);
	return (int)r;
}

/* Traced: one register, compared; if it changed, stored, noted and appended at %P (the pointer). */
#define WS_CHECK(reg, i, ptr, l)                                                                  \
	"cmp %%" reg ", " #i "*8(%%rdi)\n\t"                                                      \
	"jne " #l "0f\n"                                                                          \
	#l "1:\t"                                                                                 \
	".pushsection .text.ws_changed, \"ax\"\n"                                                 \
	#l "0:\tmov %%" reg ", " #i "*8(%%rdi)\n\t"                                               \
	"mov %%" reg ", (%%" ptr ")\n\t"                                                          \
	"add $8, %%" ptr "\n\t"                                                                   \
	"orl $1<<" #i ", %[chg]\n\t"                                                              \
	"jmp " #l "1b\n"                                                                          \
	".popsection\n\t"

static inline __attribute__((always_inline)) int world_switch_traced(uint64_t *regs, int launched,
									uint32_t *changed, uint64_t **capture)
{
	unsigned long r = (unsigned long)launched;

	/* The guest's RSI and RDI wait on the stack while RSI holds the append pointer; once RAX is
	 * checked the pointer moves there. The order is the capture's: RAX RCX RDX RBX RBP RSI RDI
	 * R8-R15. */
	__asm__ volatile(WS_ENTER
			 ".global vmx_exit_entry_traced\n"
			 "vmx_exit_entry_traced:\n\t"
			 "push %%rdi\n\t"
			 "push %%rsi\n\t"
			 "mov 16(%%rsp), %%rdi\n\t"
			 "mov %[cap], %%rsi\n\t"
			 WS_CHECK("rax", 0, "rsi", 10)
			 WS_CHECK("rcx", 1, "rsi", 11)
			 WS_CHECK("rdx", 2, "rsi", 12)
			 WS_CHECK("rbx", 3, "rsi", 13)
			 WS_CHECK("rbp", 5, "rsi", 15)
			 "mov %%rsi, %%rax\n\t"
			 "pop %%rsi\n\t"
			 WS_CHECK("rsi", 6, "rax", 16)
			 "pop %%rcx\n\t"
			 WS_CHECK("rcx", 7, "rax", 17)
			 "cmpb $0, %c[lm](%%rdi)\n\t"
			 "je 5f\n\t"
			 WS_CHECK("r8", 8, "rax", 18)
			 WS_CHECK("r9", 9, "rax", 19)
			 WS_CHECK("r10", 10, "rax", 20)
			 WS_CHECK("r11", 11, "rax", 21)
			 WS_CHECK("r12", 12, "rax", 22)
			 WS_CHECK("r13", 13, "rax", 23)
			 WS_CHECK("r14", 14, "rax", 24)
			 WS_CHECK("r15", 15, "rax", 25)
			 "5:\t"
			 "mov %%rax, %[cap]\n\t"
			 "pop %%rdi\n\t"
			 "pop %%rbp\n\t"
			 "xor %%eax, %%eax\n"
			 "3:"
			 : "+a"(r), "+D"(regs), [chg] "+m"(*changed), [cap] "+m"(*capture)
			 WS_OPERANDS);
	return (int)r;
}

#endif
