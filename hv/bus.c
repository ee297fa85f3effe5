/*
 * bus.c - message queues of the inter-VM bus. Messages are copied: the sender's bytes into the
 * receiver's queue (hypervisor memory), later from the queue into the receiver's memory, each
 * copy through the owning VM's EPT view (vm_gpa_ptr). No page is ever shared between VMs.
 * Pure queue logic, built for the host too (libhvdev, tests/unit/check_bus.c).
 */
#include "bus.h"

_Static_assert(HVT_MAX_VMS < 32, "the policy is a 32-bit mask of senders");

int bus_put(struct bus_queue *q, uint32_t sender, const void *data, uint32_t len)
{
	if (!bus_may_send(q, sender) || q->count == BUS_QUEUE_LEN || len > BUS_MSG_MAX || q->waiting[sender] >= q->share)
		return -1;
	struct bus_msg *m = &q->msg[(q->head + q->count) % BUS_QUEUE_LEN];
	m->sender = sender;
	m->len = len;
	__builtin_memcpy(m->data, data, len); /* the hypervisor's memcpy (lib.c), or libc's on the host */
	q->count++;
	q->waiting[sender]++;
	return 0;
}

const struct bus_msg *bus_peek(const struct bus_queue *q) { return q->count ? &q->msg[q->head] : 0; }

void bus_drop(struct bus_queue *q)
{
	if (!q->count)
		return;
	q->waiting[q->msg[q->head].sender]--;
	q->head = (q->head + 1) % BUS_QUEUE_LEN;
	q->count--;
}

int bus_may_send(const struct bus_queue *q, uint32_t sender)
{
	return sender < HVT_MAX_VMS && (q->senders >> sender & 1);
}

void bus_set_policy(struct bus_queue *q, unsigned owner, uint32_t senders)
{
	unsigned others = 0;
	for (unsigned i = 0; i < HVT_MAX_VMS; i++)
		others += i != owner && (senders >> i & 1);
	q->senders = senders & ((1u << HVT_MAX_VMS) - 1);
	q->share = others > 1 ? BUS_QUEUE_LEN / others : BUS_QUEUE_LEN;
}
