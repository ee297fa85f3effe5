/*
 * pit.c - a virtual 8254 PIT (Intel 82C54 datasheet, order no. 231244): three channels at ports
 * 0x40-0x42, control word at 0x43; channel 0's output edges are IRQ0.
 *
 * The counters are not ticked one by one: a channel remembers when it started counting, and its
 * count, or the time of its next output edge, is computed from virtual time (pit.h) when asked.
 * Modes 2 (rate generator) and 3 (square wave) give an IRQ0 edge every reload-value ticks; mode
 * 0 (interrupt on terminal count) gives one edge after reload-value ticks. Other modes count but
 * produce no edge (they need the gate input, which no guest here drives). BCD is not supported.
 */
#include "pit.h"

static uint64_t ticks_at(uint64_t start, uint64_t now)
{
	return now > start ? (now - start) * PIT_HZ / VTIME_HZ : 0;
}

/* Virtual time at which `ticks` input ticks have passed since start (rounded up). */
static uint64_t time_of_tick(uint64_t start, uint64_t ticks)
{
	return start + (ticks * VTIME_HZ + PIT_HZ - 1) / PIT_HZ;
}

static int periodic(const struct pit_channel *c) { return (c->mode & 3) == 2 || (c->mode & 3) == 3; }

void pit_reset(struct pit *p)
{
	for (int i = 0; i < 3; i++)
		p->ch[i] = (struct pit_channel){.access = 3, .reload = 65536};
}

static uint16_t current_count(const struct pit_channel *c, uint64_t now)
{
	if (!c->armed)
		return (uint16_t)c->reload;
	uint64_t t = ticks_at(c->start, now);
	if (periodic(c))
		return (uint16_t)(c->reload - t % c->reload);
	return t >= c->reload ? (uint16_t)(0x10000 - (t - c->reload) % 0x10000) : (uint16_t)(c->reload - t);
}

uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now)
{
	if ((port & 3) == 3)
		return 0xff; /* the control word register cannot be read */
	struct pit_channel *c = &p->ch[port & 3];
	uint16_t v = c->latched ? c->latch : current_count(c, now);
	uint8_t out;
	if (c->access == 1)
		out = (uint8_t)v;
	else if (c->access == 2)
		out = (uint8_t)(v >> 8);
	else {
		out = c->read_hi ? (uint8_t)(v >> 8) : (uint8_t)v;
		c->read_hi ^= 1;
		if (c->read_hi)
			return out;
	}
	c->latched = 0;
	return out;
}

static void load(struct pit_channel *c, uint32_t value, uint64_t now)
{
	c->reload = value ? value : 65536;
	c->armed = 1;
	c->start = now;
	c->fired = 0;
}

void pit_write(struct pit *p, uint16_t port, uint8_t v, uint64_t now)
{
	if ((port & 3) == 3) {
		unsigned sel = v >> 6;
		if (sel == 3)
			return; /* read-back command: not modelled */
		struct pit_channel *c = &p->ch[sel];
		unsigned access = (v >> 4) & 3;
		if (access == 0) { /* counter latch command */
			c->latch = current_count(c, now);
			c->latched = 1;
			return;
		}
		c->access = (uint8_t)access;
		c->mode = (v >> 1) & 7;
		c->write_hi = c->read_hi = c->latched = 0;
		c->armed = 0; /* writing the control word stops the count until a new value comes */
		return;
	}
	struct pit_channel *c = &p->ch[port & 3];
	if (c->access == 1)
		load(c, v, now);
	else if (c->access == 2)
		load(c, (uint32_t)v << 8, now);
	else if (!c->write_hi) {
		c->pending_lo = v;
		c->write_hi = 1;
	} else {
		load(c, c->pending_lo | (uint32_t)v << 8, now);
		c->write_hi = 0;
	}
}

uint64_t pit_next_edge(const struct pit *p)
{
	const struct pit_channel *c = &p->ch[0];
	if (!c->armed)
		return VTIME_NEVER;
	if (periodic(c))
		return time_of_tick(c->start, (c->fired + 1) * c->reload);
	if (c->mode == 0 && c->fired == 0)
		return time_of_tick(c->start, c->reload);
	return VTIME_NEVER;
}

unsigned pit_irq0_edges(struct pit *p, uint64_t now)
{
	struct pit_channel *c = &p->ch[0];
	if (!c->armed)
		return 0;
	uint64_t t = ticks_at(c->start, now);
	if (periodic(c)) {
		uint64_t total = t / c->reload, n = total - c->fired;
		c->fired = total;
		return n > 0xffff ? 0xffff : (unsigned)n;
	}
	if (c->mode == 0 && c->fired == 0 && t >= c->reload) {
		c->fired = 1;
		return 1;
	}
	return 0;
}
