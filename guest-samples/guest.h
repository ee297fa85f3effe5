/*
 * guest.h - what every sample guest shares: CPU modes, console output, checks, PASS/FAIL, shutdown.
 *
 * A sample is one .S file: #include "guest.h", start every stretch of code with CODE16, CODE32
 * or CODE64 (the mode the CPU will be in when it runs), and end the file with GUEST_END, which
 * emits the library routines once for each mode the sample used, the console state and the GDT.
 * guests.mk defines GUEST_NAME ("cpuid") from the file name, so PASS/FAIL lines always carry it.
 *
 * Macros, usable in any mode; each saves the registers it uses (except SHUTDOWN):
 *   PRINT "text\n"        print a string              PUTS label     print a NUL-terminated string
 *   PRINT_HEX reg         "0x" and 8 hex digits       PRINT_DEC reg  unsigned decimal
 *   PRINT_HEXN reg, n     "0x" and the low n hex digits (PRINT_HEXN %eax, 2 prints a byte)
 *   PRINT_HEX64 reg       "0x" and 16 hex digits (64-bit mode only)
 *   EXPECT jcc, "why"     fall through if jcc would jump, else FAIL "why"
 *   FAIL "why"            print "FAIL <name>: why", shut down with status 1
 *   PASS                  print "PASS <name>", shut down with status 0
 *   HYPERCALL nr          EAX = nr; VMCALL (arguments already in EBX, ECX, EDX, ESI)
 *   SHUTDOWN status       the HC_SHUTDOWN hypercall
 *   VM_COUNT              EAX = how many VMs run (CPUID leaf 0x40000001, ECX); clobbers EBX-EDX
 *   REAL_MODE_INIT        (real mode) interrupts off, DS = ES = SS = 0, SP = 0x7C00
 *   REAL_TO_PM32 label    real mode -> 32-bit protected mode at label (CODE32 there)
 *   LOAD_DATA_SEGMENTS    DS, ES, FS, GS, SS = SEL_DATA
 *   PM32_START            (at _start) REAL_TO_PM32, LOAD_DATA_SEGMENTS, ESP = 0x7C00; CODE32 after
 *   ZERO_PAGES base, n    zero n 4 KiB pages (real or protected mode)
 *   IDMAP_2M_TABLES pml4  PML4, PDPT, PD at pml4.. identity-mapping 2 MiB (IDMAP_2M: no zeroing)
 *   PM32_TO_LONG pml4     protected mode -> 64-bit mode (CR4.PAE, CR3, EFER.LME, CR0.PG); CODE64 after
 *   IDMAP_4K pt           a 32-bit page table identity-mapping 4 MiB
 *   PAGING32_ON pd        CR3 = pd, CR0.PG = 1 (32-bit paging on)
 *   CONSOLE_HYPERCALL     from now on send each console line with one console_write
 *                         hypercall (one exit per line) instead of byte by byte to the UART
 *                         (two exits per byte)
 *
 * Addresses are 32-bit everywhere: in real mode DS = 0 so a label's address is its offset, which
 * is why a real-mode image must end below 64 KiB (guest.ld checks). Code in 64-bit mode cannot
 * use a label as an absolute memory operand in this 32-bit object file (the CPU sign-extends
 * it, a relocation ELF32 lacks): load the address into a register first, or use label(%rip).
 */
#ifndef GUEST_H
#define GUEST_H

#include "hypercall.inc"	/* HC_*, HV_CPUID_* from include/retrovisor/hypercall.h */
#include "x86.inc"		/* CR0_*, CR4_*, EFER_*, MSR_IA32_*, PTE_*, ... from
				 * include/retrovisor/x86_arch.h (guests.mk) */

/* The console: a 16550 UART at the first PC serial port (COM1). */
	.equ UART_THR, 0x3F8	/* transmit holding register (write) */
	.equ UART_LSR, 0x3FD	/* line status register (read) */
	.equ UART_LSR_THRE, 0x20	/* bit 5: transmit holding register empty */

/* The short name samples have long used for IA32_EFER (the constants themselves: x86.inc). */
	.equ MSR_EFER, MSR_IA32_EFER

