/*
 * exit_io.c - IN, OUT, INS, OUTS. Every port access exits (unconditional I/O exiting).
 *
 * The exit qualification for I/O instructions (SDM Vol. 3C, 28.2.1, Table 28-5: size,
 * direction, string, REP, port) is decoded by retrovisor/vmx_fields.h (vmx_io_*).
 * Devices: the UART at 0x3F8-0x3FF, and for a VM with a timer the 8259A pair (0x20-0x21,
 * 0xA0-0xA1) and the 8254 PIT (0x40-0x43). Every other port reads as all ones and ignores
 * writes, like an empty ISA bus.
 */
#include "exit.h"
#include "lib.h"
#include "retrovisor/vmx_fields.h"
#include "sched.h"
#include "vmcs.h"
#include "vmx_controls.h"
#include "x86.h"

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

/* Address-size mask from the VM-exit instruction-information field (retrovisor/vmx_fields.h). */
static uint64_t addr_mask(uint32_t info)
{
	switch (vmx_io_insn_addr_size(info)) {
	case 0:
		return 0xffff;
	case 1:
		return 0xffffffff;
	default:
		return ~0ull;
	}
}

/* Segment access rights as the VMCS holds them (SDM Vol. 3C, 24.4.1, Table 24-2). */
#define AR_CODE (1u << 3)       /* type bit 3: code segment */
#define AR_EXPAND_DOWN (1u << 2) /* data segment, type bit 2 */
#define AR_WR (1u << 1)         /* data: writable; code: readable */
#define AR_DB (1u << 14)        /* default size / big: expand-down data reaches 4 GiB */
#define AR_L (1u << 13)         /* CS: 64-bit code */
#define AR_UNUSABLE (1u << 16)

/* What an element's access does, as the CPU would decide it. */
enum elem_result { ELEM_OK, ELEM_FAULT, ELEM_STOPPED };

/*
 * The segmentation part of one element's access (SDM Vol. 2, INS/OUTS "Protected Mode
 * Exceptions", "Real-Address Mode Exceptions", "64-Bit Mode Exceptions"; Vol. 3A, 5.3 limit
 * checking, 3.3.7.1 canonical addresses): the linear address, or the fault injected: #SS(0)
 * for a stack-segment access, #GP(0) otherwise. In real and virtual-8086 mode only the limit
 * counts, the one the segment register holds (64 KiB after a real-mode load), so an
 * address-size-32 REP INSB past ES's 64 KiB raises #GP like the CPU.
 */
static int seg_access(struct vm *vm, unsigned seg, uint64_t off, unsigned size, int write, uint64_t *la)
{
	uint64_t base = vmcs_read_raw(VMCS_SEG_FIELD(GUEST_ES_BASE, seg));
	uint64_t limit = (uint32_t)vmcs_read_raw(VMCS_SEG_FIELD(GUEST_ES_LIMIT, seg));
	uint32_t ar = (uint32_t)vmcs_read_raw(VMCS_SEG_FIELD(GUEST_ES_AR, seg));
	unsigned vector = seg == HVT_SEG_SS ? VEC_SS : VEC_GP;
	uint64_t last = off + size - 1;

	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (vmcs_read32(GUEST_CS_AR) & AR_L)) {
		/* 64-bit mode: no limits, bases only for FS and GS; both ends canonical (48 bits). */
		if (seg != HVT_SEG_FS && seg != HVT_SEG_GS)
			base = 0;
		uint64_t a = base + off, b = base + last;
		if ((uint64_t)((int64_t)(a << 16) >> 16) != a || (uint64_t)((int64_t)(b << 16) >> 16) != b)
			goto fault;
		*la = a;
		return ELEM_OK;
	}
	int protected = (vmcs_readnat(GUEST_CR0) & CR0_PE) && !(vm->regs[RV_REG_RFLAGS] & RFLAGS_VM);
	if (protected) {
		/* A null (unusable) segment, a write to a code or read-only data segment, or a read
		 * of an execute-only code segment is #GP(0) (SDM Vol. 3A, 5.5; Vol. 2, INS/OUTS). */
		if ((ar & AR_UNUSABLE) || (write && (ar & (AR_CODE | AR_WR)) != AR_WR) ||
		    (!write && (ar & (AR_CODE | AR_WR)) == AR_CODE)) {
			vector = VEC_GP;
			goto fault;
		}
		if (!(ar & AR_CODE) && (ar & AR_EXPAND_DOWN)) {
			/* Expand-down: the valid offsets are limit+1 up to 64 KiB or 4 GiB (5.3). */
			uint64_t top = ar & AR_DB ? 0xffffffffull : 0xffff;
			if (off <= limit || last > top)
				goto fault;
			*la = (base + off) & 0xffffffffull;
			return ELEM_OK;
		}
	}
	if (last > limit)
		goto fault;
	*la = (base + off) & 0xffffffffull;
	return ELEM_OK;
fault:
	vm_inject_exception(vm, vector, 1, 0);
	return ELEM_FAULT;
}

/* The paging part: the guest-physical address, or #PF injected (CR2 = la), or the VM stopped
 * because the walk or the data lies outside its memory. */
static int page_access(struct vm *vm, uint64_t la, unsigned size, uint32_t access, uint64_t *gpa)
{
	struct x86_walk w;
	if (vm_walk(vm, la, access, &w)) {
		if (w.status == X86_WALK_FAULT) {
			vm_inject_page_fault(vm, la, w.error);
			return ELEM_FAULT;
		}
		vm_stop_outside_memory(vm, w.outside, VMX_EPT_READ); /* the CPU reads entries */
		return ELEM_STOPPED;
	}
	if (!vm_gpa_ptr(vm, w.pa, size)) {
		vm_stop_outside_memory(vm, w.pa, access & PF_W ? VMX_EPT_WRITE : VMX_EPT_READ);
		return ELEM_STOPPED;
	}
	*gpa = w.pa;
	return ELEM_OK;
}

