/*
 * vmx_controls.h - VM-execution, VM-exit and VM-entry control bits, and the event-injection
 * format. SDM Vol. 3C, 25.6-25.8 (order no. 326019-080); bit numbers in the trailing comments.
 */
#ifndef HV_VMX_CONTROLS_H
#define HV_VMX_CONTROLS_H

/* Pin-based VM-execution controls (25.6.1) */
#define PIN_EXTINT_EXITING (1u << 0)      /* bit 0: external interrupts cause exits */
#define PIN_NMI_EXITING (1u << 3)         /* bit 3 */
#define PIN_VIRTUAL_NMIS (1u << 5)        /* bit 5 */
#define PIN_PREEMPTION_TIMER (1u << 6)    /* bit 6: activate the VMX-preemption timer */

/* Primary processor-based VM-execution controls (25.6.2) */
#define CPU_INTR_WINDOW_EXITING (1u << 2) /* bit 2 */
#define CPU_USE_TSC_OFFSETTING (1u << 3)  /* bit 3 */
#define CPU_HLT_EXITING (1u << 7)         /* bit 7 */
#define CPU_INVLPG_EXITING (1u << 9)      /* bit 9 */
#define CPU_MWAIT_EXITING (1u << 10)      /* bit 10 */
#define CPU_RDPMC_EXITING (1u << 11)      /* bit 11 */
#define CPU_RDTSC_EXITING (1u << 12)      /* bit 12 */
#define CPU_CR3_LOAD_EXITING (1u << 15)   /* bit 15 */
#define CPU_CR3_STORE_EXITING (1u << 16)  /* bit 16 */
#define CPU_CR8_LOAD_EXITING (1u << 19)   /* bit 19 */
#define CPU_CR8_STORE_EXITING (1u << 20)  /* bit 20 */
#define CPU_MOV_DR_EXITING (1u << 23)     /* bit 23 */
#define CPU_UNCOND_IO_EXITING (1u << 24)  /* bit 24: every IN/OUT/INS/OUTS exits */
#define CPU_USE_IO_BITMAPS (1u << 25)     /* bit 25 */
#define CPU_MONITOR_TRAP_FLAG (1u << 27)  /* bit 27 (not implemented by Bochs 2.7) */
#define CPU_USE_MSR_BITMAPS (1u << 28)    /* bit 28 */
#define CPU_MONITOR_EXITING (1u << 29)    /* bit 29 */
#define CPU_PAUSE_EXITING (1u << 30)      /* bit 30 */
#define CPU_SECONDARY_CONTROLS (1u << 31) /* bit 31 */

/* Secondary processor-based VM-execution controls (25.6.2) */
#define SEC_ENABLE_EPT (1u << 1)          /* bit 1 */
#define SEC_DESC_TABLE_EXITING (1u << 2)  /* bit 2 */
#define SEC_ENABLE_RDTSCP (1u << 3)       /* bit 3: without it RDTSCP raises #UD */
#define SEC_ENABLE_VPID (1u << 5)         /* bit 5 */
#define SEC_WBINVD_EXITING (1u << 6)      /* bit 6 */
#define SEC_UNRESTRICTED_GUEST (1u << 7)  /* bit 7: real mode and unpaged protected mode */
#define SEC_RDRAND_EXITING (1u << 11)     /* bit 11: RDRAND exits (exit_rand.c) */
#define SEC_ENABLE_INVPCID (1u << 12)     /* bit 12 */
#define SEC_RDSEED_EXITING (1u << 16)     /* bit 16: RDSEED exits (exit_rand.c) */

/* VM-exit controls (25.7.1) */
#define EXIT_SAVE_DEBUG_CONTROLS (1u << 2)    /* bit 2 */
#define EXIT_HOST_ADDR_SPACE_SIZE (1u << 9)   /* bit 9: return to a 64-bit host */
#define EXIT_ACK_INTR_ON_EXIT (1u << 15)      /* bit 15 */
#define EXIT_SAVE_IA32_PAT (1u << 18)         /* bit 18 */
#define EXIT_LOAD_IA32_PAT (1u << 19)         /* bit 19 */
#define EXIT_SAVE_IA32_EFER (1u << 20)        /* bit 20 */
#define EXIT_LOAD_IA32_EFER (1u << 21)        /* bit 21 */
#define EXIT_SAVE_PREEMPTION_TIMER (1u << 22) /* bit 22: store the timer's value on exit */

/* VM-entry controls (25.8.1) */
#define ENTRY_LOAD_DEBUG_CONTROLS (1u << 2) /* bit 2 */
#define ENTRY_IA32E_MODE_GUEST (1u << 9)    /* bit 9: guest is in IA-32e mode (EFER.LMA) */
#define ENTRY_LOAD_IA32_PAT (1u << 14)      /* bit 14 */
#define ENTRY_LOAD_IA32_EFER (1u << 15)     /* bit 15 */

/* The VM-entry and VM-exit interruption-information fields (25.8.3, 25.9.2):
 * retrovisor/vmx_fields.h (vmx_intr_*), shared with the trace tools and replay. */

/* Guest interruptibility state (25.4.2) */
#define INTERRUPTIBILITY_STI (1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)

/* EPT (SDM Vol. 3C, 29.3.2) */
#define EPT_READ (1ull << 0)
#define EPT_WRITE (1ull << 1)
#define EPT_EXEC (1ull << 2)
#define EPT_MEMTYPE_WB (6ull << 3) /* bits 5:3 of a leaf entry: memory type write-back */
#define EPT_LARGE (1ull << 7)
#define EPTP_WB 6ull                  /* bits 2:0 of the EPT pointer: paging-structure type WB */
#define EPTP_WALK_4 (3ull << 3)       /* bits 5:3: page-walk length minus one */

/* IA32_VMX_EPT_VPID_CAP bits (SDM Vol. 3D, A.10) */
#define EPT_CAP_WALK_4 (1ull << 6)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_INVEPT_ALL (1ull << 26)
#define VPID_CAP_INVVPID (1ull << 32)

/* IA32_VMX_BASIC (A.1) */
#define VMX_BASIC_REVISION(b) ((uint32_t)(b)&0x7fffffffu)
#define VMX_BASIC_TRUE_CTLS (1ull << 55)

/* IA32_VMX_MISC (A.6) */
#define VMX_MISC_TIMER_RATE(m) ((unsigned)(m)&0x1f) /* timer ticks every 2^rate TSC ticks */

#endif
