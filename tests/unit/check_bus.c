/*
 * check_bus.c - the inter-VM message queue (hv/bus.c) without Bochs: messages come out in the
 * order they went in, with their sender and bytes; a full queue refuses; the policy refuses a
 * VM not allowed to send there; each sender may fill only its share (BUS_QUEUE_LEN divided by
 * the number of other VMs allowed to send there), so a flooder leaves the others' shares free;
 * oversized messages and unknown senders are refused.
 */
#include <check.h>
#include <string.h>

#include "bus.h"
#include "check_run.h"

static struct bus_queue q; /* 16 KiB of messages: not on the stack */

static int put_byte(uint32_t sender, uint8_t b) { return bus_put(&q, sender, &b, 1); }

START_TEST(test_messages_in_order_with_sender)
{
	memset(&q, 0, sizeof(q));
	bus_set_policy(&q, 0, 1u << 1 | 1u << 2);
	ck_assert_ptr_null(bus_peek(&q));
	ck_assert_int_eq(bus_put(&q, 2, "first", 5), 0);
	ck_assert_int_eq(bus_put(&q, 2, "", 0), 0); /* an empty message is a message */
	ck_assert_int_eq(bus_put(&q, 2, "third", 5), 0);
	const struct bus_msg *m = bus_peek(&q);
	ck_assert_uint_eq(m->sender, 2);
	ck_assert_uint_eq(m->len, 5);
	ck_assert(!memcmp(m->data, "first", 5));
	ck_assert_ptr_eq(bus_peek(&q), m); /* peek does not take */
	bus_drop(&q);
	ck_assert_uint_eq(bus_peek(&q)->len, 0);
	bus_drop(&q);
	ck_assert(!memcmp(bus_peek(&q)->data, "third", 5));
	bus_drop(&q);
	ck_assert_ptr_null(bus_peek(&q));
	bus_drop(&q); /* dropping from an empty queue changes nothing */
	ck_assert_uint_eq(q.count, 0);
	/* the ring wraps: many rounds keep the order */
	for (unsigned i = 0; i < 3 * BUS_QUEUE_LEN; i++) {
		ck_assert_int_eq(put_byte(1, (uint8_t)i), 0);
		ck_assert_int_eq(put_byte(1, (uint8_t)(i + 100)), 0);
		ck_assert_uint_eq(bus_peek(&q)->data[0], (uint8_t)i);
		bus_drop(&q);
		ck_assert_uint_eq(bus_peek(&q)->data[0], (uint8_t)(i + 100));
		bus_drop(&q);
	}
}
END_TEST

START_TEST(test_queue_full)
{
	memset(&q, 0, sizeof(q));
	bus_set_policy(&q, 0, 1u << 0); /* only the owner, to itself: the whole queue */
	ck_assert_uint_eq(q.share, BUS_QUEUE_LEN);
	for (unsigned i = 0; i < BUS_QUEUE_LEN; i++)
		ck_assert_int_eq(put_byte(0, (uint8_t)i), 0);
	ck_assert_int_eq(put_byte(0, 99), -1);
	bus_drop(&q);
	ck_assert_int_eq(put_byte(0, 99), 0); /* room again */
	for (unsigned i = 1; i < BUS_QUEUE_LEN; i++, bus_drop(&q))
		ck_assert_uint_eq(bus_peek(&q)->data[0], i);
	ck_assert_uint_eq(bus_peek(&q)->data[0], 99);
}
END_TEST

