/*
 * hostile-ins-limit - real mode, ES limit 64 KiB: an address-size-32 REP INSB from ES:0xFFF0
 * for 32 bytes. The CPU writes the 16 bytes up to 0xFFFF, then raises #GP (the offset is past
 * ES's limit; SDM Vol. 2, INS "Real-Address Mode Exceptions"): ECX = 16, EDI = 0x10000, and
 * nothing written at 0x10000.
 * Exits: one INS exit (16 port reads, then the injected #GP); UART I/O.
 */
#include "guest.h"
#include "vectors.h"

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	IVT_FILL_UNEXPECTED
	IVT_SET 13, gp_handler
	PRINT "hostile-ins-limit: real mode, addr32 REP INSB from ES:0xFFF0 for 32 bytes\n"
	xor %ax, %ax
	mov %ax, %es
	mov $0xFFF0, %edi
	mov $32, %ecx
	mov $0x80, %dx
	cld
	addr32 rep insb
	FAIL "the INSB ran past ES's 64 KiB limit without #GP"

/* #GP in real mode: no error code; [SP] = IP, CS, FLAGS. */
gp_handler:
	PRINT "hostile-ins-limit: #GP, ECX "
	PRINT_HEX %ecx
	PRINT " EDI "
	PRINT_HEX %edi
	PRINT "\n"
	cmp $16, %ecx
	EXPECT je, "ECX is not 16 (the elements left)"
	cmp $0x10000, %edi
	EXPECT je, "EDI is not 0x10000"
	cmpb $0xFF, 0xFFFF
	EXPECT je, "the last byte below the limit was not written"
	PASS

	VECTORS16
	GUEST_END
