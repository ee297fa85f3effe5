/*
 * uart.h - a virtual 16550 UART, the guest's console. Built for the hypervisor and, as part of
 * libhvdev, for the host: replay rebuilds a VM's console with this same model, and the unit tests
 * drive it directly. It reaches nothing outside itself: its finished lines go to the sink given
 * to uart_init.
 */
#ifndef HV_UART_H
#define HV_UART_H

#include <stdint.h>

#define UART_COM1 0x3f8
#define UART_LINE_MAX 240

/* Register offsets from the base port (PC16550D datasheet, table 2). With LCR.DLAB set, offsets
 * 0 and 1 are the divisor latch (DLL, DLM) instead of RBR/THR and IER. */
enum { UART_THR = 0, UART_RBR = 0, UART_IER = 1, UART_IIR = 2, UART_FCR = 2, UART_LCR = 3,
       UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7 };
#define UART_LCR_DLAB 0x80
#define UART_LSR_DR 0x01   /* receive data ready */
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_LSR_TEMT 0x40 /* transmitter empty */

/*
 * Where the console text goes: one call per line, without its newline; newline says whether the
 * line ended with one (0: the line was cut at UART_LINE_MAX or flushed). The hypervisor sends a
 * console frame to the runner (console.c); replay appends to the session's console.
 */
typedef void uart_line_fn(void *ctx, int vm, const char *text, uint32_t len, int newline);

struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	int vm;
	const uint8_t *in;      /* scripted input (the vm<N>.input module), received in order */
	uint32_t in_len, in_pos;
	uart_line_fn *line_out;
	void *ctx;
	uint32_t len;
	char line[UART_LINE_MAX];
};

void uart_init(struct uart *u, int vm, const uint8_t *in, uint32_t in_len, uart_line_fn *line_out, void *ctx);
/* Register access at offset 0-7 from the base port. */
uint8_t uart_read(struct uart *u, unsigned reg);
void uart_write(struct uart *u, unsigned reg, uint8_t v);
/* Text the VM wrote by other means (the console hypercall) joins the same line buffer. */
void uart_put(struct uart *u, char c);
void uart_flush(struct uart *u);

#endif