/* Selectors of the GDT that GUEST_END emits at gdt / gdt_desc (load it with lgdtl gdt_desc). */
	.equ SEL_CODE32, 0x08
	.equ SEL_DATA, 0x10
	.equ SEL_CODE64, 0x18


	.equ LIB_LINE_MAX, 120	/* console line buffer for CONSOLE_HYPERCALL */

/* ---- modes ---------------------------------------------------------------------------- */

/* BITS tells the other macros which encodings and library copy to use from here on. */
.macro CODE16
	.code16
	.set BITS, 16
	.set GUEST_USED16, 1
.endm
.macro CODE32
	.code32
	.set BITS, 32
	.set GUEST_USED32, 1
.endm
.macro CODE64
	.code64
	.set BITS, 64
	.set GUEST_USED64, 1
.endm

/* Push or pop a whole general register: "PUSHR ax" is push %eax (the 16- and 32-bit modes
 * both take the 32-bit register, with an operand-size prefix in 16-bit mode) or push %rax
 * (64-bit mode cannot push a 32-bit register). */
.macro PUSHR r
.if BITS == 64
	push %r\r
.else
	push %e\r
.endif
.endm
.macro POPR r
.if BITS == 64
	pop %r\r
.else
	pop %e\r
.endif
.endm

/* Call or jump to the copy of a library routine assembled for the current mode. */
.macro LIBOP op, fn
.if BITS == 16
	\op lib_\fn\()16
.elseif BITS == 32
	\op lib_\fn\()32
.else
	\op lib_\fn\()64
.endif
.endm
.macro LIBCALL fn
	LIBOP call, \fn
.endm
.macro LIBJMP fn
	LIBOP jmp, \fn
.endm

/* ---- protected mode ------------------------------------------------------------------------ */

/* A known real-mode state before taking over the interrupt vectors: no BIOS set one up. */
.macro REAL_MODE_INIT
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7C00, %sp
.endm

/* Real mode -> 32-bit protected mode (SDM Vol. 3A, "Switching to Protected Mode"): load the
 * GDT, set CR0.PE, far jump. Between the MOV to CR0 and the far jump the CPU runs in protected
 * mode with CS still holding its real-mode descriptor cache (16-bit code, base 0); the far
 * jump loads CS from the GDT (D = 1: 32-bit code) and serializes. Interrupts stay off: the
 * guest starts with IF = 0 and has no protected-mode IDT. Clobbers EAX. */
.macro REAL_TO_PM32 target
	lgdtl gdt_desc
	mov %cr0, %eax
	or $CR0_PE, %eax
	mov %eax, %cr0
	ljmp $SEL_CODE32, $\target
.endm

/* Load the flat data selector into every data segment register. Each keeps its old hidden
 * descriptor cache (base, limit, attributes) until a selector is loaded into it, so this is
 * what actually gives DS..SS the 4 GiB limit (SDM Vol. 3A, 3.4.3). Clobbers AX. */
.macro LOAD_DATA_SEGMENTS
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
.endm

/* The usual opening of a protected-mode sample, from real mode at _start: REAL_TO_PM32, then
 * flat data segments and the stack just below the image (0x7C00, growing down into free
 * memory). Code after it is CODE32. Clobbers EAX. */
.macro PM32_START
	REAL_TO_PM32 .Lpm32\@
	CODE32
.Lpm32\@:
	LOAD_DATA_SEGMENTS
	mov $0x7C00, %esp
.endm

/* ---- paging and long mode ------------------------------------------------------------------- */

/* Zero `count` 4 KiB pages at `base` (page tables before they are filled). In real mode through
 * ES:DI, so ES must be 0 (the entry state, or REAL_MODE_INIT). Clobbers EAX, ECX, EDI. */
.macro ZERO_PAGES base, count
	cld
	xor %eax, %eax
.if BITS == 16
	mov $\base, %di
	mov $\count * 1024, %cx
.else
	mov $\base, %edi
	mov $\count * 1024, %ecx
.endif
	rep stosl
.endm

