/*
 * gdb_target.c - the debugged VM as the GDB stub sees it (gdb.h): registers, memory,
 * breakpoints, single step, stop and resume.
 *
 * The VM is stopped whenever the stub reads or writes it: it is not on the CPU then, its general
 * registers are in vm->regs and everything else in its VMCS (made current here) or in its
 * vm_xstate (DR0-DR3, which the VMCS does not switch).
 *
 * Breakpoints and watchpoints are the CPU's debug registers: DR0-DR3 hold linear addresses, DR7
 * (which the VMCS switches, GUEST_DR7) enables them as instruction breakpoints (R/W = 00,
 * LEN = 00) or data breakpoints on writes or on any access (SDM Vol. 3B, 18.2.4). Guest memory is never written, so what the guest reads and what the trace records
 * stay the guest's own. While the debugger holds them, the guest's own use of DR0-DR3 and DR7
 * is overridden (docs/debugger-live.md). A breakpoint is a fault-class #DB: RIP is the
 * breakpoint's address, and resuming there needs RFLAGS.RF = 1 so that it does not hit again
 * (SDM Vol. 3B, 18.3.1.1).
 *
 * Single step is the VMX preemption timer, not RFLAGS.TF: Bochs 2.7 has no monitor trap flag,
 * and on Bochs the preemption timer counts guest instructions exactly (shared/BOCHS-NOTES.md),
 * so a slice with a budget of one instruction (sched.c: 2 ticks, one of them the timer's exit) ends after exactly that instruction,
 * like an MTF exit. If the instruction itself exits (CPUID, I/O), its handler runs and the next
 * entry, with the timer at 0, exits before any further instruction (SDM Vol. 3C, 26.7.4). The
 * guest never sees a TF it did not set (PUSHF, an interrupt frame), the trace records no flag
 * the guest did not have, and a step over an emulated instruction is one step, which a TF
 * trap would not be (the trap of an instruction the hypervisor emulates is lost). While the
 * step runs no device interrupt is injected (vm_irq.c looks at vm->dbg_step), so the step lands
 * on the next instruction, not in an interrupt handler. On a CPU whose timer does not count
 * instructions this would step by time: there, TF plus #DB or the monitor trap flag is the way.
 */
#include "exit.h"
#include "gdb.h"
#include "lib.h"
#include "regs_desc.h"
#include "sched.h"
#include "trace.h"
#include "vm_impl.h"
#include "vmcs.h"
#include "vmx_controls.h"
#include "x86.h"

#define DR7_FIXED 0x400ull /* bit 10 reads as 1 (SDM Vol. 3B, 18.2.4) */
#define DR7_L(i) (1ull << (2 * (i)))
#define DR7_RW_SHIFT(i) (16 + 4 * (i)) /* R/W: 00 execute, 01 write, 11 read or write */
#define DR7_LEN_SHIFT(i) (18 + 4 * (i)) /* LEN: 00 1 byte, 01 2, 11 4, 10 8 */
#define DR7_RW_EXEC 0
#define DR7_RW_WRITE 1
#define DR7_RW_ACCESS 3
#define DR6_B(i) (1ull << (i))

struct vm *gdb_vm;
enum gdb_stop_why gdb_stop_why = GDB_STOP_START;
int gdb_stop_pending;

static uint64_t bp_addr[4];
static unsigned bp_used;   /* bit i: DR i holds a breakpoint or watchpoint */
static uint8_t bp_rw[4];   /* its DR7 R/W field: DR7_RW_EXEC, _WRITE or _ACCESS */
static uint8_t bp_len[4];  /* its DR7 LEN field */
uint64_t gdb_stop_addr;
unsigned gdb_stop_watch;
static enum vm_state held_state; /* what the VM was doing when the debugger stopped it */

static void set_dr(struct vm *vm, unsigned i, uint64_t v)
{
	vm->xstate.dr[i] = v;
	if (vm_xstate_owner != vm)
		return; /* loaded at the VM's next switch onto the CPU */
	switch (i) {
	case 0: write_dr0(v); break;
	case 1: write_dr1(v); break;
	case 2: write_dr2(v); break;
	default: write_dr3(v); break;
	}
}

