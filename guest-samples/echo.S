/*
 * echo - reads its scripted UART input and echoes it in capitals.
 *
 * The receive side of the 16550 (PC16550D datasheet): the line status register's bit 0 (DR,
 * data ready) says a byte waits in the receive buffer, which is read at the base port (RBR,
 * with DLAB clear). Retrovisor feeds the VM's scripted input there (hvrun --input, or <input>
 * in a VM definition). The guest reads until a newline, or until DR stays clear.
 * Exits: an IN from LSR and one from RBR per byte, the output, the shutdown hypercall.
 */
#include "guest.h"

	.equ UART_RBR, 0x3F8
	.equ UART_LSR_DR, 0x01

	.text
	.globl _start
	CODE16
_start:
	xor %esi, %esi				/* bytes read */
1:	mov $UART_LSR, %dx
	in %dx, %al
	test $UART_LSR_DR, %al
	jz 2f					/* no more input */
	mov $UART_RBR, %dx
	in %dx, %al
	cmp $'\n', %al
	je 2f
	cmp $'a', %al
	jb 3f
	cmp $'z', %al
	ja 3f
	sub $('a' - 'A'), %al			/* to capitals */
3:	mov %al, line(%esi)
	inc %esi
	cmp $63, %esi
	jb 1b
2:	movb $0, line(%esi)
	PRINT "echo: "
	PUTS line
	PRINT "\n"
	cmp $16, %esi
	EXPECT je, "did not read the 16 bytes of 'hello retrovisor'"
	cmpl $0x4C4C4548, line			/* "HELL" */
	EXPECT je, "the input did not arrive in capitals"
	PASS

	.data
line:	.space 64

	GUEST_END