/* 4-level tables that identity-map the first 2 MiB with one large page (SDM Vol. 3A, 4.5):
 * PML4 at `pml4`, its PDPT at pml4 + 0x1000, its PD at pml4 + 0x2000, whose entry 0 maps
 * physical 0 (PS = 1). `flags` go into every entry (PTE_P | PTE_RW; add PTE_US for ring 3).
 * The pages must be zero (ZERO_PAGES), or use IDMAP_2M_TABLES, which zeroes them too. */
.macro IDMAP_2M pml4, flags=PTE_P|PTE_RW
	movl $(\pml4 + 0x1000) | \flags, \pml4
	movl $(\pml4 + 0x2000) | \flags, \pml4 + 0x1000
	movl $0 | \flags | PTE_PS, \pml4 + 0x2000
.endm
.macro IDMAP_2M_TABLES pml4, flags=PTE_P|PTE_RW
	ZERO_PAGES \pml4, 3
	IDMAP_2M \pml4, \flags
.endm

/* 32-bit protected mode (paging off) -> IA-32e mode, in the order the SDM requires (Vol. 3A,
 * "Initializing IA-32e Mode"): CR4.PAE = 1, CR3 = the PML4, EFER.LME = 1, then CR0.PG = 1,
 * which activates long mode (the CPU sets EFER.LMA) still in 32-bit compatibility code, until
 * the far jump loads a code segment with L = 1. `efer` and `cr4` are more bits to set on the
 * way (EFER_SCE, CR4_OSFXSR, ...). `mark`, if given, is a global label put after CR3 is
 * loaded, before EFER.LME is set (a debugger test steps from there across RDMSR, WRMSR, the MOV
 * to CR0 and the far jump). Code after it is CODE64. Clobbers EAX, ECX, EDX. */
.macro PM32_TO_LONG pml4, efer=0, cr4=0, mark
	mov %cr4, %eax
	or $CR4_PAE | \cr4, %eax
	mov %eax, %cr4
	mov $\pml4, %eax
	mov %eax, %cr3
.ifnb \mark
	.globl \mark
\mark:
.endif
	mov $MSR_IA32_EFER, %ecx
	rdmsr
	or $EFER_LME | \efer, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0			/* long mode is active from here, in compatibility mode */
	ljmp $SEL_CODE64, $.Llm\@
	CODE64
.Llm\@:
.endm

/* 32-bit paging on (SDM Vol. 3A, 4.3): CR3 = the page directory at `pd`, then CR0.PG = 1; the
 * tables must be ready (IDMAP_4K), PE already set. Code after it runs through them. Clobbers EAX. */
.macro PAGING32_ON pd
	mov $\pd, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0
.endm

/* 32-bit paging: fill the page table at `pt` with `count` (1024) entries that identity-map
 * 4 KiB pages from physical `base` (0) up, with `flags`. Clobbers EAX, ECX, EDI. */
.macro IDMAP_4K pt, flags=PTE_P|PTE_RW, count=1024, base=0
	mov $\pt, %edi
	mov $\base | \flags, %eax
	mov $\count, %ecx
.Lidmap\@:
	stosl
	add $0x1000, %eax
	loop .Lidmap\@
.endm

/* ---- console ------------------------------------------------------------------------------ */

.macro PUTS label
	PUSHR si
	mov $\label, %esi
	LIBCALL puts
	POPR si
.endm

.macro PRINT text
	.pushsection .rodata
.Lprint\@:
	.asciz "\text"
	.popsection
	PUTS .Lprint\@
.endm

.macro PRINT_HEXN reg, digits
	PUSHR ax
	PUSHR cx
	mov \reg, %eax
	mov $\digits, %ecx
	LIBCALL puthex
	POPR cx
	POPR ax
.endm

.macro PRINT_HEX reg
	PRINT_HEXN \reg, 8
.endm

.macro PRINT_HEX64 reg
	push %rax
	mov \reg, %rax
	call lib_puthexq64
	pop %rax
.endm

.macro PRINT_DEC reg
	PUSHR ax
	mov \reg, %eax
	LIBCALL putdec
	POPR ax
.endm

