/*
 * hostile-ins-wp - ring 0 with CR0.WP = 1 writes a read-only page with REP INSB. With WP set
 * a supervisor write to a read-only page faults (SDM Vol. 3A, 4.6): #PF with CR2 = 0x31000 and
 * error code 3 (present, write), after the 8 bytes into the writable page before it: ECX = 8,
 * EDI = 0x31000, the read-only page untouched (hostile-paging.h checks all of it).
 */
#include "hostile-paging.h"

	.text
	.globl _start
	CODE16
_start:
	PM32_START
	HP_SETUP
	HP_EXPECT HP_RO_PAGE, 3, 8, 0, HP_RO_PAGE
	PRINT "hostile-ins-wp: ring 0, CR0.WP = 1, REP INSB into a read-only page\n"
	mov $(HP_RO_PAGE - 8), %edi
	xor %esi, %esi
	mov $16, %ecx
	mov $0x80, %dx
	cld
	rep insb
	HP_NO_FAULT

	HP_END
	GUEST_END
