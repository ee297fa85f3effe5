/*
 * gdb_uart.c - the hypervisor's own serial port for the debugger: a polled 16550 at COM2.
 *
 * Not the guests' UART (uart.c models a 16550 for a guest at its COM1 ports): this one is real
 * hardware of the machine the hypervisor runs on. hvrun --gdb makes Bochs connect COM2 to a TCP
 * server socket on 127.0.0.1 (runner/run_image.c), so the bytes gdb sends arrive in COM2's
 * receive buffer. The port is polled, never interrupt-driven: the hypervisor runs with the PIC
 * masked, and it looks at the port between slices and while a debugged VM is stopped (gdb.h).
 *
 * Registers (PC16550D datasheet; the same offsets on every PC UART): RBR/THR at +0, IER +1,
 * FCR +2, LCR +3, MCR +4, LSR +5; with LCR.DLAB = 1, +0 and +1 are the divisor latch.
 */
#include "gdb.h"
#include "x86.h"

#define COM2 0x2f8
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR 0x01   /* a received byte waits in RBR */
#define LSR_THRE 0x20 /* the transmit holding register is empty */
#define LCR_DLAB 0x80

void gdb_uart_init(void)
{
	outb(COM2 + UART_IER, 0);        /* no interrupts: polled */
	outb(COM2 + UART_LCR, LCR_DLAB); /* divisor 1: 115200 baud */
	outb(COM2 + 0, 1);
	outb(COM2 + 1, 0);
	outb(COM2 + UART_LCR, 0x03);     /* 8 data bits, no parity, 1 stop bit */
	outb(COM2 + UART_FCR, 0xc7);     /* FIFOs on and cleared, receive trigger at 14 */
	outb(COM2 + UART_MCR, 0x03);     /* DTR, RTS */
}

int gdb_uart_getc(void)
{
	if (!(inb(COM2 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM2);
}

/*
 * Send one byte. The transmitter drains at the emulated baud rate, so THRE comes back within a
 * few thousand instructions; the bound only keeps a broken port from hanging the hypervisor
 * (the byte is dropped, and gdb sees a bad packet and asks again).
 */
void gdb_uart_putc(uint8_t c)
{
	for (unsigned i = 0; i < 1000000; i++) {
		if (inb(COM2 + UART_LSR) & LSR_THRE) {
			outb(COM2, c);
			return;
		}
		__asm__ volatile("pause");
	}
}
