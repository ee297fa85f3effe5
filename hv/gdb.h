/*
 * gdb.h - the live GDB stub: one VM under a debugger on the host, over the hypervisor's COM2.
 *
 *   gdb_uart.c    the port: a polled 16550 at COM2 (0x2F8), which hvrun --gdb connects to a
 *                 TCP server socket on 127.0.0.1 through Bochs
 *   gdb_target.c  the VM as gdb sees it: registers through the VMCS and vm->regs, memory
 *                 through the guest's page walk and the EPT (guest memory), hardware
 *                 breakpoints in DR0-DR3, single step by RFLAGS.TF, stops and resumes
 *   gdb_stub.c    the packets (the protocol layer gdb/rsp.c parses them) and their answers
 *
 * How it fits the rest (docs/debugger-live.md): the debugged VM stops before its first
 * instruction (state VM_DEBUG). The scheduler does not run a VM in that state, so the others keep
 * running, and it calls gdb_poll() between slices; when no VM can run it calls gdb_wait(),
 * which serves the debugger until the VM runs again. A breakpoint or a finished step is a #DB
 * exit (exit_exception), which puts the VM back into VM_DEBUG. None of this is on the exit path:
 * with no debugger, the exception exit never happens and the scheduler tests one pointer per
 * slice.
 */
#ifndef HV_GDB_H
#define HV_GDB_H

#include <stdint.h>

#include "vm.h"

/* The VM under the debugger, 0: no debugger (the manifest's RV_MANIFEST_GDB). */
extern struct vm *gdb_vm;

/* Debug this VM: intercept #DB, stop it before its first instruction, open COM2. */
void gdb_init(struct vm *vm);
/* Between slices: serve what the debugger sent (Ctrl-C stops the VM), report a stop. */
void gdb_poll(void);
/* Nothing else can run: serve the debugger until the VM runs again (or it detaches). */
void gdb_wait(void);

/* The port (gdb_uart.c). */
void gdb_uart_init(void);
int gdb_uart_getc(void); /* a byte, or -1 when none is waiting */
void gdb_uart_putc(uint8_t c);

/* ---- the target (gdb_target.c), for gdb_stub.c ------------------------------------------ */

/* Registers as gdb names them: the general registers in RV_REG_* order (regs.h), then these. */
enum gdb_treg {
	GDB_T_RIP = RV_REG_RIP,
	GDB_T_RFLAGS = RV_REG_RFLAGS,
	GDB_T_ES = RV_NREGS, /* selectors, HVT_SEG_* order: ES CS SS DS FS GS */
	GDB_T_CS,
	GDB_T_SS,
	GDB_T_DS,
	GDB_T_FS,
	GDB_T_GS,
	GDB_T_FS_BASE,
	GDB_T_GS_BASE,
	GDB_T_CR0,
	GDB_T_CR3,
	GDB_T_CR4,
	GDB_T_EFER,
	GDB_T_COUNT
};
/* Read a register of the stopped VM. */
uint64_t gdb_target_reg(struct vm *vm, unsigned r);
/* Write one: 0, or -1 when it cannot be written (read-only here, or the trace cannot say it). */
int gdb_target_set_reg(struct vm *vm, unsigned r, uint64_t v);
/* Copy guest memory at a linear address (the guest's paging, then guest-physical memory): the
 * bytes read, fewer than len where the walk fails or memory ends. */
unsigned gdb_target_read(struct vm *vm, uint64_t la, uint8_t *buf, unsigned len);
/* Write guest memory the same way (recorded as MEMWRITE records): the bytes written. */
unsigned gdb_target_write(struct vm *vm, uint64_t la, const uint8_t *buf, unsigned len);
/* Hardware breakpoints at linear addresses: 0, or -1 when all four are in use. */
int gdb_target_break(struct vm *vm, uint64_t la, int insert);
/* Run the VM again (step: one instruction, interrupts held off). */
void gdb_target_resume(struct vm *vm, int step);
/* Stop a running VM now (Ctrl-C): it is not on the CPU between slices. */
void gdb_target_stop(struct vm *vm);
/* The VM's CPU mode for the register layout: 64 when in long mode, else 32. */
unsigned gdb_target_bits(struct vm *vm);

/* Why the VM stopped last, for the stop reply. */
enum gdb_stop_why { GDB_STOP_START, GDB_STOP_STEP, GDB_STOP_BREAK, GDB_STOP_INTERRUPT, GDB_STOP_ENDED };
extern enum gdb_stop_why gdb_stop_why;
/* A stop the debugger has not been told about yet (after c or s). */
extern int gdb_stop_pending;

#endif
