/*
 * outside-paging - a read through the guest's own paging that lands outside the VM's memory:
 * linear 0x400000 maps to guest-physical 0x80000000, which the EPT does not map, so the
 * hypervisor stops the VM with an EPT violation whose guest-physical address is 0x80000000
 * (SDM Vol. 3C, 29.3.3.2: the exit reports the guest-physical address of the access; the
 * linear one is in the guest-linear-address field). Replay must report the same address.
 * Exits: UART I/O, the CR0/CR3 writes of paging, one EPT violation.
 */
#include "guest.h"

	.equ PD, 0x20000
	.equ PT, 0x21000
	.equ PT_HIGH, 0x22000

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	PM32_START
	ZERO_PAGES PD, 3
	movl $PT | PTE_P | PTE_RW, PD			/* 0-4 MiB: identity */
	movl $PT_HIGH | PTE_P | PTE_RW, PD + 4		/* 4-8 MiB: one page at 2 GiB */
	IDMAP_4K PT
	movl $0x80000000 | PTE_P | PTE_RW, PT_HIGH
	PAGING32_ON PD
	PRINT "outside-paging: reading linear 0x400000 = guest-physical 0x80000000\n"
	mov 0x400010, %eax
	FAIL "a read outside its memory did not stop the VM"

	GUEST_END
