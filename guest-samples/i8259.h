/*
 * i8259.h - the 8259A programmable interrupt controller pair, as a guest without a BIOS sets it up.
 *
 * The PC has two 8259As: the master (ports 0x20/0x21) takes IRQ 0-7, the slave (0xA0/0xA1)
 * takes IRQ 8-15 and is cascaded into the master's IRQ 2. After reset a PIC delivers nothing
 * useful: it must be initialised with ICW1..ICW4 (ICW2 sets the vector of its IRQ 0), then its
 * interrupt mask register (OCW1) opened for the lines the guest wants. Each delivered interrupt
 * stays "in service" (ISR) until the handler writes an end-of-interrupt (OCW2), and until then
 * the PIC delivers nothing of equal or lower priority. Intel 8259A datasheet, "Programming the
 * 8259A" (order number 231468).
 */
#ifndef I8259_H
#define I8259_H

	.equ PIC1_CMD, 0x20	/* master: write ICW1, OCW2, OCW3; read IRR or ISR */
	.equ PIC1_DATA, 0x21	/* master: write ICW2-ICW4, then OCW1; read IMR */
	.equ PIC2_CMD, 0xA0	/* slave, the same registers */
	.equ PIC2_DATA, 0xA1

	.equ PIC_ICW1, 0x10	/* bit 4: this write is ICW1 (starts initialisation, clears IMR) */
	.equ PIC_ICW1_IC4, 0x01	/* bit 0: an ICW4 follows */
	.equ PIC_ICW3_MASTER, 0x04	/* bit 2: a slave hangs on IRQ 2 */
	.equ PIC_ICW3_SLAVE, 0x02	/* bits 2:0: this slave's cascade identity (IRQ 2) */
	.equ PIC_ICW4_8086, 0x01	/* bit 0: 8086/8088 mode (vector from ICW2), normal EOI */
	.equ PIC_OCW2_EOI, 0x20	/* bits 7:5 = 001: non-specific end of interrupt */
	.equ PIC_OCW3_IRR, 0x0A	/* bit 3: OCW3; bits 1:0 = 10: reads of the command port give IRR */
	.equ PIC_OCW3_ISR, 0x0B	/* bits 1:0 = 11: reads of the command port give ISR */

/* Initialise both PICs: IRQ 0-7 at vectors master_base.., IRQ 8-15 at slave_base.. (both
 * multiples of 8), then set the masks (a 1 bit masks that IRQ). Clobbers AL. */
.macro PIC_INIT master_base, slave_base, master_mask, slave_mask
	mov $(PIC_ICW1 | PIC_ICW1_IC4), %al	/* ICW1: edge triggered, cascade, ICW4 */
	out %al, $PIC1_CMD
	out %al, $PIC2_CMD
	mov $\master_base, %al			/* ICW2: vector base */
	out %al, $PIC1_DATA
	mov $\slave_base, %al
	out %al, $PIC2_DATA
	mov $PIC_ICW3_MASTER, %al		/* ICW3: the cascade */
	out %al, $PIC1_DATA
	mov $PIC_ICW3_SLAVE, %al
	out %al, $PIC2_DATA
	mov $PIC_ICW4_8086, %al			/* ICW4 */
	out %al, $PIC1_DATA
	out %al, $PIC2_DATA
	mov $\master_mask, %al			/* OCW1: the interrupt mask registers */
	out %al, $PIC1_DATA
	mov $\slave_mask, %al
	out %al, $PIC2_DATA
.endm

/* Non-specific EOI to the master: the highest-priority IRQ in service is done. Clobbers AL. */
.macro PIC_EOI
	mov $PIC_OCW2_EOI, %al
	out %al, $PIC1_CMD
.endm

/* AL = the master's IRR (ocw = PIC_OCW3_IRR) or ISR (PIC_OCW3_ISR). */
.macro PIC_READ ocw
	mov $\ocw, %al
	out %al, $PIC1_CMD
	in $PIC1_CMD, %al
.endm

#endif
