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
 * which serves the debugger until the VM runs again. A breakpoint is a #DB exit
 * (exit_exception), a single step a slice of one instruction; both put the VM back into
 * VM_DEBUG. None of this is on the exit path:
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

/* Read a register of the stopped VM, named by its source in the shared register list
 * (gdb/regs_desc.h, enum gdb_src: RV_REG_* for the register file, then selectors, bases,
 * control registers). 0 for GDB_SRC_NONE (the stub sends "xx" for those). */
uint64_t gdb_target_reg(struct vm *vm, unsigned src);
/* Write one: 0, or -1 when it cannot be written (read-only here, or the trace cannot say it). */
int gdb_target_set_reg(struct vm *vm, unsigned src, uint64_t v);
/* Copy guest memory at a linear address (the guest's paging, then guest-physical memory): the
 * bytes read, fewer than len where the walk fails or memory ends. */
unsigned gdb_target_read(struct vm *vm, uint64_t la, uint8_t *buf, unsigned len);
/* Write guest memory the same way (recorded as MEMWRITE records): the bytes written. */
unsigned gdb_target_write(struct vm *vm, uint64_t la, const uint8_t *buf, unsigned len);
/* Breakpoints (gdb's Z/z type 0 or 1) and watchpoints (2 write, 4 access; len bytes) at linear
 * addresses, in DR0-DR3: 0; -1 when all four are in use or the range cannot be watched; -2 for
 * a type the CPU does not have (3, read-only). */
int gdb_target_point(struct vm *vm, unsigned type, uint64_t la, uint64_t len, int insert);
/* Run the VM again (step: one instruction, interrupts held off: the scheduler gives it a
 * one-instruction slice and then calls gdb_target_stepped). */
void gdb_target_resume(struct vm *vm, int step);
void gdb_target_stepped(struct vm *vm);
/* Stop a running VM now (Ctrl-C): it is not on the CPU between slices. */
void gdb_target_stop(struct vm *vm);
/* The debugger lets go: breakpoints removed, the VM runs (D, k, or a client gone). */
void gdb_target_detach(struct vm *vm);
/* Take the VM: intercept #DB and hold it before its next instruction (gdb_init). */
void gdb_target_init(struct vm *vm);
/* The code size at RIP: 16 (real mode, 16-bit segments), 32 or 64 (64-bit mode). */
unsigned gdb_target_bits(struct vm *vm);

/* Why the VM stopped last, for the stop reply. */
enum gdb_stop_why { GDB_STOP_START, GDB_STOP_STEP, GDB_STOP_BREAK, GDB_STOP_INTERRUPT, GDB_STOP_ENDED };
extern enum gdb_stop_why gdb_stop_why;
/* A watchpoint stop: 2 (write) or 4 (access) and the watched address; 0 for other stops. */
extern unsigned gdb_stop_watch;
extern uint64_t gdb_stop_addr;
/* A stop the debugger has not been told about yet (after c or s). */
extern int gdb_stop_pending;

#endif
