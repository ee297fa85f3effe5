/*
 * console.c - framed output to the runner over port 0xE9 (include/retrovisor/console_proto.h),
 * and the ways to end the run.
 *
 * Port 0xE9 costs one host write(2) per byte in Bochs (about 1-2 MB/s): plenty for messages and
 * guest console lines, far too slow for the trace, which goes to the ATA disk instead (trace.c).
 */
#include "console.h"

#include "retrovisor/console_proto.h"
#include "x86.h"

static void put_byte(char c) { outb(CONPROTO_PORT, (uint8_t)c); }

void console_frame(char kind, int vm, const char *text, size_t len)
{
	char num[8];
	put_byte(CONPROTO_MARK);
	put_byte(kind);
	if (vm >= 0) {
		int n = snprintf(num, sizeof(num), "%d", vm);
		for (int i = 0; i < n; i++)
			put_byte(num[i]);
	}
	put_byte(' ');
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		/* keep the framing intact whatever a guest prints */
		put_byte(c == '\t' || (c >= 0x20 && c != 0x7f) || (c & 0x80) ? c : '?');
	}
	put_byte('\n');
}

void console_uart_line(void *ctx, int vm, const char *text, uint32_t len, int newline)
{
	(void)ctx;
	(void)newline; /* a frame is a line whether or not the guest ended it */
	console_frame(CONPROTO_CONSOLE, vm, text, len);
}

void hv_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	/* one frame per line */
	int start = 0;
	for (int i = 0; i <= n; i++)
		if (i == n || buf[i] == '\n') {
			if (i > start || i < n)
				console_frame(CONPROTO_MSG, -1, buf + start, (size_t)(i - start));
			start = i + 1;
		}
}

_Noreturn void machine_exit(int failed)
{
	char line[16];
	int n = snprintf(line, sizeof(line), "%d", failed);
	console_frame(CONPROTO_DONE, -1, line, (size_t)n);
	/* Bochs: the shutdown port (exit status 1 from Bochs, the runner reads the D line). */
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	/* QEMU with -device isa-debug-exit,iobase=0xf4: exits with (value << 1) | 1. */
	outb(0xf4, failed ? 1 : 0);
	/* QEMU's PIIX4 ACPI power-off, so that even without that device the run ends. */
	outw(0x604, 0x2000);
	for (;;)
		__asm__ volatile("cli; hlt");
}
