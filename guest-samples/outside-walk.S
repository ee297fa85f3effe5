/*
 * outside-walk - a page table outside the VM's memory: the page-directory entry for linear
 * 4-8 MiB points at a page table at guest-physical 2 GiB, which the EPT does not map. The CPU's
 * page walk reads the page-table entry there, and that read is the EPT violation (SDM Vol. 3C,
 * 29.3.3.2: the guest-physical address is the entry's; exit qualification bit 8 clear, the
 * access was part of a translation). The hypervisor stops the VM. Replay must stop there too,
 * at that address.
 * Exits: UART I/O, the CR0/CR3 writes of paging, one EPT violation.
 */
#include "guest.h"

	.equ PD, 0x20000
	.equ PT, 0x21000

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	PM32_START
	ZERO_PAGES PD, 2
	movl $PT | PTE_P | PTE_RW, PD			/* 0-4 MiB: identity */
	movl $0x80000000 | PTE_P | PTE_RW, PD + 4	/* 4-8 MiB: a page table at 2 GiB */
	IDMAP_4K PT
	PAGING32_ON PD
	PRINT "outside-walk: reading linear 0x401000, its page table is at 2 GiB\n"
	mov 0x401000, %eax
	FAIL "a page walk outside its memory did not stop the VM"

	GUEST_END
