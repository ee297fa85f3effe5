/*
 * hostile-ins-user - a ring-3 program with port access (IOPL 3) overwrites a supervisor page
 * with REP INSB. The CPU would raise #PF at the page's first byte: CR2 = 0x30000, error code 7
 * (present, write, user), after 8 bytes into the user page before it: ECX = 8, EDI = 0x30000,
 * the supervisor page untouched (hostile-paging.h checks all of it).
 */
#include "hostile-paging.h"

	.text
	.globl _start
	CODE16
_start:
	PM32_START
	HP_SETUP
	HP_EXPECT HP_SUPER_PAGE, 7, 8, 0, HP_SUPER_PAGE
	PRINT "hostile-ins-user: ring 3, REP INSB from a user page into a supervisor page\n"
	HP_TO_USER user
user:
	HP_USER_SEGS
	mov $(HP_SUPER_PAGE - 8), %edi
	xor %esi, %esi
	mov $16, %ecx
	mov $0x80, %dx
	cld
	rep insb
	HP_NO_FAULT

	HP_END
	GUEST_END
