/*
 * check_pit.c - the 8254 model (hv/pit.c) against virtual time, without Bochs: modes 0, 2 and 3
 * at several counts, the IRQ0 edges and the next-edge time the scheduler sleeps until, counter
 * latch commands, lo/hi access, and the read-back command (not modelled: ignored).
 */
#include <check.h>

#include "check_run.h"
#include "pit.h"

/* Virtual time after n PIT input ticks (rounded up, as the model rounds), from t0. */
static uint64_t after(uint64_t t0, uint64_t n) { return t0 + (n * VTIME_HZ + PIT_HZ - 1) / PIT_HZ; }

/* Program channel ch: access lo/hi (3), mode, count, at time now. */
static void program(struct pit *p, unsigned ch, unsigned mode, uint32_t count, uint64_t now)
{
	pit_write(p, 0x43, (uint8_t)(ch << 6 | 3 << 4 | mode << 1), now);
	pit_write(p, (uint16_t)(0x40 + ch), (uint8_t)count, now);
	pit_write(p, (uint16_t)(0x40 + ch), (uint8_t)(count >> 8), now);
}

static uint16_t read_count(struct pit *p, unsigned ch, uint64_t now)
{
	uint8_t lo = pit_read(p, (uint16_t)(0x40 + ch), now);
	return (uint16_t)(lo | pit_read(p, (uint16_t)(0x40 + ch), now) << 8);
}

START_TEST(test_reset_channel_is_silent)
{
	struct pit p;
	pit_reset(&p);
	ck_assert_uint_eq(pit_next_edge(&p), VTIME_NEVER);
	ck_assert_uint_eq(pit_irq0_edges(&p, 1000000000ull), 0);
	ck_assert_uint_eq(pit_read(&p, 0x43, 0), 0xff); /* the control word cannot be read */
}
END_TEST

/* Modes 2 and 3: an edge every `count` ticks, for ever; the next edge is the scheduler's wake-up. */
START_TEST(test_periodic_modes)
{
	static const uint32_t counts[] = {2, 3, 100, 1193, 11932, 65535};
	static const unsigned modes[] = {2, 3, 6, 7}; /* 6 and 7 are 2 and 3 again (bit 2 ignored) */
	for (unsigned m = 0; m < 4; m++)
		for (unsigned i = 0; i < 6; i++) {
			struct pit p;
			uint32_t n = counts[i];
			uint64_t t0 = 12345;
			pit_reset(&p);
			program(&p, 0, modes[m], n, t0);
			ck_assert_uint_eq(pit_next_edge(&p), after(t0, n));
			ck_assert_uint_eq(pit_irq0_edges(&p, after(t0, n) - 1), 0);
			ck_assert_uint_eq(pit_irq0_edges(&p, after(t0, n)), 1);
			ck_assert_uint_eq(pit_next_edge(&p), after(t0, 2 * n));
			ck_assert_uint_eq(pit_irq0_edges(&p, after(t0, 2 * n)), 1);
			/* five periods later, at once: five edges, each reported once */
			ck_assert_uint_eq(pit_irq0_edges(&p, after(t0, 7 * n)), 5);
			ck_assert_uint_eq(pit_irq0_edges(&p, after(t0, 7 * n)), 0);
			ck_assert_uint_eq(pit_next_edge(&p), after(t0, 8 * n));
		}
}
END_TEST

/* A count of 0 means 65536. */
START_TEST(test_count_zero_is_65536)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 0, 2, 0, 0);
	ck_assert_uint_eq(pit_next_edge(&p), after(0, 65536));
}
END_TEST

/* Mode 0: one edge after count ticks, then none; the counter wraps on. */
START_TEST(test_mode0_one_shot)
{
	static const uint32_t counts[] = {1, 50, 1000, 40000};
	for (unsigned i = 0; i < 4; i++) {
		struct pit p;
		uint32_t n = counts[i];
		pit_reset(&p);
		program(&p, 0, 0, n, 500);
		ck_assert_uint_eq(pit_next_edge(&p), after(500, n));
		ck_assert_uint_eq(pit_irq0_edges(&p, after(500, n) - 1), 0);
		ck_assert_uint_eq(pit_irq0_edges(&p, after(500, n)), 1);
		ck_assert_uint_eq(pit_next_edge(&p), VTIME_NEVER);
		ck_assert_uint_eq(pit_irq0_edges(&p, after(500, 10 * n)), 0);
		/* a new count re-arms it */
		pit_write(&p, 0x40, (uint8_t)n, after(500, 20 * n));
		pit_write(&p, 0x40, (uint8_t)(n >> 8), after(500, 20 * n));
		ck_assert_uint_eq(pit_next_edge(&p), after(after(500, 20 * n), n));
	}
}
END_TEST

