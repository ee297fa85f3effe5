/*
 * check_uart.c - the 16550 console model (hv/uart.c), driven without Bochs through its register
 * interface: THR writes build lines, LCR.DLAB switches offsets 0/1 to the divisor latch, LSR
 * reports an empty transmitter and data ready, scripted input comes through RBR, long lines are
 * cut at UART_LINE_MAX, and bytes from 0x80 up pass unchanged.
 */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "uart.h"

/* What the sink received: the lines, each followed by '\n' (newline ended it) or '|' (cut). */
struct sink {
	char text[4096];
	size_t len;
	unsigned calls;
	int vm;
};

static void sink_line(void *ctx, int vm, const char *text, uint32_t len, int newline)
{
	struct sink *k = ctx;
	ck_assert_uint_lt(k->len + len + 1, sizeof(k->text));
	memcpy(k->text + k->len, text, len);
	k->len += len;
	k->text[k->len++] = newline ? '\n' : '|';
	k->text[k->len] = 0;
	k->calls++;
	k->vm = vm;
}

static struct sink k;
static struct uart u;

static void setup(void)
{
	memset(&k, 0, sizeof(k));
	uart_init(&u, 3, NULL, 0, sink_line, &k);
}

static void out(const char *s)
{
	for (; *s; s++)
		uart_write(&u, UART_THR, (uint8_t)*s);
}

START_TEST(test_thr_writes_build_lines)
{
	out("hello\r\n\nworld");
	ck_assert_str_eq(k.text, "hello\n\n"); /* CR dropped, an empty line is a line */
	ck_assert_uint_eq(k.calls, 2);
	ck_assert_int_eq(k.vm, 3);
	uart_flush(&u);
	ck_assert_str_eq(k.text, "hello\n\nworld|");
	uart_flush(&u); /* nothing pending: no empty line */
	ck_assert_uint_eq(k.calls, 3);
}
END_TEST

START_TEST(test_console_hypercall_text_joins_the_line)
{
	out("ab");
	uart_put(&u, 'c');
	out("d\n");
	ck_assert_str_eq(k.text, "abcd\n");
}
END_TEST

START_TEST(test_dlab_switches_to_the_divisor_latch)
{
	ck_assert_uint_eq(uart_read(&u, UART_LCR), 0x03); /* 8N1 after reset */
	ck_assert_uint_eq(uart_read(&u, UART_LSR) & UART_LSR_DR, 0);
	uart_write(&u, UART_IER, 0xff);
	ck_assert_uint_eq(uart_read(&u, UART_IER), 0x0f); /* IER bits 7:4 are always 0 */
	uart_write(&u, UART_LCR, 0x83);
	uart_write(&u, UART_THR, 0x0c); /* DLL: 9600 baud */
	uart_write(&u, UART_IER, 0x00); /* DLM */
	ck_assert_uint_eq(uart_read(&u, UART_THR), 0x0c);
	ck_assert_uint_eq(uart_read(&u, UART_IER), 0x00);
	ck_assert_uint_eq(k.calls, 0);
	uart_write(&u, UART_THR, '\n'); /* still the latch: no line */
	ck_assert_uint_eq(k.calls, 0);
	uart_write(&u, UART_LCR, 0x03);
	ck_assert_uint_eq(uart_read(&u, UART_IER), 0x0f); /* IER again, unchanged by the DLM write */
	out("x\n");
	ck_assert_str_eq(k.text, "x\n");
	uart_write(&u, UART_LCR, 0x83);
	ck_assert_uint_eq(uart_read(&u, UART_THR), 0x0a); /* DLL kept the newline byte */
}
END_TEST

