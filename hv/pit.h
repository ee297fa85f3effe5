/* pit.h - a virtual 8254 programmable interval timer, counting in virtual time. Each access is
 * given the time (now), so the model needs nothing of the hypervisor and builds for the host
 * too (libhvdev, tests/unit/check_pit.c). */
#ifndef HV_PIT_H
#define HV_PIT_H

#include <stdint.h>

/*
 * Virtual time: the machine's clock, in guest instructions. It advances with every instruction
 * any VM executes and jumps ahead when every VM waits. It runs at VTIME_HZ "instructions per
 * second", from which the PIT's 1.193182 MHz input clock is derived.
 */
#define VTIME_HZ 100000000ull
#define PIT_HZ 1193182ull
#define VTIME_NEVER UINT64_MAX

struct pit_channel {
	uint8_t mode;       /* 0-5 */
	uint8_t access;     /* 1 lobyte, 2 hibyte, 3 lobyte then hibyte */
	uint8_t write_hi;   /* next write of a lo/hi pair is the high byte */
	uint8_t read_hi;    /* next read of a lo/hi pair is the high byte */
	uint8_t latched;    /* a latched count waits to be read */
	uint8_t armed;      /* counting (a reload value was written) */
	uint16_t latch;
	uint32_t reload;    /* 1..65536 */
	uint8_t pending_lo;
	uint64_t start;     /* virtual time when counting started */
	uint64_t fired;     /* periods already signalled (channel 0) */
};

struct pit {
	struct pit_channel ch[3];
};

void pit_reset(struct pit *p);
uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now);
void pit_write(struct pit *p, uint16_t port, uint8_t v, uint64_t now);
/* How many IRQ0 edges channel 0 produced up to now that were not reported yet. */
unsigned pit_irq0_edges(struct pit *p, uint64_t now);
/* Virtual time of channel 0's next IRQ0 edge, or VTIME_NEVER. */
uint64_t pit_next_edge(const struct pit *p);

#endif
