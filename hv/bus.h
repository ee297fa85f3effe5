/*
 * bus.h - the inter-VM message bus: a bounded queue of messages per VM.
 *
 * Policy (docs/vm-definitions.md, <bus>): each VM has a set of VMs it may send to (default:
 * every VM), and each sender owns a share of every queue it may send to: BUS_QUEUE_LEN divided
 * by the number of other VMs allowed to send there (a VM's messages to itself count in a share of
 * the same size). A sender that fills its share gets HC_EAGAIN; the others' shares stay free, so
 * a flooder can fill only its own.
 */
#ifndef HV_BUS_H
#define HV_BUS_H

#include <stdint.h>

#include "retrovisor/trace_format.h"

#define BUS_QUEUE_LEN 16   /* messages waiting per VM */
#define BUS_MSG_MAX 1024   /* bytes per message */

struct bus_msg {
	uint32_t sender, len;
	uint8_t data[BUS_MSG_MAX];
};

struct bus_queue {
	uint32_t head, count;
	uint32_t senders;                  /* the policy: bit i, VM i may send here */
	uint32_t share;                    /* messages each sender may have waiting here */
	uint8_t waiting[HVT_MAX_VMS];      /* messages waiting here, per sender */
	struct bus_msg msg[BUS_QUEUE_LEN];
};

/* 0, or -1 when the sender may not send here, the message is too long, or the queue or the
 * sender's share of it is full. */
int bus_put(struct bus_queue *q, uint32_t sender, const void *data, uint32_t len);
/* The policy of VM owner's queue: the VMs that may send to it (bit i: VM i; the owner's own bit
 * for messages to itself), and from it each sender's share. */
void bus_set_policy(struct bus_queue *q, unsigned owner, uint32_t senders);
/* Whether the policy lets VM sender send to this queue (HC_EPERM if not). */
int bus_may_send(const struct bus_queue *q, uint32_t sender);
/* The oldest message, or 0 when there is none; bus_drop removes it. */
const struct bus_msg *bus_peek(const struct bus_queue *q);
void bus_drop(struct bus_queue *q);

#endif
