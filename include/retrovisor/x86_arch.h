/*
 * x86_arch.h - x86 architectural constants shared by the hypervisor (freestanding) and the host
 * tools (replay, tracer): control-register, RFLAGS and EFER bits, MSR numbers, exception vectors,
 * and the x87/SSE state a CPU has after reset. One home for each bit: hv/x86.h adds only the
 * instructions the hypervisor needs as C; nothing else redefines these.
 * Bit positions from SDM Vol. 3A, 2.5 (control registers) and Vol. 4 (MSRs).
 */
#ifndef RETROVISOR_X86_ARCH_H
#define RETROVISOR_X86_ARCH_H

/* CR0 (SDM Vol. 3A, 2.5) */
#define CR0_PE (1ull << 0)  /* protection enable */
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)  /* x87 emulation: FPU/SSE instructions raise #NM/#UD */
#define CR0_TS (1ull << 3)  /* task switched: the next FPU/SSE instruction raises #NM */
#define CR0_ET (1ull << 4)  /* extension type, hardwired 1 */
#define CR0_NE (1ull << 5)  /* native x87 error reporting: VMX requires it */
#define CR0_WP (1ull << 16)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31) /* paging */

/* CR4 */
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10) /* unmasked SIMD floating-point exceptions raise #XM */
#define CR4_VMXE (1ull << 13) /* VMX enable: must stay 1 in VMX operation, also in the guest */
#define CR4_SMXE (1ull << 14) /* SMX enable (GETSEC) */
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)

/* RFLAGS */
#define RFLAGS_CF (1ull << 0)
#define RFLAGS_FIXED (1ull << 1) /* bit 1 always reads 1 */
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_NT (1ull << 14) /* nested task */
#define RFLAGS_RF (1ull << 16) /* resume flag */
#define RFLAGS_VM (1ull << 17) /* virtual-8086 mode */
#define RFLAGS_AC (1ull << 18) /* alignment check */

/* Segment access rights as the VMCS and the trace hold them (SDM Vol. 3C, 25.4.1, Table 25-2):
 * descriptor bits 47:40 and 55:52 as bits 7:0 and 15:12, bit 16 "unusable". */
#define SEG_AR_L (1u << 13)  /* 64-bit code segment (CS in IA-32e mode) */
#define SEG_AR_DB (1u << 14) /* D/B: 32-bit default operand size (code), 32-bit stack (SS) */

/* EFER (MSR 0xC0000080) */
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)  /* long mode enable */
#define EFER_LMA (1ull << 10) /* long mode active (read-only to software) */
#define EFER_NXE (1ull << 11)

/* MSRs (SDM Vol. 4, 2.1) */
#define MSR_IA32_TSC 0x010
#define MSR_IA32_APIC_BASE 0x01b
#define MSR_IA32_FEATURE_CONTROL 0x03a /* bit 0 lock, bit 2 VMXON outside SMX */
#define MSR_IA32_TSC_ADJUST 0x03b
#define MSR_IA32_BIOS_SIGN_ID 0x08b
#define MSR_IA32_MTRRCAP 0x0fe
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_PAT 0x277
#define MSR_IA32_MTRR_DEF_TYPE 0x2ff
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_VMCS_ENUM 0x48a
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define MSR_IA32_VMX_VMFUNC 0x491
#define MSR_IA32_EFER 0xc0000080
#define MSR_IA32_STAR 0xc0000081
#define MSR_IA32_LSTAR 0xc0000082
#define MSR_IA32_CSTAR 0xc0000083
#define MSR_IA32_FMASK 0xc0000084
#define MSR_IA32_FS_BASE 0xc0000100
#define MSR_IA32_GS_BASE 0xc0000101
#define MSR_IA32_KERNEL_GS_BASE 0xc0000102
#define MSR_IA32_TSC_AUX 0xc0000103

/* Exception vectors (SDM Vol. 3A, 6.3.1) */
#define VEC_DE 0
#define VEC_DB 1
#define VEC_BP 3
#define VEC_UD 6
#define VEC_DF 8
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14

/* Page-fault error code (SDM Vol. 3A, 4.7, Figure 4-12). */
#define PF_P (1u << 0)    /* 0: not present; 1: a protection or reserved-bit violation */
#define PF_W (1u << 1)    /* the access was a write */
#define PF_U (1u << 2)    /* the access was a user-mode access (CPL 3) */
#define PF_RSVD (1u << 3) /* a reserved bit was set in a paging-structure entry */
#define PF_I (1u << 4)    /* the access was an instruction fetch (see x86_paging.h for when it is set) */

/* Paging-structure entry bits (SDM Vol. 3A, 4.3 Tables 4-4 to 4-6, 4.4.2, 4.5 Tables 4-14 to 4-20). */
#define PTE_P (1ull << 0)   /* present */
#define PTE_RW (1ull << 1)  /* writes allowed */
#define PTE_US (1ull << 2)  /* user-mode accesses allowed */
#define PTE_A (1ull << 5)   /* accessed */
#define PTE_D (1ull << 6)   /* dirty (entries that map a page) */
#define PTE_PS (1ull << 7)  /* page size: this PDE (PDPTE) maps a 4 MiB / 2 MiB (1 GiB) page */
#define PTE_XD (1ull << 63) /* execute-disable (PAE and 4-level, with EFER.NXE) */