static uint64_t seg_field(unsigned seg, unsigned what)
{
	return vmcs_read_raw(VMCS_SEG_FIELD(what, seg));
}

uint64_t gdb_target_reg(struct vm *vm, unsigned src)
{
	vm_make_current(vm);
	if (src < RV_NREGS)
		return vm->regs[src]; /* RSP, RIP and RFLAGS are kept in step with the VMCS at every exit */
	if (src >= GDB_SRC_SEL_ES && src <= GDB_SRC_SEL_GS) /* ES CS SS DS FS GS: HVT_SEG_* order */
		return seg_field(src - GDB_SRC_SEL_ES + HVT_SEG_ES, GUEST_ES_SELECTOR);
	switch (src) {
	case GDB_SRC_FS_BASE: return vmcs_readnat(GUEST_FS_BASE);
	case GDB_SRC_GS_BASE: return vmcs_readnat(GUEST_GS_BASE);
	case GDB_SRC_CR0: return vmcs_readnat(CR0_READ_SHADOW);
	case GDB_SRC_CR2: return vm_xstate_owner == vm ? read_cr2() : vm->xstate.cr2;
	case GDB_SRC_CR3: return vmcs_readnat(GUEST_CR3);
	case GDB_SRC_CR4: return (vmcs_readnat(GUEST_CR4) & ~CR4_VMXE) | (vmcs_readnat(CR4_READ_SHADOW) & CR4_VMXE);
	case GDB_SRC_EFER: return vmcs_read64(GUEST_IA32_EFER);
	default: return 0;
	}
}

/*
 * Only the general registers, RIP and RFLAGS can be written: segment registers, control
 * registers, EFER and the bases have hidden parts or side effects (the VMCS's access rights,
 * the paging mode) that neither this stub nor the trace's post-state models, so they are refused
 * (E01). While tracing, each write is recorded as a POST record: the VM is held after an exit,
 * and what the debugger sets is applied by replay like more of that exit's post-state (the one
 * rule, rv_post_apply; docs/debugger-live.md). The VM's next entry uses vm->regs, so the next
 * exit's "follows" bits are relative to the debugger's values, as the converter expects. A VM
 * held before its first instruction has no exit to attach them to: refused while tracing.
 * Nothing here is on the exit path.
 */
int gdb_target_set_reg(struct vm *vm, unsigned r, uint64_t v)
{
	if (r >= RV_NREGS || (trace_on && !vm->exits))
		return -1;
	vm_make_current(vm);
	if (r == RV_REG_RFLAGS)
		v = (v & ~(RFLAGS_TF | RFLAGS_RF)) | RFLAGS_FIXED; /* TF and RF are the stub's */
	vm->regs[r] = v;
	if (r == RV_REG_RSP)
		vmcs_writenat(GUEST_RSP, v);
	else if (r == RV_REG_RIP)
		vmcs_writenat(GUEST_RIP, v);
	else if (r == RV_REG_RFLAGS)
		vmcs_writenat(GUEST_RFLAGS, v);
	if (trace_on) {
		uint64_t post[RV_POST_NVALS];
		unsigned i = rv_post_index(r);
		post[i] = v;
		sched_trace_current(vm);
		trace_post(RV_POST_BIT(i), post);
	}
	return 0;
}

/*
 * The code size the CPU decodes at RIP (SDM Vol. 3A, 3.4.5 and 5.2.1): 16 in real mode (CR0.PE
 * clear), 64 in 64-bit mode (EFER.LMA and CS.L), else CS.D: 32 or 16 (a 16-bit protected-mode
 * or compatibility-mode segment).
 */
unsigned gdb_target_bits(struct vm *vm)
{
	vm_make_current(vm);
	if (!(vmcs_readnat(CR0_READ_SHADOW) & CR0_PE))
		return 16;
	uint32_t ar = vmcs_read32(GUEST_CS_AR);
	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (ar & SEG_AR_L))
		return 64;
	return ar & SEG_AR_DB ? 32 : 16;
}

