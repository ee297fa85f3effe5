/*
 * i8254.h - the 8254 programmable interval timer: channel 0, wired to IRQ 0.
 *
 * Each channel counts down from a reload value at 1.193182 MHz. A control word at port 0x43
 * picks the channel, how the count is written (low byte then high byte here) and the mode:
 * mode 0 raises OUT once when the count runs out (one-shot), modes 2 (rate generator) and 3
 * (square wave) reload and repeat, giving one rising edge on IRQ 0 every `count` input clocks.
 * Counting starts with the write of the count's high byte. Intel 82C54 datasheet, "Control
 * Word Format" and "Modes" (order number 231244).
 *
 * In Retrovisor the input clock runs in virtual time, 100,000,000 guest instructions per
 * second, so one PIT clock is 100e6 / 1193182 = 83.8096 guest instructions.
 */
#ifndef I8254_H
#define I8254_H

	.equ PIT_CH0, 0x40	/* channel 0 counter (IRQ 0) */
	.equ PIT_CTRL, 0x43	/* control word (write only) */
	.equ PIT_HZ, 1193182	/* input clock */

	.equ PIT_SEL_CH0, 0x00	/* bits 7:6 = 00: channel 0 */
	.equ PIT_RW_LOHI, 0x30	/* bits 5:4 = 11: low byte, then high byte */
	.equ PIT_MODE0, 0x00	/* bits 3:1 = 000: interrupt on terminal count (one-shot) */
	.equ PIT_MODE2, 0x04	/* bits 3:1 = 010: rate generator (periodic) */
	.equ PIT_MODE3, 0x06	/* bits 3:1 = 011: square wave (periodic) */

/* Guest instructions in `count` PIT clocks: count * 83.8096 (count <= 5000 stays in 32 bits). */
#define PIT_INSNS(count) ((count) * 838096 / 10000)

/* Start channel 0 in `mode` with reload value `count` (1..65535). Clobbers AL. */
.macro PIT_START mode, count
	mov $(PIT_SEL_CH0 | PIT_RW_LOHI | \mode), %al
	out %al, $PIT_CTRL
	mov $((\count) & 0xFF), %al
	out %al, $PIT_CH0
	mov $((\count) >> 8), %al
	out %al, $PIT_CH0
.endm

#endif
