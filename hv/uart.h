/* uart.h - a virtual 16550 UART, the guest's console. */
#ifndef HV_UART_H
#define HV_UART_H

#include <stdint.h>

#define UART_COM1 0x3f8
#define UART_LINE_MAX 240

struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	int vm;
	const uint8_t *in;      /* scripted input (the vm<N>.input module), received in order */
	uint32_t in_len, in_pos;
	uint32_t len;
	char line[UART_LINE_MAX];
};

void uart_init(struct uart *u, int vm, const uint8_t *in, uint32_t in_len);
/* Register access at offset 0-7 from the base port. */
uint8_t uart_read(struct uart *u, unsigned reg);
void uart_write(struct uart *u, unsigned reg, uint8_t v);
/* Text the VM wrote by other means (the console hypercall) joins the same line buffer. */
void uart_put(struct uart *u, char c);
void uart_flush(struct uart *u);

#endif
