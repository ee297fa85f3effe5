/*
 * pm32-direct - starts in 32-bit protected mode (hvrun --mode pm32), loads its own GDT.
 *
 * The hypervisor starts the guest with flat code (0x08) and data (0x10) segments in the
 * hidden descriptor caches only: GDTR points at nothing useful. Any segment load would read
 * the GDT from memory, so a guest must LGDT its own table before it reloads a segment (here
 * with a far jump for CS and plain moves for the rest). Also checks the promised start state:
 * ESP = load address, CR0.PE set, CR0.PG clear.
 * Exits: UART I/O, the shutdown hypercall.
 */
#include "guest.h"

	.text
	.globl _start
	CODE32
_start:
	cmp $_start, %esp
	EXPECT je, "ESP at entry is not the load address"
	PRINT "pm32-direct: started in 32-bit protected mode at "
	PRINT_HEX $_start
	PRINT "\n"
	mov %cr0, %eax
	test $CR0_PE, %eax
	EXPECT jnz, "CR0.PE is clear at entry"
	test $CR0_PG, %eax
	EXPECT jz, "CR0.PG is set at entry"

	lgdtl gdt_desc
	ljmp $SEL_CODE32, $reloaded
reloaded:
	LOAD_DATA_SEGMENTS
	sgdtl gdtr_read			/* what the CPU now holds: our limit and base */
	mov gdtr_read + 2, %eax
	cmp $gdt, %eax
	EXPECT je, "SGDT does not return the GDT just loaded"
	PRINT "pm32-direct: own GDT at "
	PRINT_HEX $gdt
	PRINT " loaded, CS, DS, ES, FS, GS, SS reloaded\n"
	PASS

	.data
	.balign 4
	.word 0
gdtr_read:	.word 0			/* limit */
		.long 0			/* base */

	GUEST_END
