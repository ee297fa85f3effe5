/* cpu.h - the hypervisor's GDT selectors, TSS and IDT. */
#ifndef HV_CPU_H
#define HV_CPU_H

#include <stdint.h>

#define CPU_SEL_CODE 0x08
#define CPU_SEL_DATA 0x10
#define CPU_SEL_TSS 0x18

struct exception_frame {
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

void cpu_init(void);
uint64_t cpu_tss_base(void);
uint64_t cpu_gdt_base(void);
uint64_t cpu_idt_base(void);
void cpu_exception(struct exception_frame *f);

#endif