.macro CONSOLE_HYPERCALL
	PUSHR bx
	mov $lib_console, %ebx
	movb $1, (%ebx)
	POPR bx
.endm

/* ---- hypercalls, checks, ending ------------------------------------------------------------ */

/* VMCALL (0F 01 C1) exits to the hypervisor unconditionally (SDM Vol. 3C, "Instructions That
 * Cause VM Exits Unconditionally"). */
.macro HYPERCALL nr
	mov $\nr, %eax
	vmcall
.endm

/* Leaf 0x40000001 of the hypervisor's CPUID range: EBX = this VM's id, ECX = number of VMs. */
.macro VM_COUNT
	mov $HV_CPUID_MAX, %eax
	cpuid
	mov %ecx, %eax
.endm

.macro SHUTDOWN status
	mov $\status, %ebx
	HYPERCALL HC_SHUTDOWN
	/* HC_SHUTDOWN does not return; if it ever did, cli; hlt ends the VM all the same (with
	 * status 0: the .test files expect "stop: shutdown" so a broken shutdown still shows). */
.Lhalt\@:
	cli
	hlt
	jmp .Lhalt\@
.endm

.macro FAIL why
	.pushsection .rodata
.Lwhy\@:
	.asciz "\why"
	.popsection
	mov $.Lwhy\@, %esi
	LIBJMP fail
.endm

.macro EXPECT jcc, why
	\jcc .Lok\@
	FAIL "\why"
.Lok\@:
.endm

.macro PASS
	PUTS lib_msg_pass
	SHUTDOWN 0
.endm

/* ---- the library, one copy per mode ------------------------------------------------------- */

.macro GUEST_LIB b
/* lib_putc: print the byte in AL. Normally on the UART, the way a real 16550 driver does it:
 * wait until the line status register says the transmit holding register is empty, then write
 * the byte to it. After CONSOLE_HYPERCALL the byte goes into a line buffer instead, sent with
 * one console_write hypercall at each newline (or when the buffer is full). */
lib_putc\b:
	PUSHR bx
	mov $lib_console, %ebx
	cmpb $0, (%ebx)
	jne 2f
	PUSHR dx
	PUSHR ax
	mov $UART_LSR, %dx
1:	in %dx, %al
	test $UART_LSR_THRE, %al
	jz 1b
	POPR ax
	mov $UART_THR, %dx
	out %al, %dx
	POPR dx
	POPR bx
	ret
2:	PUSHR cx
	mov $lib_line_len, %ebx
	mov (%ebx), %ecx
	add $lib_line, %ecx
	mov %al, (%ecx)
	incl (%ebx)
	cmp $0x0A, %al		/* newline: send the line */
	je 3f
	cmpl $LIB_LINE_MAX, (%ebx)
	jb 4f
3:	call lib_flush\b
4:	POPR cx
	POPR bx
	ret

/* lib_flush: send the buffered console line (HC_CONSOLE_WRITE: EBX = gpa, ECX = length). */
lib_flush\b:
	PUSHR ax
	PUSHR bx
	PUSHR cx
	mov $lib_line_len, %ebx
	mov (%ebx), %ecx
	movl $0, (%ebx)
	mov $lib_line, %ebx
	HYPERCALL HC_CONSOLE_WRITE
	POPR cx
	POPR bx
	POPR ax
	ret

/* lib_puts: print the NUL-terminated string at ESI. */
lib_puts\b:
	PUSHR ax
	PUSHR si
1:	mov (%esi), %al
	test %al, %al
	jz 2f
	call lib_putc\b
	inc %esi
	jmp 1b
2:	POPR si
	POPR ax
	ret

/* lib_puthex: print "0x" and the low ECX (1..8) hex digits of EAX, upper case, most
 * significant first: shift the wanted digits to the top of EBX, then rotate them out one by one. */
lib_puthex\b:
	PUSHR ax
	PUSHR bx
	PUSHR cx
	mov %eax, %ebx
	PUSHR cx
	neg %ecx
	add $8, %ecx
	shl $2, %ecx			/* 4 * (8 - digits) bits to drop */
	shl %cl, %ebx
	POPR cx
	mov $'0', %al
	call lib_putc\b
	mov $'x', %al
	call lib_putc\b