/*
 * One element of INS/OUTS at seg:off, checked in the CPU's order: segment (limit, type,
 * canonical), then paging (presence, U/S at CPL 3, R/W with CR0.WP, reserved bits), then EPT
 * (inside the VM). An element that crosses a page is checked on both pages, the first first;
 * pa[0] holds its first n0 bytes, pa[1] the rest.
 */
static int element(struct vm *vm, unsigned seg, uint64_t off, unsigned size, int write, uint64_t pa[2], unsigned *n0)
{
	uint64_t la;
	int r = seg_access(vm, seg, off, size, write, &la);
	if (r)
		return r;
	uint32_t access = (write ? PF_W : 0) | (vm_cpl() == 3 ? PF_U : 0);
	*n0 = size;
	if ((la & 0xfff) + size > 0x1000)
		*n0 = 0x1000 - (la & 0xfff);
	if ((r = page_access(vm, la, *n0, access, &pa[0])))
		return r;
	pa[1] = pa[0] + *n0;
	if (*n0 < size) {
		uint64_t la2 = la + *n0;
		if (!(vmcs_read64(GUEST_IA32_EFER) & EFER_LMA))
			la2 &= 0xffffffffull;
		return page_access(vm, la2, size - *n0, access, &pa[1]);
	}
	return ELEM_OK;
}

/*
 * INS and OUTS. They exit before touching memory (SDM Vol. 3C, 25.1.1: only the I/O-permission
 * checks come first), so each element's memory checks are the hypervisor's to make. A REP is
 * restartable (SDM Vol. 2, REP): after the elements done, RCX and RSI/RDI say how far it got;
 * a fault leaves RIP on the instruction, a long run exits again for the rest.
 */
static void string_io(struct vm *vm, uint64_t q, unsigned size)
{
	uint32_t info = vmcs_read32(VMX_INSTRUCTION_INFO);
	uint64_t amask = addr_mask(info);
	int in = vmx_io_in(q);
	unsigned idx = in ? RV_REG_RDI : RV_REG_RSI;
	/* OUTS reads seg:RSI (its segment, default DS, from the instruction information); INS
	 * writes ES:RDI. */
	unsigned seg = in ? HVT_SEG_ES : vmx_io_insn_seg(info);
	uint64_t count = vmx_io_rep(q) ? vm->regs[RV_REG_RCX] & amask : 1;
	int64_t step = vm->regs[RV_REG_RFLAGS] & RFLAGS_DF ? -(int64_t)size : (int64_t)size;
	uint64_t done = 0, ptr = vm->regs[idx] & amask;
	int r = ELEM_OK;

	while (done < count && done < STRING_MAX_PER_EXIT) {
		uint64_t pa[2];
		unsigned n0;
		if ((r = element(vm, seg, ptr, size, in, pa, &n0)))
			break;
		if (in) {
			/* The trace carries what went into memory as one run: stop where it would break
			 * (DF=1, a page boundary); the guest re-executes the instruction for the rest. */
			if (vm->memwrite_len && pa[0] != vm->memwrite_gpa + vm->memwrite_len)
				break;
			if (pa[1] != pa[0] + n0) {
				/* One element across two pages that are not adjacent in guest-physical
				 * memory: the trace's one run cannot say it (a limitation, not a fault). */
				if (!vm->memwrite_len) {
					hv_printf("hv: VM %d (%s): INS across two pages not adjacent in guest-physical memory is not emulated",
						  vm->id, vm->cfg.name);
					vm_stop(vm, HVT_STOP_UNHANDLED_EXIT, EXIT_REASON_IO_INSTRUCTION, pa[0]);
					r = ELEM_STOPPED;
				}
				break;
			}
			uint32_t v = port_read(vm, vmx_io_port(q), size);
			memcpy(vm->mem + pa[0], &v, size);
			if (!vm->memwrite_len)
				vm->memwrite_gpa = pa[0];
			vm->memwrite_len += size;
		} else {
			uint32_t v = 0;
			memcpy(&v, vm->mem + pa[0], n0);
			memcpy((uint8_t *)&v + n0, vm->mem + pa[1], size - n0);
			port_write(vm, vmx_io_port(q), size, v);
		}
		ptr = (ptr + step) & amask;
		done++;
	}
	if (done)
		vm_set_gpr(vm, idx, (vm->regs[idx] & ~amask) | ptr);
	if (vmx_io_rep(q) && done)
		vm_set_gpr(vm, RV_REG_RCX, (vm->regs[RV_REG_RCX] & ~amask) | ((count - done) & amask));
	if (done == count && r == ELEM_OK)
		vm_skip_insn(vm);
}

void exit_io(struct vm *vm)
{
	uint64_t q = vm->exit_qual;
	unsigned size = vmx_io_size(q);

	if (vmx_io_string(q)) {
		string_io(vm, q, size);
		return;
	}
	if (vmx_io_in(q)) {
		uint32_t v = port_read(vm, vmx_io_port(q), size);
		uint64_t rax = vm->regs[RV_REG_RAX];
		/* IN AL/AX writes only those bits; IN EAX zero-extends into RAX. */
		if (size == 4)
			rax = v;
		else
			rax = (rax & ~((1ull << (8 * size)) - 1)) | v;
		vm_set_gpr(vm, RV_REG_RAX, rax);
	} else {
		port_write(vm, vmx_io_port(q), size, (uint32_t)vm->regs[RV_REG_RAX]);
	}
	vm_skip_insn(vm);
}
