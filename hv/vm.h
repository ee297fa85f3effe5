/*
 * vm.h - one virtual machine: its memory, EPT, VMCS, registers and devices.
 * Retrovisor gives each VM one virtual CPU.
 */
#ifndef HV_VM_H
#define HV_VM_H

#include <stdint.h>

#include "bus.h"
#include "pic.h"
#include "pit.h"
#include "retrovisor/regs.h"
#include "retrovisor/trace_format.h"
#include "retrovisor/x86_paging.h"
#include "uart.h"
#include "vm_xstate.h"

/* What a VM is doing, as the scheduler sees it. */
enum vm_state {
	VM_RUNNABLE,
	VM_HALTED,  /* HLT with interrupts enabled: waits for an interrupt */
	VM_RECV,    /* blocked in msg_recv: waits for a message or its timeout */
	VM_STOPPED,
	VM_DEBUG,   /* held by the debugger (gdb.h): not run until it resumes the VM */
};

/*
 * One VM, in five groups. A snapshot of the VM would keep the first four (what it is, its
 * devices, its CPU, where the scheduler has it), and never the last: the scratch of the exit being handled, which
 * is meaningless between exits. The groups are anonymous structs: members are named directly
 * (vm->icount), the grouping only orders and documents them.
 */
struct vm {
	/* Configuration: what the VM is, fixed at creation. */
	struct {
		int id;
		struct hvt_vm_config cfg;
		uint8_t *mem;        /* guest-physical 0 is here (identity-mapped host memory) */
		uint64_t mem_size;
		uint64_t eptp;
		uint8_t *vmcs;
		uint64_t insn_limit; /* stop the VM past this many instructions (UINT64_MAX: none) */
		int has_pit;         /* PIT + PIC present (HVT_VM_PIT) */
	};

	/* Devices: the models behind its I/O ports and its message inbox. */
	struct {
		struct uart uart;
		struct pit pit;
		struct pic pic;
		struct bus_queue inbox;
	};

	/* Its CPU between exits. */
	struct {
		int launched;
		/* Guest registers (RV_REG_*: GPRs in x86 order, RIP, RFLAGS). The world switch
		 * (vm_run.c) loads and stores regs[0..15]; RSP, RIP and RFLAGS live in the VMCS. */
		uint64_t regs[RV_NREGS];
		uint8_t long_mode;    /* EFER.LMA: R8-R15 are live (vm_run.c, the world switch) */
		uint64_t exit_rip;    /* traced: RIP at the previous exit (the capture records RIP when it differs) */
		uint64_t icount;      /* guest instructions retired so far */
		uint64_t exits;       /* VM exits handled */
		uint32_t timer_armed; /* preemption-timer value at the last VM entry */
		uint64_t xcr0;
		struct vm_xstate xstate; /* x87/SSE/AVX, CR2, DR0-3/DR6, CR8, SYSCALL MSRs (vm_xstate.h) */
		int intr_window;      /* interrupt-window exiting is on */
		/* An event to inject at the next entry (0: none): set by a handler, it outlives the
		 * exit when the slice ends before the next entry. */
		uint32_t inject_info, inject_error;
		uint8_t dbg_step;     /* the debugger single-steps it: no interrupt is injected (gdb.h) */
	};

	/* Scheduler state (sched.c) and how it ended. */
	struct {
		enum vm_state state;
		int running;            /* not stopped (runnable or waiting) */
		uint64_t pass;          /* stride scheduling: weighted instructions run so far */
		uint64_t stride;
		int slice_over;         /* back to the scheduler: the timer fired, it yielded, waits or stopped */
		int recv_waiting;       /* a msg_recv is blocked */
		uint64_t recv_deadline; /* virtual time its timeout ends */
		unsigned stop_why;
		uint64_t stop_status, stop_detail;
	};

