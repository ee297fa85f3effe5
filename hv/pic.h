/* pic.h - a virtual 8259A pair (master at 0x20, slave at 0xA0, cascaded on IRQ2). Plain state,
 * also built for the host (libhvdev, tests/unit/check_pic.c). */
#ifndef HV_PIC_H
#define HV_PIC_H

#include <stdint.h>

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t base;      /* vector of IRQ 0 (ICW2) */
	uint8_t init;      /* next ICW expected: 0 (none, operational), 2, 3, 4 */
	uint8_t icw4;      /* ICW1 said an ICW4 follows */
	uint8_t single;    /* ICW1 SNGL: no ICW3 */
	uint8_t auto_eoi;  /* ICW4 AEOI */
	uint8_t read_isr;  /* OCW3: port reads return ISR instead of IRR */
};

struct pic {
	struct pic_chip chip[2]; /* master, slave */
};

void pic_reset(struct pic *p);
uint8_t pic_read(struct pic *p, uint16_t port);
void pic_write(struct pic *p, uint16_t port, uint8_t v);
/* An edge on IRQ line 0-15. */
void pic_raise(struct pic *p, unsigned irq);
/* The vector the PIC would deliver now, or -1. */
int pic_pending(const struct pic *p);
/* The CPU takes the interrupt: the vector pic_pending gave moves from IRR to ISR. */
void pic_ack(struct pic *p);

#endif
