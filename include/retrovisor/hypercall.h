/*
 * hypercall.h - the paravirtual interface between a guest and Retrovisor (docs/hypercalls.md).
 *
 * A guest executes VMCALL (0F 01 C1) with the call number in EAX and arguments in EBX, ECX, EDX,
 * ESI. The result comes back in EAX: zero or a positive value on success, a negative HC_E* code on
 * failure. Every other register is preserved. Buffers are named by guest-PHYSICAL address (a
 * real-mode guest passes segment * 16 + offset), and must lie wholly inside the VM's memory.
 *
 * Guests also find the hypervisor through CPUID: leaf 1 ECX bit 31 is set and leaf 0x40000000
 * returns the highest hypervisor leaf in EAX and the signature "RetrovisorHV" in EBX, ECX, EDX.
 */
#ifndef RETROVISOR_HYPERCALL_H
#define RETROVISOR_HYPERCALL_H

#include "retrovisor/xlist.h"

/* X(number, NAME, "name") */
#define HYPERCALL_LIST(X)                                                          \
	X(1, CONSOLE_WRITE, "console_write") /* EBX=gpa ECX=len -> bytes written */ \
	X(2, YIELD, "yield")                 /* give the CPU away -> 0 */           \
	X(3, VM_ID, "vm_id")                 /* -> this VM's id (0-based) */         \
	X(4, VM_NAME, "vm_name")             /* EBX=gpa ECX=size -> name length */   \
	X(5, TIME, "time")                   /* -> EAX low, EDX high 32 bits of guest instructions */     \
	X(6, MSG_SEND, "msg_send")           /* EBX=vm ECX=gpa EDX=len -> 0 */       \
	X(7, MSG_RECV, "msg_recv")           /* EBX=gpa ECX=size EDX=timeout -> len, ESI=sender */ \
	X(8, SHUTDOWN, "shutdown")           /* EBX=status; does not return */

enum hypercall_nr {
#define HYPERCALL_ENUM(num, name, str) HC_##name = (num),
	HYPERCALL_LIST(HYPERCALL_ENUM)
#undef HYPERCALL_ENUM
	HC_MAX
};

/* Error codes returned in EAX (as a signed 32-bit value). */
#define HC_ENOSYS (-1) /* unknown call number */
#define HC_EFAULT (-2) /* a buffer is not wholly inside the VM's memory */
#define HC_ENOVM (-3)  /* no VM with that id */
#define HC_E2BIG (-4)  /* message or buffer larger than the limit */
#define HC_EAGAIN (-5) /* queue full, or receive timed out */
#define HC_EINVAL (-6) /* an argument is out of range */
#define HC_EPERM (-7)  /* the bus policy does not let this VM send to that one */

#define HC_CONSOLE_MAX 4096 /* largest single console write */

/* CPUID leaves the hypervisor answers itself (SDM Vol. 2A, CPUID: leaves 0x40000000-0x4FFFFFFF
 * are reserved for hypervisors and return zero on bare metal). */
#define HV_CPUID_BASE 0x40000000u
#define HV_CPUID_MAX 0x40000001u
#define HV_CPUID_SIG_EBX 0x72746552u /* "Retr" */
#define HV_CPUID_SIG_ECX 0x7369766fu /* "ovis" */
#define HV_CPUID_SIG_EDX 0x5648726fu /* "orHV" */
/* Leaf 0x40000001: EAX = hypervisor version (major << 16 | minor), EBX = VM id, ECX = VM count. */

static inline const char *hypercall_name(unsigned nr)
{
	RV_XLIST_NAME(HYPERCALL_LIST, nr);
}

#endif
