/*
 * hostile-pse36 - 32-bit paging with CR4.PSE: a 4 MiB page whose PDE holds physical address
 * bits 39:32 = 1 (PSE-36, SDM Vol. 3A, 4.3 and Table 4-4), so linear 0x400000 is
 * guest-physical 0x100000000, far outside the VM's 1 MiB. REP OUTSB through it must stop the
 * VM ("access outside its memory", a read at guest-physical 100000000), as a MOV would; a walk
 * that drops the high bits reads guest-physical 0 instead, and the guest FAILs.
 */
#include "guest.h"

	.equ PD, 0x20000

	.text
	.globl _start
	CODE16
_start:
	PM32_START
	mov $PD, %edi
	xor %eax, %eax
	mov $1024, %ecx
	rep stosl
	movl $0x00000083, PD			/* 0-4 MiB: 4 MiB page at 0 (P, R/W, PS) */
	movl $(0x00000083 | 1 << 13), PD + 4	/* 4-8 MiB: 4 MiB page at 0x100000000 */
	mov %cr4, %eax
	or $CR4_PSE, %eax
	mov %eax, %cr4
	PAGING32_ON PD
	PRINT "hostile-pse36: REP OUTSB from linear 0x400000 = guest-physical 0x100000000\n"
	mov $0x400000, %esi
	mov $4, %ecx
	mov $0x80, %dx
	cld
	rep outsb
	FAIL "REP OUTSB through a PSE-36 page came back"

	GUEST_END