START_TEST(test_share_per_sender)
{
	memset(&q, 0, sizeof(q));
	bus_set_policy(&q, 0, 0x1e); /* VMs 1-4 may send here */
	ck_assert_uint_eq(q.share, BUS_QUEUE_LEN / 4);
	for (unsigned i = 0; i < BUS_QUEUE_LEN / 4; i++)
		ck_assert_int_eq(put_byte(1, 1), 0);
	ck_assert_int_eq(put_byte(1, 1), -1); /* the flooder filled its own share ... */
	for (uint32_t s = 2; s <= 4; s++)    /* ... and only that */
		for (unsigned i = 0; i < BUS_QUEUE_LEN / 4; i++)
			ck_assert_int_eq(put_byte(s, (uint8_t)s), 0);
	ck_assert_int_eq(put_byte(2, 2), -1);
	ck_assert_uint_eq(q.count, BUS_QUEUE_LEN);
	/* the receiver takes sender 1's oldest: sender 1, and only it, may send one more */
	bus_drop(&q);
	ck_assert_int_eq(put_byte(2, 2), -1);
	ck_assert_int_eq(put_byte(1, 1), 0);
	/* three senders, the owner (5) not among them: a share of 16 / 3 = 5 each */
	memset(&q, 0, sizeof(q));
	bus_set_policy(&q, 5, 0x07);
	for (unsigned i = 0; i < BUS_QUEUE_LEN / 3; i++)
		ck_assert_int_eq(put_byte(0, 0), 0);
	ck_assert_int_eq(put_byte(0, 0), -1);
	/* the owner's own messages count in a share of the same size as one other sender's */
	memset(&q, 0, sizeof(q));
	bus_set_policy(&q, 3, 1u << 3 | 1u << 1 | 1u << 2);
	ck_assert_uint_eq(q.share, BUS_QUEUE_LEN / 2);
	bus_set_policy(&q, 3, 1u << 3 | 1u << 1);
	ck_assert_uint_eq(q.share, BUS_QUEUE_LEN);
}
END_TEST

START_TEST(test_refusals)
{
	static uint8_t big[BUS_MSG_MAX + 1];
	memset(&q, 0, sizeof(q));
	bus_set_policy(&q, 0, 0xffffffffu);
	ck_assert_int_eq(bus_put(&q, 0, big, BUS_MSG_MAX + 1), -1);
	ck_assert_int_eq(bus_put(&q, HVT_MAX_VMS, "x", 1), -1); /* no such sender */
	ck_assert_uint_eq(q.count, 0);
	big[BUS_MSG_MAX - 1] = 0xee;
	ck_assert_int_eq(bus_put(&q, HVT_MAX_VMS - 1, big, BUS_MSG_MAX), 0);
	ck_assert_uint_eq(bus_peek(&q)->sender, HVT_MAX_VMS - 1);
	ck_assert_uint_eq(bus_peek(&q)->data[BUS_MSG_MAX - 1], 0xee);
	/* a queue whose policy was never set takes nothing */
	memset(&q, 0, sizeof(q));
	ck_assert_int_eq(put_byte(0, 0), -1);
}
END_TEST

START_TEST(test_policy_refuses)
{
	memset(&q, 0, sizeof(q));
	bus_set_policy(&q, 0, 1u << 2 | 1u << 5); /* VMs 2 and 5 may send to VM 0 */
	ck_assert(bus_may_send(&q, 2));
	ck_assert(bus_may_send(&q, 5));
	ck_assert(!bus_may_send(&q, 0)); /* not even the owner */
	ck_assert(!bus_may_send(&q, 1));
	ck_assert(!bus_may_send(&q, 3));
	ck_assert(!bus_may_send(&q, HVT_MAX_VMS));
	ck_assert_int_eq(put_byte(1, 1), -1);
	ck_assert_int_eq(put_byte(0, 0), -1);
	ck_assert_uint_eq(q.count, 0);
	ck_assert_int_eq(put_byte(5, 5), 0);
	ck_assert_uint_eq(bus_peek(&q)->sender, 5);
	ck_assert_uint_eq(q.share, BUS_QUEUE_LEN / 2);
	/* bits beyond the VMs there can be are not senders */
	bus_set_policy(&q, 0, 0xffff0000u | 1u << 1);
	ck_assert_uint_eq(q.share, BUS_QUEUE_LEN);
	ck_assert(!bus_may_send(&q, HVT_MAX_VMS));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bus");
	TCase *tc = tcase_create("bus");
	tcase_add_test(tc, test_messages_in_order_with_sender);
	tcase_add_test(tc, test_queue_full);
	tcase_add_test(tc, test_share_per_sender);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_policy_refuses);
	suite_add_tcase(s, tc);
	return check_run(s);
}
