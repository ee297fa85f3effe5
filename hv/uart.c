/*
 * uart.c - a 16550 at 0x3F8 as the guest's console (register map: PC16550D datasheet, table 2).
 *
 * Transmit is immediate: the line status register always reports an empty transmitter
 * (LSR = 0x60: THRE | TEMT), so a polling driver never waits. Output is collected into lines
 * and sent to the runner as console frames. Receive data is the VM's scripted input, if any:
 * LSR.DR (bit 0) is set while bytes remain, and each read of RBR takes the next one. Drivers
 * poll; the UART raises no interrupt.
 */
#include "uart.h"

#include "console.h"
#include "retrovisor/console_proto.h"

enum { THR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80 /* registers 0/1 are the divisor latch */

void uart_init(struct uart *u, int vm, const uint8_t *in, uint32_t in_len)
{
	*u = (struct uart){.vm = vm, .lcr = 0x03, .dll = 1, .in = in, .in_len = in_len};
}

void uart_flush(struct uart *u)
{
	if (u->len)
		console_frame(CONPROTO_CONSOLE, u->vm, u->line, u->len);
	u->len = 0;
}

void uart_put(struct uart *u, char c)
{
	if (c == '\n') {
		console_frame(CONPROTO_CONSOLE, u->vm, u->line, u->len);
		u->len = 0;
		return;
	}
	if (c == '\r')
		return;
	u->line[u->len++] = c;
	if (u->len == UART_LINE_MAX)
		uart_flush(u);
}

uint8_t uart_read(struct uart *u, unsigned reg)
{
	switch (reg) {
	case THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		return u->in_pos < u->in_len ? u->in[u->in_pos++] : 0;
	case IER:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case IIR:
		return (u->fcr & 1 ? 0xc0 : 0) | 0x01; /* no interrupt pending */
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return 0x60 | (u->in_pos < u->in_len); /* THRE | TEMT, DR */
	case MSR:
		return 0xb0; /* DCD, DSR, CTS */
	default:
		return u->scr;
	}
}

void uart_write(struct uart *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case THR:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			uart_put(u, (char)v);
		break;
	case IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case IIR:
		u->fcr = v;
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		break;
	case SCR:
		u->scr = v;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
}
