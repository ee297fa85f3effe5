/*
 * cpu.c - the hypervisor's own CPU tables: a TSS (VMX requires a non-null host TR, SDM Vol. 3C,
 * 27.2.3) and an IDT whose every exception ends in a PANIC naming the vector and RIP. The
 * hypervisor runs with interrupts disabled, so only its own bugs can land here.
 */
#include "cpu.h"

#include "lib.h"
#include "x86.h"

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

struct __attribute__((packed)) idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
};

extern uint64_t gdt[];
extern struct desc_ptr gdt_ptr;
extern const uint64_t exception_stubs[32];

static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[32] __attribute__((aligned(16)));
static struct desc_ptr idt_ptr;

void cpu_init(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	tss.iomap_base = sizeof(tss);
	/* 64-bit TSS descriptor: type 9 (available TSS), present (SDM Vol. 3A, 8.2.3). */
	gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 | ((limit >> 16) & 0xf) << 48 |
		 ((base >> 24) & 0xff) << 56;
	gdt[4] = base >> 32;
	__asm__ volatile("ltr %w0" ::"r"(CPU_SEL_TSS));

	for (int v = 0; v < 32; v++) {
		uint64_t a = exception_stubs[v];
		idt[v] = (struct idt_gate){(uint16_t)a, CPU_SEL_CODE, 0, 0x8e, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0};
	}
	idt_ptr.limit = sizeof(idt) - 1;
	idt_ptr.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" ::"m"(idt_ptr));
}

uint64_t cpu_tss_base(void) { return (uint64_t)&tss; }
uint64_t cpu_gdt_base(void) { return gdt_ptr.base; }
uint64_t cpu_idt_base(void) { return idt_ptr.base; }

void cpu_exception(struct exception_frame *f)
{
	PANIC("hypervisor exception %lu at rip %lx (error code %lx, cr2 %lx, rsp %lx)", f->vector, f->rip,
	      f->error, read_cr2(), f->rsp);
}
