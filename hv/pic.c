/*
 * pic.c - a virtual 8259A programmable interrupt controller pair (Intel 8259A datasheet,
 * order no. 231468): master at 0x20/0x21, slave at 0xA0/0xA1 on the master's IRQ2.
 *
 * Edge-triggered, fully nested mode: IRQ 0 has the highest priority, and a request is delivered
 * only when no equal or higher-priority interrupt is in service. Initialisation (ICW1-ICW4),
 * masking (OCW1), EOI (OCW2: non-specific and specific) and IRR/ISR reads (OCW3) are modelled;
 * rotation and special mask mode are not (nothing Retrovisor's guests need).
 * There is no BIOS: after reset every line is masked, with the PC's usual vector bases (8, 0x70).
 */
#include "pic.h"

#define ICW1 0x10 /* port 0x20 write with bit 4: start initialisation */
#define OCW3 0x08 /* port 0x20 write with bits 4:3 = 01 */

void pic_reset(struct pic *p)
{
	p->chip[0] = (struct pic_chip){.imr = 0xff, .base = 0x08};
	p->chip[1] = (struct pic_chip){.imr = 0xff, .base = 0x70};
}

/* The highest-priority request of a chip that may interrupt now, or -1. */
static int chip_pending(const struct pic_chip *c, uint8_t extra_irr)
{
	uint8_t req = (uint8_t)((c->irr | extra_irr) & ~c->imr);
	for (int i = 0; i < 8; i++) {
		if (c->isr & (1u << i))
			return -1; /* an equal or higher priority is in service */
		if (req & (1u << i))
			return i;
	}
	return -1;
}

static int slave_requesting(const struct pic *p) { return chip_pending(&p->chip[1], 0) >= 0; }

int pic_pending(const struct pic *p)
{
	int irq = chip_pending(&p->chip[0], slave_requesting(p) ? 1u << 2 : 0);
	if (irq < 0)
		return -1;
	if (irq == 2 && slave_requesting(p))
		return p->chip[1].base + chip_pending(&p->chip[1], 0);
	return p->chip[0].base + irq;
}

static void chip_ack(struct pic_chip *c, int irq)
{
	c->irr &= (uint8_t)~(1u << irq);
	if (!c->auto_eoi)
		c->isr |= (uint8_t)(1u << irq);
}

void pic_ack(struct pic *p)
{
	int irq = chip_pending(&p->chip[0], slave_requesting(p) ? 1u << 2 : 0);
	if (irq < 0)
		return;
	if (irq == 2 && slave_requesting(p)) {
		chip_ack(&p->chip[1], chip_pending(&p->chip[1], 0));
		if (!p->chip[0].auto_eoi)
			p->chip[0].isr |= 1u << 2;
		return;
	}
	chip_ack(&p->chip[0], irq);
}

void pic_raise(struct pic *p, unsigned irq)
{
	if (irq < 8)
		p->chip[0].irr |= (uint8_t)(1u << irq);
	else if (irq < 16)
		p->chip[1].irr |= (uint8_t)(1u << (irq - 8));
}

uint8_t pic_read(struct pic *p, uint16_t port)
{
	struct pic_chip *c = &p->chip[(port & 0x80) ? 1 : 0];
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void chip_command(struct pic_chip *c, uint8_t v)
{
	if (v & ICW1) {
		*c = (struct pic_chip){.imr = 0, .base = c->base, .init = 2, .icw4 = v & 1, .single = (v >> 1) & 1};
		return;
	}
	if ((v & 0x18) == OCW3) {
		if (v & 2)
			c->read_isr = v & 1;
		return;
	}
	/* OCW2: bits 7:5 are R, SL, EOI. 001 non-specific EOI, 011 specific EOI (level in 2:0). */
	switch (v >> 5) {
	case 1:
	case 5: /* rotate on non-specific EOI: treated as a plain non-specific EOI */
		for (int i = 0; i < 8; i++)
			if (c->isr & (1u << i)) {
				c->isr &= (uint8_t)~(1u << i);
				break;
			}
		break;
	case 3:
	case 7:
		c->isr &= (uint8_t)~(1u << (v & 7));
		break;
	default:
		break;
	}
}

static void chip_data(struct pic_chip *c, uint8_t v)
{
	switch (c->init) {
	case 2:
		c->base = v & 0xf8;
		c->init = c->single ? (c->icw4 ? 4 : 0) : 3;
		break;
	case 3: /* cascade wiring: fixed here (slave on IRQ2) */
		c->init = c->icw4 ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = (v >> 1) & 1;
		c->init = 0;
		break;
	default:
		c->imr = v; /* OCW1 */
	}
}

void pic_write(struct pic *p, uint16_t port, uint8_t v)
{
	struct pic_chip *c = &p->chip[(port & 0x80) ? 1 : 0];
	if (port & 1)
		chip_data(c, v);
	else
		chip_command(c, v);
}