/* Guest-physical memory behind a linear address, up to the end of its page; 0 if none. */
static uint8_t *lin_ptr(struct vm *vm, uint64_t la, unsigned len, unsigned *n)
{
	struct x86_walk w;
	if (vm_walk(vm, la, 0, &w))
		return 0;
	uint64_t page = w.page_size ? w.page_size : PAGE_SIZE;
	uint64_t room = page - (w.pa & (page - 1));
	*n = len < room ? len : (unsigned)room;
	return vm_gpa_ptr(vm, w.pa, *n);
}

/* Copy len bytes between buf and guest memory at linear la, page by page, up to the first
 * unmapped byte (how many were copied); writes are recorded while tracing. */
static unsigned copy_linear(struct vm *vm, uint64_t la, uint8_t *buf, unsigned len, int write)
{
	unsigned done = 0, n;
	vm_make_current(vm);
	while (done < len) {
		uint8_t *p = lin_ptr(vm, la + done, len - done, &n);
		if (!p)
			break;
		if (!write) {
			memcpy(buf + done, p, n);
		} else {
			memcpy(p, buf + done, n);
			if (trace_on) {
				sched_trace_current(vm);
				trace_memwrite((uint64_t)(p - vm->mem), p, n);
			}
		}
		done += n;
	}
	return done;
}

unsigned gdb_target_read(struct vm *vm, uint64_t la, uint8_t *buf, unsigned len)
{
	return copy_linear(vm, la, buf, len, 0);
}

unsigned gdb_target_write(struct vm *vm, uint64_t la, const uint8_t *buf, unsigned len)
{
	return copy_linear(vm, la, (uint8_t *)buf, len, 1); /* only read from when writing */
}

static void load_dr7(struct vm *vm)
{
	uint64_t dr7 = DR7_FIXED;
	for (unsigned i = 0; i < 4; i++)
		if (bp_used & (1u << i))
			dr7 |= DR7_L(i) | (uint64_t)bp_rw[i] << DR7_RW_SHIFT(i) | (uint64_t)bp_len[i] << DR7_LEN_SHIFT(i);
	vm_make_current(vm);
	vmcs_writenat(GUEST_DR7, dr7);
}

/*
 * gdb's Z/z types: 0 and 1 are instruction breakpoints (R/W 00, LEN 00), 2 a write watchpoint
 * (01), 4 an access watchpoint (11); x86 has no read-only one (3). A watched range must be 1, 2,
 * 4 or 8 bytes, aligned to its size (SDM Vol. 3B, 18.2.5).
 */
int gdb_target_point(struct vm *vm, unsigned type, uint64_t la, uint64_t len, int insert)
{
	uint8_t rw, lenf = 0;
	if (type <= 1) {
		rw = DR7_RW_EXEC;
	} else if (type == 2 || type == 4) {
		rw = type == 2 ? DR7_RW_WRITE : DR7_RW_ACCESS;
		if ((len != 1 && len != 2 && len != 4 && len != 8) || (la & (len - 1)))
			return -1;
		lenf = len == 1 ? 0 : len == 2 ? 1 : len == 4 ? 3 : 2;
	} else {
		return -2;
	}
	int slot = -1;
	for (unsigned i = 0; i < 4; i++)
		if ((bp_used & (1u << i)) && bp_addr[i] == la && bp_rw[i] == rw && bp_len[i] == lenf)
			slot = (int)i;
	if (!insert) {
		if (slot >= 0)
			bp_used &= ~(1u << slot);
		load_dr7(vm);
		return 0;
	}
	if (slot >= 0)
		return 0; /* gdb may insert the same point twice */
	for (unsigned i = 0; i < 4; i++)
		if (!(bp_used & (1u << i))) {
			bp_addr[i] = la;
			bp_rw[i] = rw;
			bp_len[i] = lenf;
			bp_used |= 1u << i;
			set_dr(vm, i, la);
			load_dr7(vm);
			return 0;
		}
	return -1;
}

static int at_breakpoint(struct vm *vm)
{
	for (unsigned i = 0; i < 4; i++)
		if ((bp_used & (1u << i)) && bp_rw[i] == DR7_RW_EXEC && bp_addr[i] == vm->regs[RV_REG_RIP])
			return 1;
	return 0;
}