1:	rol $4, %ebx
	mov %bl, %al
	call lib_putnibble\b
	dec %ecx
	jnz 1b
	POPR cx
	POPR bx
	POPR ax
	ret

/* lib_putnibble: print the low 4 bits of AL as one hex digit (clobbers AL). */
lib_putnibble\b:
	and $0x0F, %al
	add $'0', %al
	cmp $'9', %al
	jbe 1f
	add $('A' - '0' - 10), %al
1:	jmp lib_putc\b

/* lib_putdec: print EAX in unsigned decimal: divide by 10 until nothing is left, pushing the
 * remainders (least significant digit first), then pop and print them. */
lib_putdec\b:
	PUSHR ax
	PUSHR bx
	PUSHR cx
	PUSHR dx
	mov $10, %ebx
	xor %ecx, %ecx
1:	xor %edx, %edx
	div %ebx
	PUSHR dx
	inc %ecx
	test %eax, %eax
	jnz 1b
2:	POPR ax
	add $'0', %al
	call lib_putc\b
	dec %ecx
	jnz 2b
	POPR dx
	POPR cx
	POPR bx
	POPR ax
	ret

/* lib_fail: print "FAIL <name>: " and the reason at ESI, then shut down with status 1. */
lib_fail\b:
	PUTS lib_msg_fail
	LIBCALL puts
	PUTS lib_msg_newline
	SHUTDOWN 1
.endm

/* lib_puthexq64: print RAX as "0x" and 16 hex digits (64-bit mode only). */
.macro GUEST_LIB64_EXTRA
lib_puthexq64:
	push %rax
	push %rbx
	push %rcx
	mov %rax, %rbx
	mov $'0', %al
	call lib_putc64
	mov $'x', %al
	call lib_putc64
	mov $16, %ecx
1:	rol $4, %rbx
	mov %bl, %al
	call lib_putnibble64
	dec %ecx
	jnz 1b
	pop %rcx
	pop %rbx
	pop %rax
	ret
.endm

/* ---- end of a sample ----------------------------------------------------------------------- */

.macro GUEST_END
	.text			/* the library is code, even when the sample ended in .data */
.ifdef GUEST_USED16
	CODE16
	GUEST_LIB 16
.endif
.ifdef GUEST_USED32
	CODE32
	GUEST_LIB 32
.endif
.ifdef GUEST_USED64
	CODE64
	GUEST_LIB 64
	GUEST_LIB64_EXTRA
.endif

	.section .rodata
lib_msg_pass:
	.ascii "PASS "
	.ascii GUEST_NAME
	.asciz "\n"
lib_msg_fail:
	.ascii "FAIL "
	.ascii GUEST_NAME
	.asciz ": "
lib_msg_newline:
	.asciz "\n"

/* A flat GDT (SDM Vol. 3A, 3.4.5): base 0, limit 4 GiB with 4 KiB granularity (G=1).
 * Access byte 0x9A = present, ring 0, code, execute/read; 0x92 = present, ring 0, data,
 * read/write. Flags 0xC = G and D/B (32-bit); 0xA = G and L (64-bit code, D must be 0). */
	.balign 8
gdt:
	.quad 0				/* 0x00: the null descriptor, never loaded */
	.quad 0x00CF9A000000FFFF	/* 0x08 SEL_CODE32 */
	.quad 0x00CF92000000FFFF	/* 0x10 SEL_DATA */
	.quad 0x00AF9A000000FFFF	/* 0x18 SEL_CODE64 */
gdt_end:
	.balign 4
	.word 0				/* so that the base below is 4-byte aligned */
gdt_desc:				/* the pseudo-descriptor LGDT reads: limit, then base */
	.word gdt_end - gdt - 1
	.long gdt

	.section .data
	.balign 4
lib_console:	.long 0		/* 0: UART, 1: console_write hypercall per line */
lib_line_len:	.long 0
lib_line:	.fill LIB_LINE_MAX, 1, 0
.endm

#endif
