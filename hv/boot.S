/*
 * boot.S - from the boot loader to 64-bit C.
 *
 * GRUB (multiboot2) or QEMU -kernel (multiboot1) enters _start in 32-bit protected mode with
 * paging off, EAX = the loader's magic and EBX = its information structure. Long mode needs
 * (SDM Vol. 3A, 9.8.5): PAE page tables in CR3, CR4.PAE, EFER.LME, then CR0.PG; a far jump into
 * a 64-bit code segment completes the switch. We identity-map the first 4 GiB with 2 MiB pages,
 * so the hypervisor's virtual and physical addresses are the same everywhere.
 */
#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0x00000003 /* page-align modules, give memory info */
#define MB2_MAGIC 0xe85250d6

	.section .multiboot, "a"
	.align 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)

	.align 8
mb2_header:
	.long MB2_MAGIC
	.long 0                           /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	.align 8
	.word 6, 0                        /* module alignment tag: page-aligned modules */
	.long 8
	.align 8
	.word 0, 0                        /* end tag */
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.global _start
_start:
	cli
	movl $boot_stack_top, %esp
	movl %eax, boot_magic
	movl %ebx, boot_info

	/* Long mode needs CPUID.80000001H:EDX.LM[bit 29]; say so if it is absent. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

	/* PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 512 x 2 MiB pages. */
	movl $boot_pdpt, %eax
	orl $0x3, %eax
	movl %eax, boot_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd, %eax
	orl $0x3, %eax
	movl %eax, boot_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jne 1b
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax                   /* present, writable, 2 MiB page */
	movl %eax, boot_pd(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 2b

	movl %cr4, %eax
	orl $(1 << 5), %eax               /* CR4.PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx            /* IA32_EFER */
	rdmsr
	orl $(1 << 8), %eax               /* EFER.LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80010021, %eax             /* PG, WP, NE, PE */
	andl $0x9fffffff, %eax            /* caches on: clear CD and NW */
	movl %eax, %cr0
	lgdt gdt_ptr
	ljmp $0x08, $long_entry

no_long_mode:
	movl $msg_no_lm, %esi
3:	lodsb
	testb %al, %al
	jz 4f
	outb %al, $0xe9
	jmp 3b
4:	movl $shutdown_str, %esi          /* Bochs: end the run */
5:	lodsb
	testb %al, %al
	jz 6f
	movw $0x8900, %dx
	outb %al, %dx
	jmp 5b
6:	movb $1, %al                      /* QEMU isa-debug-exit */
	outb %al, $0xf4
	movw $0x604, %dx                  /* QEMU ACPI power-off */
	movw $0x2000, %ax
	outw %ax, %dx
	hlt
	jmp 6b

	.code64
long_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	movl boot_magic(%rip), %edi
	movl boot_info(%rip), %esi
	call kmain
7:	cli
	hlt
	jmp 7b

	.section .rodata
msg_no_lm:
	.ascii "\001H hv: this CPU has no long mode (CPUID.80000001H:EDX[29] = 0)\n"
	.asciz "\001D 1\n"
shutdown_str:
	.asciz "Shutdown"

	.data
	.align 16
	.global gdt
gdt:
	.quad 0                           /* 0x00 null */
	.quad 0x00af9a000000ffff          /* 0x08 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff          /* 0x10 data, DPL 0 */
	.quad 0, 0                        /* 0x18 TSS (16 bytes), filled by cpu_init() */
gdt_end:
	.global gdt_ptr
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt

	.bss
	.align 4096
boot_pml4:
	.space 4096
boot_pdpt:
	.space 4096
boot_pd:
	.space 4 * 4096
boot_stack:
	.space 65536
	.global boot_stack_top
boot_stack_top:
boot_magic:
	.long 0
boot_info:
	.long 0