void gdb_target_resume(struct vm *vm, int step)
{
	if (vm->state != VM_DEBUG || !vm->running)
		return;
	if (at_breakpoint(vm)) {
		/* The breakpoint at RIP stays quiet for this one instruction (RF, SDM Vol. 3B, 18.3.1.1). */
		vm_make_current(vm);
		vm->regs[RV_REG_RFLAGS] |= RFLAGS_RF;
		vmcs_writenat(GUEST_RFLAGS, vm->regs[RV_REG_RFLAGS]);
	}
	vm->dbg_step = (uint8_t)step;
	gdb_stop_pending = 0;
	sched_resume(vm, held_state);
}

void gdb_target_stepped(struct vm *vm)
{
	vm->dbg_step = 0;
	if (!vm->running || vm->state == VM_DEBUG)
		return; /* it ended, or a breakpoint exit held it already */
	held_state = vm->state;
	vm->state = VM_DEBUG;
	gdb_stop_why = GDB_STOP_STEP;
	gdb_stop_pending = 1;
}

void gdb_target_stop(struct vm *vm)
{
	if (vm->state == VM_DEBUG || !vm->running)
		return;
	held_state = vm->state;
	vm->state = VM_DEBUG;
	gdb_stop_why = GDB_STOP_INTERRUPT;
	gdb_stop_pending = 1;
}

/*
 * An exception exit: only #DB is intercepted, and only for the debugged VM (gdb_init). The
 * qualification holds the DR6 bits of the debug exception (SDM Vol. 3C, 28.2.1, Table 28-1):
 * B0-B3 for a breakpoint. The VM is held; the stub reports the stop. A #DB the guest caused
 * itself (its own TF, or an ICEBP) is not the debugger's: it is delivered to the guest as it
 * would have been, with DR6 reporting it.
 */
void exit_exception(struct vm *vm)
{
	uint32_t info = vmcs_read32(VM_EXIT_INTR_INFO);

	if (vm != gdb_vm || (info & 0xff) != VEC_DB) {
		exit_unexpected(vm);
		return;
	}
	if (!(vm->exit_qual & (DR6_B(0) | DR6_B(1) | DR6_B(2) | DR6_B(3)) & bp_used)) {
		uint64_t dr6 = (vm_xstate_owner == vm ? read_dr6() : vm->xstate.dr6) | (vm->exit_qual & 0x600f);
		vm->xstate.dr6 = dr6;
		if (vm_xstate_owner == vm)
			write_dr6(dr6);
		vm_inject_exception(vm, VEC_DB, 0, 0);
		return;
	}
	/* An instruction breakpoint is a fault (RIP is its address); a data breakpoint a trap after
	 * the access (SDM Vol. 3B, 18.2.4): gdb is told which address it watched. */
	gdb_stop_why = GDB_STOP_BREAK;
	gdb_stop_watch = 0;
	for (unsigned i = 0; i < 4; i++)
		if ((vm->exit_qual & DR6_B(i) & bp_used) && bp_rw[i] != DR7_RW_EXEC) {
			gdb_stop_watch = bp_rw[i] == DR7_RW_WRITE ? 2 : 4;
			gdb_stop_addr = bp_addr[i];
		}
	vm->dbg_step = 0;
	held_state = VM_RUNNABLE;
	vm->state = VM_DEBUG;
	vm->slice_over = 1;
	gdb_stop_pending = 1;
}

void gdb_target_detach(struct vm *vm)
{
	bp_used = 0;
	load_dr7(vm);
	if (vm->state == VM_DEBUG)
		gdb_target_resume(vm, 0);
}

void gdb_target_init(struct vm *vm)
{
	gdb_vm = vm;
	vm_make_current(vm);
	vmcs_write32(EXCEPTION_BITMAP, vmcs_read32(EXCEPTION_BITMAP) | (1u << VEC_DB));
	held_state = vm->state;
	vm->state = VM_DEBUG;
	gdb_stop_why = GDB_STOP_START;
}
