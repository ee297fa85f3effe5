/*
 * uart.c - a 16550 at 0x3F8 as the guest's console (register map: PC16550D datasheet, table 2).
 *
 * Transmit is immediate: the line status register always reports an empty transmitter
 * (LSR = 0x60: THRE | TEMT), so a polling driver never waits. Output is collected into lines
 * and handed to the sink given at uart_init (in the hypervisor, a console frame to the runner; in
 * replay, the session's console). Receive data is the VM's scripted input, if any:
 * LSR.DR (bit 0) is set while bytes remain, and each read of RBR takes the next one. Drivers
 * poll; the UART raises no interrupt.
 *
 * Lines: a newline ends one (an empty line is a line too), a carriage return is dropped, and a
 * line reaching UART_LINE_MAX bytes goes out as it is, the rest following as the next line.
 * Bytes from 0x80 up are kept as they are.
 */
#include "uart.h"

void uart_init(struct uart *u, int vm, const uint8_t *in, uint32_t in_len, uart_line_fn *line_out, void *ctx)
{
	*u = (struct uart){.vm = vm, .lcr = 0x03, .dll = 1, .in = in, .in_len = in_len, .line_out = line_out,
			   .ctx = ctx};
}

void uart_flush(struct uart *u)
{
	if (u->len)
		u->line_out(u->ctx, u->vm, u->line, u->len, 0);
	u->len = 0;
}

void uart_put(struct uart *u, char c)
{
	if (c == '\n') {
		u->line_out(u->ctx, u->vm, u->line, u->len, 1);
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
	case UART_THR:
		if (u->lcr & UART_LCR_DLAB)
			return u->dll;
		return u->in_pos < u->in_len ? u->in[u->in_pos++] : 0;
	case UART_IER:
		return u->lcr & UART_LCR_DLAB ? u->dlm : u->ier;
	case UART_IIR:
		return (u->fcr & 1 ? 0xc0 : 0) | 0x01; /* no interrupt pending */
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT | (u->in_pos < u->in_len ? UART_LSR_DR : 0);
	case UART_MSR:
		return 0xb0; /* DCD, DSR, CTS */
	default:
		return u->scr;
	}
}

void uart_write(struct uart *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case UART_THR:
		if (u->lcr & UART_LCR_DLAB)
			u->dll = v;
		else
			uart_put(u, (char)v);
		break;
	case UART_IER:
		if (u->lcr & UART_LCR_DLAB)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case UART_IIR:
		u->fcr = v;
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
}