	/* Per-exit scratch: the exit being handled (vm_run.c fills it, the handler adds to it, the
	 * run loop records it). Not part of the VM's state between exits. */
	struct {
		uint32_t exit_reason;
		uint64_t exit_qual;
		uint32_t skip_len;   /* instruction length to skip on resume (0: RIP stays) */
		struct rv_post post; /* values the handler left behind (for the trace), RV_POST_* */
		int has_gpa;
		uint64_t gpa;
		uint64_t memwrite_gpa; /* guest memory the handler wrote, for the trace */
		uint32_t memwrite_len;
	};
};

/* Test only (the manifest's test_panic_insns): PANIC at the first exit past this many guest
 * instructions of a VM; 0: never. */
extern uint64_t hv_test_panic_insns;
/* Test only (RV_MANIFEST_TEST_PANIC_TWICE): that panic panics again on its way out (panic.c). */
extern int hv_test_panic_twice;

/* Build a VM from its configuration, image and scripted UART input (may be empty);
 * 0 on success, -1 with a message printed. */
int vm_create(struct vm *vm, int id, const struct hvt_vm_config *cfg, const void *image, uint64_t image_size,
	      const void *input, uint64_t input_len);
/* Timer edges due by now go to the PIC; the vector it would deliver now, or -1 (also with no
 * timer). */
int vm_irq_pending(struct vm *vm);
/* Arm the preemption timer: the VM may run this many instructions before the scheduler. */
void vm_set_budget(struct vm *vm, uint32_t instructions);
/*
 * Run the VM, exit after exit, until its slice ends (preemption timer, yield, wait or stop);
 * returns the instructions it executed. vtime_now advances at every exit.
 */
uint64_t vm_run_slice(struct vm *vm);
/* Make the VM's XCR0 the processor's (at a switch to the VM, and when the guest sets it). */
void vm_load_xcr0(struct vm *vm);
/* Stop the VM: print why and never enter it again. Inside an exit handler the exit path records
 * it in the trace; elsewhere use vm_stop_outside_exit, which records it at once. */
void vm_stop(struct vm *vm, unsigned why, uint64_t status, uint64_t detail);
void vm_stop_outside_exit(struct vm *vm, unsigned why, uint64_t status, uint64_t detail);
/* Its full state for the trace's VM_START record. */
void vm_snapshot(struct vm *vm, struct hvt_vm_state *st);

/*
 * Handler helpers: set a register as the post-state of this exit, skip the instruction, inject.
 * The register changes at once (a handler reading it afterwards sees the new value) and is noted
 * for the trace; the state at the exit was captured before the handler ran (vm_run.c).
 */
static inline void vm_set_gpr(struct vm *vm, unsigned r, uint64_t v)
{
	vm->regs[r] = v;
	vm->post.mask |= HVT_POST_GPR(r);
	vm->post.v[RV_POST_RAX + r] = v; /* a GPR: register r is post-state value r */
}
void vm_skip_insn(struct vm *vm);
void vm_inject_exception(struct vm *vm, unsigned vector, int has_error, uint32_t error);
/* Guest memory: a host pointer to [gpa, gpa + len), or 0 when not wholly inside the VM. */
static inline void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->mem_size || len > vm->mem_size - gpa)
		return 0;
	return vm->mem + gpa;
}
/* The guest's own page walk for an access (PF_W | PF_U | PF_I, 0: a supervisor read) at la,
 * with its current control registers (retrovisor/x86_paging.h); 0 when w->status is OK. */
int vm_walk(struct vm *vm, uint64_t la, uint32_t access, struct x86_walk *w);
/* Inject #PF for an emulated access: CR2 = la, and the error code the walk gave. */
void vm_inject_page_fault(struct vm *vm, uint64_t la, uint32_t error);
/* Stop the VM for an access outside its memory at gpa, the way an EPT violation does (one
 * message, status = the access as VMX_EPT_READ / VMX_EPT_WRITE / VMX_EPT_FETCH, detail = gpa, and the
 * guest-physical address in the trace's EXIT record), whether the CPU or the hypervisor's
 * emulation made the access. */
void vm_stop_outside_memory(struct vm *vm, uint64_t gpa, unsigned access);
/* The guest's current privilege level. */
unsigned vm_cpl(void);

#endif
