/*
 * exit_io.c - IN, OUT, INS, OUTS. Every port access exits (unconditional I/O exiting).
 *
 * Exit qualification for I/O instructions (SDM Vol. 3C, 28.2.1, Table 28-5):
 *   bits 2:0  access size - 1 (0: byte, 1: word, 3: dword)
 *   bit 3     direction (1: IN)
 *   bit 4     string instruction (INS/OUTS)
 *   bit 5     REP prefix
 *   bit 6     operand encoding (1: immediate port)
 *   bits 31:16 port
 * Devices: the UART at 0x3F8-0x3FF, and for a VM with a timer the 8259A pair (0x20-0x21,
 * 0xA0-0xA1) and the 8254 PIT (0x40-0x43). Every other port reads as all ones and ignores
 * writes, like an empty ISA bus.
 */
#include "exit.h"
#include "lib.h"
#include "sched.h"
#include "vmcs.h"
#include "x86.h"

#define IO_SIZE(q) (((q)&7) + 1)
#define IO_IN(q) ((q) >> 3 & 1)
#define IO_STRING(q) ((q) >> 4 & 1)
#define IO_REP(q) ((q) >> 5 & 1)
#define IO_PORT(q) ((uint16_t)((q) >> 16))
#define STRING_MAX_PER_EXIT 4096 /* a longer REP resumes and exits again: bounded exit time */

static int is_pic(uint16_t port) { return (port & ~0x81u) == 0x20; } /* 0x20, 0x21, 0xA0, 0xA1 */
static int is_pit(uint16_t port) { return port >= 0x40 && port <= 0x43; }

static uint32_t port_read(struct vm *vm, uint16_t port, unsigned size)
{
	if (size == 1 && port >= 0x3f8 && port <= 0x3ff)
		return uart_read(&vm->uart, port - 0x3f8);
	if (size == 1 && vm->has_pit && is_pic(port))
		return pic_read(&vm->pic, port);
	if (size == 1 && vm->has_pit && is_pit(port))
		return pit_read(&vm->pit, port, vtime_now);
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void port_write(struct vm *vm, uint16_t port, unsigned size, uint32_t v)
{
	if (size == 1 && port >= 0x3f8 && port <= 0x3ff) {
		uart_write(&vm->uart, port - 0x3f8, (uint8_t)v);
	} else if (size == 1 && vm->has_pit && is_pic(port)) {
		pic_write(&vm->pic, port, (uint8_t)v);
	} else if (size == 1 && vm->has_pit && is_pit(port)) {
		pit_write(&vm->pit, port, (uint8_t)v, vtime_now);
		vm->slice_over = 1; /* the timer's next edge may come before the slice's end */
	}
}

/* Address-size mask from the VM-exit instruction-information field (SDM 28.2.5, bits 9:7). */
static uint64_t addr_mask(uint32_t info)
{
	switch (info >> 7 & 7) {
	case 0:
		return 0xffff;
	case 1:
		return 0xffffffff;
	default:
		return ~0ull;
	}
}

static void string_io(struct vm *vm, uint64_t q, unsigned size)
{
	uint32_t info = vmcs_read32(VMX_INSTRUCTION_INFO);
	uint64_t amask = addr_mask(info);
	int in = IO_IN(q);
	unsigned idx = in ? R_RDI : R_RSI;
	/* OUTS reads seg:RSI (segment from bits 17:15, default DS); INS writes ES:RDI. */
	unsigned seg = in ? HVT_SEG_ES : (info >> 15 & 7);
	uint64_t base = vmcs_read_raw(VMCS_SEG_FIELD(GUEST_ES_BASE, seg));
	uint64_t count = IO_REP(q) ? vm->regs[R_RCX] & amask : 1;
	int64_t step = vm->regs[17] & RFLAGS_DF ? -(int64_t)size : (int64_t)size;
	uint64_t done = 0, ptr = vm->regs[idx] & amask;

	while (done < count && done < STRING_MAX_PER_EXIT) {
		uint64_t gpa;
		uint8_t *p;
		if (vm_translate(vm, base + ptr, &gpa) || !(p = vm_gpa_ptr(vm, gpa, size))) {
			vm->has_gpa = 1;
			vm->gpa = gpa;
			vm_stop(vm, HVT_STOP_BAD_ACCESS, 0, base + ptr);
			return;
		}
		if (in) {
			/* The trace carries what went into memory as one run: stop where it would break
			 * (DF=1, a page boundary); the guest re-executes the instruction for the rest. */
			if (vm->memwrite_len && gpa != vm->memwrite_gpa + vm->memwrite_len)
				break;
			uint32_t v = port_read(vm, IO_PORT(q), size);
			memcpy(p, &v, size);
			if (!vm->memwrite_len)
				vm->memwrite_gpa = gpa;
			vm->memwrite_len += size;
		} else {
			uint32_t v = 0;
			memcpy(&v, p, size);
			port_write(vm, IO_PORT(q), size, v);
		}
		ptr = (ptr + step) & amask;
		done++;
	}
	if (done)
		vm_set_gpr(vm, idx, (vm->regs[idx] & ~amask) | ptr);
	if (IO_REP(q))
		vm_set_gpr(vm, R_RCX, (vm->regs[R_RCX] & ~amask) | ((count - done) & amask));
	if (done == count)
		vm_skip_insn(vm);
}

void exit_io(struct vm *vm)
{
	uint64_t q = vm->exit_qual;
	unsigned size = IO_SIZE(q);

	if (IO_STRING(q)) {
		string_io(vm, q, size);
		return;
	}
	if (IO_IN(q)) {
		uint32_t v = port_read(vm, IO_PORT(q), size);
		uint64_t rax = vm->regs[R_RAX];
		/* IN AL/AX writes only those bits; IN EAX zero-extends into RAX. */
		if (size == 4)
			rax = v;
		else
			rax = (rax & ~((1ull << (8 * size)) - 1)) | v;
		vm_set_gpr(vm, R_RAX, rax);
	} else {
		port_write(vm, IO_PORT(q), size, (uint32_t)vm->regs[R_RAX]);
	}
	vm_skip_insn(vm);
}
