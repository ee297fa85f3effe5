/*
 * code-alias - paging that is not an identity map, and code the hypervisor rewrites behind it.
 * The CPU runs it; the replay CPU (Unicorn 2.0.1) uses linear addresses as physical ones, so
 * replay must report a divergence with that cause, never a match (docs/replay.md, "Limits";
 * tests/system/replay-fidelity.sh). No .test: replay.sh verifies every sample that has one.
 *
 * Linear 0x50000 (code-alias-high: 0x400000, beyond the VM's 1 MiB) maps to guest-physical
 * 0x30000; linear 0x30000 maps to nothing. The guest copies "dec ecx" x4, "add al,al", "ret"
 * there through the linear address and calls it (ECX 100 -> 96). Then it asks for its own name
 * (vm_name hypercall) at guest-physical 0x30000: the hypervisor writes "AAAA" and a NUL (.opts:
 * --name AAAA), which turns the code into "inc ecx" x4, "add al,al", "ret", and the next call
 * gives ECX 100 -> 104: the CPU fetches the new bytes.
 * Exits: UART I/O, the CR0/CR3 writes of paging, one VMCALL (vm_name) that writes 5 bytes.
 */
#include "guest.h"

	.equ PD, 0x20000
	.equ PT, 0x21000
	.equ CODE_PA, 0x30000
#ifdef CODE_ALIAS_HIGH	/* code-alias-high: the linear address lies beyond the VM's 1 MiB */
	.equ CODE_LA, 0x400000
	.equ PT_HIGH, 0x22000
#else
	.equ CODE_LA, 0x50000
#endif

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	PM32_START
	ZERO_PAGES PD, 3
	movl $PT | PTE_P | PTE_RW, PD			/* 0-4 MiB: identity, but for */
	IDMAP_4K PT
	movl $0, PT + (CODE_PA >> 12) * 4		/* linear CODE_PA: nothing */
#ifdef CODE_ALIAS_HIGH
	movl $PT_HIGH | PTE_P | PTE_RW, PD + 4		/* 4-8 MiB: one page, CODE_PA */
	movl $CODE_PA | PTE_P | PTE_RW, PT_HIGH
#else
	movl $CODE_PA | PTE_P | PTE_RW, PT + (CODE_LA >> 12) * 4 /* linear CODE_LA: CODE_PA */
#endif
	PAGING32_ON PD

	mov $code, %esi
	mov $CODE_LA, %edi
	mov $code_end - code, %ecx
	rep movsb
	mov $100, %ecx
	mov $CODE_LA, %eax
	call *%eax
	cmp $96, %ecx
	EXPECT je, "the code at its linear address did not run as written"
	PRINT "code-alias: ran dec ecx x4 at another linear address than guest-physical 0x30000\n"

	mov $CODE_PA, %ebx
	mov $5, %ecx
	HYPERCALL HC_VM_NAME
	cmp $4, %eax
	EXPECT je, "vm_name did not write the 4-byte name"
	PRINT "code-alias: the hypervisor wrote AAAA there (inc ecx x4)\n"

	mov $100, %ecx
	mov $CODE_LA, %eax
	call *%eax
	cmp $104, %ecx
	EXPECT je, "the code rewritten by the hypervisor ran as it was before"
	PRINT "code-alias: ECX 100 -> 104: the new code ran\n"
	PASS

code:	.byte 0x49, 0x49, 0x49, 0x49	/* dec ecx x4 (the name overwrites them) */
	.byte 0x00, 0xC0		/* add al, al (the name's NUL is its first byte) */
	.byte 0xC3			/* ret */
code_end:

	GUEST_END
