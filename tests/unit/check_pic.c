/*
 * check_pic.c - the 8259A pair (hv/pic.c) without Bochs: the ICW1-ICW4 initialisation a guest
 * does, masks (OCW1), IRR/ISR and their reads (OCW3), non-specific and specific EOI (OCW2), the
 * slave cascaded on the master's IRQ2, and fully nested priority.
 */
#include <check.h>

#include "check_run.h"
#include "pic.h"

/* The usual PC initialisation: edge, cascade, ICW4; vectors 0x20 and 0x28; slave on IRQ2. */
static void init_pc(struct pic *p, uint8_t icw4)
{
	pic_reset(p);
	pic_write(p, 0x20, 0x11);
	pic_write(p, 0xa0, 0x11);
	pic_write(p, 0x21, 0x20);
	pic_write(p, 0xa1, 0x28);
	pic_write(p, 0x21, 0x04);
	pic_write(p, 0xa1, 0x02);
	pic_write(p, 0x21, icw4);
	pic_write(p, 0xa1, icw4);
}

/* Take the interrupt the PIC offers: its vector, or -1. */
static int take(struct pic *p)
{
	int v = pic_pending(p);
	if (v >= 0)
		pic_ack(p);
	return v;
}

START_TEST(test_reset_masks_everything)
{
	struct pic p;
	pic_reset(&p);
	ck_assert_uint_eq(pic_read(&p, 0x21), 0xff);
	ck_assert_uint_eq(pic_read(&p, 0xa1), 0xff);
	pic_raise(&p, 0);
	pic_raise(&p, 9);
	ck_assert_int_eq(pic_pending(&p), -1);
	pic_write(&p, 0x21, 0xfe); /* OCW1: unmask IRQ0: the default base 8 */
	ck_assert_int_eq(pic_pending(&p), 0x08);
}
END_TEST

START_TEST(test_icw_sequence_sets_vectors_and_unmasks)
{
	struct pic p;
	init_pc(&p, 0x01);
	ck_assert_uint_eq(pic_read(&p, 0x21), 0x00); /* ICW1 clears the mask */
	pic_raise(&p, 1);
	ck_assert_int_eq(take(&p), 0x21);
	pic_write(&p, 0x20, 0x20);
	pic_raise(&p, 12);
	ck_assert_int_eq(take(&p), 0x2c);
	/* ICW2's low three bits are not part of the base */
	pic_reset(&p);
	pic_write(&p, 0x20, 0x13); /* single, ICW4 */
	pic_write(&p, 0x21, 0x47);
	pic_write(&p, 0x21, 0x01); /* ICW4, no ICW3 in single mode */
	pic_write(&p, 0x21, 0xfd); /* now OCW1 */
	ck_assert_uint_eq(pic_read(&p, 0x21), 0xfd);
	pic_raise(&p, 1);
	ck_assert_int_eq(pic_pending(&p), 0x41);
	/* without ICW4, the word after ICW3 is already the mask */
	pic_reset(&p);
	pic_write(&p, 0x20, 0x10);
	pic_write(&p, 0x21, 0x30);
	pic_write(&p, 0x21, 0x04);
	pic_write(&p, 0x21, 0x7f);
	ck_assert_uint_eq(pic_read(&p, 0x21), 0x7f);
}
END_TEST

START_TEST(test_masks)
{
	struct pic p;
	init_pc(&p, 0x01);
	pic_write(&p, 0x21, 0x01);
	pic_raise(&p, 0);
	ck_assert_int_eq(pic_pending(&p), -1);
	pic_raise(&p, 3);
	ck_assert_int_eq(take(&p), 0x23); /* the masked IRQ0 waits */
	pic_write(&p, 0x20, 0x20);
	pic_write(&p, 0x21, 0x00);
	ck_assert_int_eq(take(&p), 0x20); /* and comes once unmasked */
	/* masking the cascade line hides the whole slave */
	pic_write(&p, 0x20, 0x20);
	pic_write(&p, 0x21, 0x04);
	pic_raise(&p, 8);
	ck_assert_int_eq(pic_pending(&p), -1);
	pic_write(&p, 0x21, 0x00);
	ck_assert_int_eq(pic_pending(&p), 0x28);
}
END_TEST

START_TEST(test_irr_isr_reads)
{
	struct pic p;
	init_pc(&p, 0x01);
	pic_raise(&p, 1);
	pic_raise(&p, 4);
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x12); /* IRR after init */
	ck_assert_int_eq(take(&p), 0x21);
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x10);
	pic_write(&p, 0x20, 0x0b); /* OCW3: read ISR */
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x02);
	pic_write(&p, 0x20, 0x08); /* OCW3 without RR: no change of the register read */
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x02);
	pic_write(&p, 0x20, 0x0a); /* OCW3: read IRR */
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x10);
}
END_TEST