/* x87/SSE state after RESET or FNINIT (SDM Vol. 1, 8.1.5 and 10.2.3; Vol. 3A, 9.1.1 Table 9-1). */
#define X87_FCW_RESET 0x037f  /* all exceptions masked, 64-bit precision, round to nearest */
#define MXCSR_RESET 0x1f80    /* all SIMD exceptions masked, round to nearest */

/*
 * The FXSAVE image and the XSAVE area's legacy region and header (SDM Vol. 1, 10.5.1 Table 10-2
 * and 13.4), byte offsets:
 *   OFFSET SIZE  FIELD
 *        0    2  FCW (x87 control word)
 *        2    2  FSW
 *        4    1  FTW, abridged (bit i: ST(i) valid; 0 = all empty)
 *       24    4  MXCSR
 *       32  128  ST0-ST7 / MM0-MM7, 16 bytes each
 *      160  256  XMM0-XMM15, 16 bytes each (XMM8-15 only in 64-bit mode)
 *      512    8  XSTATE_BV (XSAVE header): bit i set = component i is in the area, clear = it
 *                is in its initial state (XRSTOR initialises it)
 *      520    8  XCOMP_BV (0: standard format)
 * An image of zeros with FCW = X87_FCW_RESET and MXCSR = MXCSR_RESET is the state after FNINIT.
 */
#define FXSAVE_FCW 0
#define FXSAVE_FSW 2
#define FXSAVE_FTW 4
#define FXSAVE_MXCSR 24
#define FXSAVE_ST0 32
#define FXSAVE_XMM0 160
#define FXSAVE_SIZE 512
#define XSAVE_XSTATE_BV 512
#define XSAVE_XCOMP_BV 520
#define XSAVE_HEADER_END 576 /* the smallest XSAVE area: legacy region and header */

/*
 * XCR0, the XSAVE feature mask (SDM Vol. 1, 13.3, "Enabling the XSAVE Feature Set and XSAVE-Enabled
 * Features"): bit i enables state component i.
 */
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)         /* YMM_Hi128 */
#define XCR0_BNDREGS (1ull << 3)     /* MPX */
#define XCR0_BNDCSR (1ull << 4)      /* MPX */
#define XCR0_OPMASK (1ull << 5)      /* AVX-512 k0-k7 */
#define XCR0_ZMM_HI256 (1ull << 6)   /* AVX-512 upper halves of ZMM0-15 */
#define XCR0_HI16_ZMM (1ull << 7)    /* AVX-512 ZMM16-31 */
#define XCR0_PKRU (1ull << 9)
#define XCR0_TILECFG (1ull << 17)    /* AMX */
#define XCR0_TILEDATA (1ull << 18)   /* AMX */
#define XCR0_AVX512 (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)

/*
 * Would XSETBV accept this XCR0 on a CPU whose XCR0-settable components are `supported`
 * (CPUID.(EAX=0DH,ECX=0):EDX:EAX)? Every rule of SDM Vol. 1, 13.3 and Vol. 2C, XSETBV
 * "Operation": no unsupported or reserved bit (supervisor components such as PT or CET are
 * never in `supported`), x87 always on, AVX only with SSE, the two MPX bits together, the
 * three AVX-512 bits together and only with AVX, the two AMX bits together. (CPL > 0 and
 * ECX != 0 are the caller's: they are not about the value.) A value that breaks a rule makes
 * XSETBV raise #GP(0) on the CPU, including in VMX root operation.
 */
static inline int xcr0_valid(unsigned long long v, unsigned long long supported)
{
	if ((v & ~supported) || !(v & XCR0_X87))
		return 0;
	if ((v & XCR0_AVX) && !(v & XCR0_SSE))
		return 0;
	if (!(v & XCR0_BNDREGS) != !(v & XCR0_BNDCSR))
		return 0;
	if ((v & XCR0_AVX512) && ((v & XCR0_AVX512) != XCR0_AVX512 || !(v & XCR0_AVX)))
		return 0;
	if (!(v & XCR0_TILECFG) != !(v & XCR0_TILEDATA))
		return 0;
	return 1;
}

/*
 * PAE paging's four PDPTEs (SDM Vol. 3A, 4.4.1 and Table 4-8): bit 0 present, 3 PWT, 4 PCD,
 * 11:9 ignored, M-1:12 the page directory (M = MAXPHYADDR, CPUID.80000008H:EAX[7:0]); bits
 * 2:1, 8:5 and 63:M are reserved. A MOV to CR0/CR3/CR4 that loads a present PDPTE with a
 * reserved bit set raises #GP(0) and changes nothing.
 */
#define PAE_PDPTE_P 1ull
#define PAE_PDPTE_RSVD_LOW 0x1e6ull /* bits 2:1 and 8:5 */
static inline int pae_pdpte_valid(unsigned long long e, unsigned maxphyaddr)
{
	if (!(e & PAE_PDPTE_P))
		return 1;
	return !(e & PAE_PDPTE_RSVD_LOW) && (maxphyaddr >= 64 || !(e >> maxphyaddr));
}

/* Page-table entry address bits (SDM Vol. 3A, 4.5: bits 51:12 at most). */
#define PTE_ADDR_MASK 0x000ffffffffff000ull

#endif