START_TEST(test_lsr_and_scripted_input)
{
	static const uint8_t in[] = {'o', 'k', 0xff};
	uart_init(&u, 0, in, sizeof(in), sink_line, &k);
	uint8_t lsr = uart_read(&u, UART_LSR);
	ck_assert_uint_eq(lsr, UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	ck_assert_uint_eq(uart_read(&u, UART_RBR), 'o');
	ck_assert_uint_eq(uart_read(&u, UART_RBR), 'k');
	ck_assert_uint_eq(uart_read(&u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	ck_assert_uint_eq(uart_read(&u, UART_RBR), 0xff);
	ck_assert_uint_eq(uart_read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT); /* input used up */
	ck_assert_uint_eq(uart_read(&u, UART_RBR), 0);
	/* with DLAB set, offset 0 reads the latch and takes no input */
	uart_init(&u, 0, in, sizeof(in), sink_line, &k);
	uart_write(&u, UART_LCR, 0x80);
	ck_assert_uint_eq(uart_read(&u, UART_RBR), 1);
	uart_write(&u, UART_LCR, 0x03);
	ck_assert_uint_eq(uart_read(&u, UART_RBR), 'o');
	/* the read-only registers ignore writes; the scratch register keeps a byte */
	uart_write(&u, UART_LSR, 0);
	uart_write(&u, UART_MSR, 0);
	ck_assert_uint_eq(uart_read(&u, UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
	ck_assert_uint_eq(uart_read(&u, UART_MSR), 0xb0);
	uart_write(&u, UART_SCR, 0x5a);
	ck_assert_uint_eq(uart_read(&u, UART_SCR), 0x5a);
	ck_assert_uint_eq(uart_read(&u, UART_IIR) & 1, 1); /* no interrupt pending */
}
END_TEST

START_TEST(test_line_overflow_at_line_max)
{
	char line[UART_LINE_MAX + 4];
	for (unsigned i = 0; i < UART_LINE_MAX + 3; i++)
		line[i] = (char)('a' + i % 26);
	line[UART_LINE_MAX + 3] = 0;
	out(line);
	ck_assert_uint_eq(k.calls, 1);
	ck_assert_uint_eq(k.len, UART_LINE_MAX + 1);
	ck_assert_int_eq(k.text[UART_LINE_MAX], '|');
	ck_assert(!memcmp(k.text, line, UART_LINE_MAX));
	uart_write(&u, UART_THR, '\n');
	ck_assert_uint_eq(k.len, UART_LINE_MAX + 1 + 3 + 1); /* the 3 bytes left, then the newline */
	ck_assert(!memcmp(k.text + UART_LINE_MAX + 1, line + UART_LINE_MAX, 3));
	ck_assert_int_eq(k.text[k.len - 1], '\n');
	/* exactly UART_LINE_MAX bytes then a newline: the line, then an empty one */
	memset(&k, 0, sizeof(k));
	line[UART_LINE_MAX] = 0;
	out(line);
	out("\n");
	ck_assert_uint_eq(k.calls, 2);
	ck_assert_str_eq(k.text + UART_LINE_MAX, "|\n");
}
END_TEST

START_TEST(test_bytes_from_0x80_up_pass_unchanged)
{
	for (unsigned b = 0x80; b <= 0xff; b++)
		uart_write(&u, UART_THR, (uint8_t)b);
	uart_flush(&u);
	ck_assert_uint_eq(k.len, 0x81);
	for (unsigned b = 0x80; b <= 0xff; b++)
		ck_assert_uint_eq((uint8_t)k.text[b - 0x80], b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uart");
	TCase *tc = tcase_create("uart");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_thr_writes_build_lines);
	tcase_add_test(tc, test_console_hypercall_text_joins_the_line);
	tcase_add_test(tc, test_dlab_switches_to_the_divisor_latch);
	tcase_add_test(tc, test_lsr_and_scripted_input);
	tcase_add_test(tc, test_line_overflow_at_line_max);
	tcase_add_test(tc, test_bytes_from_0x80_up_pass_unchanged);
	suite_add_tcase(s, tc);
	return check_run(s);
}