/* Fully nested: a lower priority waits while a higher one is in service, a higher one nests. */
START_TEST(test_priority_and_eoi)
{
	struct pic p;
	init_pc(&p, 0x01);
	pic_raise(&p, 5);
	pic_raise(&p, 3);
	ck_assert_int_eq(take(&p), 0x23);
	ck_assert_int_eq(pic_pending(&p), -1); /* IRQ5 waits for IRQ3's EOI */
	pic_raise(&p, 1);
	ck_assert_int_eq(take(&p), 0x21); /* a higher priority nests */
	pic_write(&p, 0x20, 0x0b);
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x0a);
	pic_write(&p, 0x20, 0x20); /* non-specific EOI: the highest in service, IRQ1 */
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x08);
	ck_assert_int_eq(pic_pending(&p), -1);
	pic_write(&p, 0x20, 0x63); /* specific EOI for IRQ3 */
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x00);
	ck_assert_int_eq(take(&p), 0x25);
	/* a specific EOI for a level not in service changes nothing */
	pic_write(&p, 0x20, 0x62);
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x20);
	pic_write(&p, 0x20, 0x65);
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x00);
	/* a request that comes again while in service waits for the EOI */
	pic_raise(&p, 0);
	ck_assert_int_eq(take(&p), 0x20);
	pic_raise(&p, 0);
	ck_assert_int_eq(pic_pending(&p), -1);
	pic_write(&p, 0x20, 0x20);
	ck_assert_int_eq(take(&p), 0x20);
}
END_TEST

START_TEST(test_cascade)
{
	struct pic p;
	init_pc(&p, 0x01);
	pic_raise(&p, 14);
	pic_raise(&p, 3);
	ck_assert_int_eq(take(&p), 0x2e); /* IRQ2's priority on the master, above IRQ3 */
	pic_write(&p, 0xa0, 0x0b);
	ck_assert_uint_eq(pic_read(&p, 0xa0), 0x40);
	pic_write(&p, 0x20, 0x0b);
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x04); /* the master has IRQ2 in service */
	ck_assert_int_eq(pic_pending(&p), -1);
	pic_write(&p, 0xa0, 0x20); /* EOI to both, slave first */
	pic_write(&p, 0x20, 0x20);
	ck_assert_int_eq(take(&p), 0x23);
	/* among the slave's lines, the lower number wins */
	pic_write(&p, 0x20, 0x20);
	pic_raise(&p, 15);
	pic_raise(&p, 9);
	ck_assert_int_eq(take(&p), 0x29);
	pic_write(&p, 0xa0, 0x20);
	pic_write(&p, 0x20, 0x20);
	ck_assert_int_eq(take(&p), 0x2f);
	/* IRQ0 and IRQ1 outrank the whole slave */
	pic_write(&p, 0xa0, 0x20);
	pic_write(&p, 0x20, 0x20);
	pic_raise(&p, 8);
	pic_raise(&p, 1);
	ck_assert_int_eq(take(&p), 0x21);
	/* a slave mask hides only that line */
	pic_write(&p, 0x20, 0x20);
	pic_write(&p, 0xa1, 0x01);
	ck_assert_int_eq(pic_pending(&p), -1);
	pic_raise(&p, 10);
	ck_assert_int_eq(pic_pending(&p), 0x2a);
	pic_raise(&p, 16); /* no such line */
	ck_assert_int_eq(pic_pending(&p), 0x2a);
}
END_TEST

START_TEST(test_auto_eoi)
{
	struct pic p;
	init_pc(&p, 0x03); /* ICW4: 8086 mode, AEOI */
	pic_raise(&p, 4);
	ck_assert_int_eq(take(&p), 0x24);
	pic_write(&p, 0x20, 0x0b);
	ck_assert_uint_eq(pic_read(&p, 0x20), 0x00); /* nothing stays in service */
	pic_raise(&p, 6);
	ck_assert_int_eq(take(&p), 0x26);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pic");
	TCase *tc = tcase_create("pic");
	tcase_add_test(tc, test_reset_masks_everything);
	tcase_add_test(tc, test_icw_sequence_sets_vectors_and_unmasks);
	tcase_add_test(tc, test_masks);
	tcase_add_test(tc, test_irr_isr_reads);
	tcase_add_test(tc, test_priority_and_eoi);
	tcase_add_test(tc, test_cascade);
	tcase_add_test(tc, test_auto_eoi);
	suite_add_tcase(s, tc);
	return check_run(s);
}
