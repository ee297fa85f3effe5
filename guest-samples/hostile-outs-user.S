/*
 * hostile-outs-user - a ring-3 program with port access (IOPL 3) reads a supervisor-only page
 * out through a port with REP OUTSB. The CPU would raise #PF at the first byte of that page:
 * CR2 = 0x30000, error code 5 (present, user, read), and the 8 bytes before it (in a user page)
 * sent, so ECX = 16 - 8 and ESI = 0x30000 (hostile-paging.h checks all of it).
 * Exits: CR0/CR3, 8 port writes in one OUTS exit, then the injected #PF; UART I/O.
 */
#include "hostile-paging.h"

	.text
	.globl _start
	CODE16
_start:
	PM32_START
	HP_SETUP
	HP_EXPECT HP_SUPER_PAGE, 5, 8, HP_SUPER_PAGE, 0
	PRINT "hostile-outs-user: ring 3, REP OUTSB from a user page into a supervisor page\n"
	HP_TO_USER user
user:
	HP_USER_SEGS
	mov $(HP_SUPER_PAGE - 8), %esi
	xor %edi, %edi
	mov $16, %ecx
	mov $0x80, %dx
	cld
	rep outsb
	HP_NO_FAULT

	HP_END
	GUEST_END