/* Reading the count: it falls one per input tick; in mode 0 it wraps past 0 to 0xFFFF. */
START_TEST(test_count_reads_follow_time)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 2, 0, 1000, 0);
	ck_assert_uint_eq(read_count(&p, 2, 0), 1000);
	ck_assert_uint_eq(read_count(&p, 2, after(0, 300)), 700);
	ck_assert_uint_eq(read_count(&p, 2, after(0, 1000)), 0);
	ck_assert_uint_eq(read_count(&p, 2, after(0, 1001)), 0xffff);
	program(&p, 1, 2, 100, 0);
	ck_assert_uint_eq(read_count(&p, 1, after(0, 30)), 70);
	ck_assert_uint_eq(read_count(&p, 1, after(0, 130)), 70); /* mode 2 reloads */
	/* channels 1 and 2 give no IRQ0 edge */
	ck_assert_uint_eq(pit_next_edge(&p), VTIME_NEVER);
}
END_TEST

/* The counter latch command freezes the count until both bytes were read. */
START_TEST(test_latch_command)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 0, 2, 1000, 0);
	pit_write(&p, 0x43, 0x00, after(0, 100)); /* latch channel 0 */
	ck_assert_uint_eq(read_count(&p, 0, after(0, 400)), 900);
	ck_assert_uint_eq(read_count(&p, 0, after(0, 400)), 600); /* the latch is gone */
	/* a latch read half-way: the high byte still comes from the latch */
	pit_write(&p, 0x43, 0x00, after(0, 500));
	ck_assert_uint_eq(pit_read(&p, 0x40, after(0, 600)), 500 & 0xff);
	ck_assert_uint_eq(pit_read(&p, 0x40, after(0, 700)), 500 >> 8);
	/* lobyte-only access: one read takes the latch */
	pit_write(&p, 0x43, 0x14, 0); /* channel 0, lobyte, mode 2 */
	pit_write(&p, 0x40, 200, 0);
	pit_write(&p, 0x43, 0x00, after(0, 50));
	ck_assert_uint_eq(pit_read(&p, 0x40, after(0, 60)), 150);
	ck_assert_uint_eq(pit_read(&p, 0x40, after(0, 60)), 140);
	ck_assert_uint_eq(pit_next_edge(&p), after(0, 200));
	/* hibyte-only access: the count is value << 8 */
	pit_write(&p, 0x43, 0x24, 0);
	pit_write(&p, 0x40, 2, 0);
	ck_assert_uint_eq(pit_next_edge(&p), after(0, 512));
}
END_TEST

/* Writing a control word stops the channel until its count is written; read-back is ignored. */
START_TEST(test_control_word_and_read_back)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 0, 2, 100, 0);
	pit_write(&p, 0x43, 0xc2, after(0, 10)); /* read-back (not modelled): no change */
	ck_assert_uint_eq(pit_next_edge(&p), after(0, 100));
	ck_assert_uint_eq(read_count(&p, 0, after(0, 10)), 90);
	pit_write(&p, 0x43, 0x34, after(0, 10));
	ck_assert_uint_eq(pit_next_edge(&p), VTIME_NEVER);
	pit_write(&p, 0x40, 10, after(0, 20));
	ck_assert_uint_eq(pit_next_edge(&p), VTIME_NEVER); /* half a lo/hi pair */
	pit_write(&p, 0x40, 0, after(0, 20));
	ck_assert_uint_eq(pit_next_edge(&p), after(after(0, 20), 10));
	/* modes 1 and 5 need the gate: they count but give no edge */
	program(&p, 0, 1, 10, 0);
	ck_assert_uint_eq(pit_next_edge(&p), VTIME_NEVER);
	ck_assert_uint_eq(pit_irq0_edges(&p, after(0, 100)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pit");
	TCase *tc = tcase_create("pit");
	tcase_add_test(tc, test_reset_channel_is_silent);
	tcase_add_test(tc, test_periodic_modes);
	tcase_add_test(tc, test_count_zero_is_65536);
	tcase_add_test(tc, test_mode0_one_shot);
	tcase_add_test(tc, test_count_reads_follow_time);
	tcase_add_test(tc, test_latch_command);
	tcase_add_test(tc, test_control_word_and_read_back);
	suite_add_tcase(s, tc);
	return check_run(s);
}
