/* bus.h - the inter-VM message bus: a bounded queue of messages per VM. */
#ifndef HV_BUS_H
#define HV_BUS_H

#include <stdint.h>

#define BUS_QUEUE_LEN 16   /* messages waiting per VM */
#define BUS_MSG_MAX 1024   /* bytes per message */

struct bus_msg {
	uint32_t sender, len;
	uint8_t data[BUS_MSG_MAX];
};

struct bus_queue {
	uint32_t head, count;
	struct bus_msg msg[BUS_QUEUE_LEN];
};

/* 0, or -1 when the queue is full. */
int bus_put(struct bus_queue *q, uint32_t sender, const void *data, uint32_t len);
/* The oldest message, or 0 when there is none; bus_drop removes it. */
const struct bus_msg *bus_peek(const struct bus_queue *q);
void bus_drop(struct bus_queue *q);

#endif
