/*
 * vmx_fields.h - the layouts of the VMX fields every side decodes: the exit qualifications of
 * I/O instructions, control-register accesses and EPT violations, and the interruption
 * information of VM entry and VM exit. The hypervisor's handlers, the trace library's
 * formatter and the replay engine decode them here and nowhere else; the hypervisor and the
 * synthetic traces encode them here too. Freestanding: static inline, no libc.
 * SDM references are to Vol. 3C (order no. 326019-080, June 2023).
 */
#ifndef RETROVISOR_VMX_FIELDS_H
#define RETROVISOR_VMX_FIELDS_H

#include <stdint.h>

/* ---- I/O instructions: exit qualification (SDM Vol. 3C, 28.2.1, Table 28-5) ------------------
 *   bits 2:0   size of access - 1 (0: byte, 1: word, 3: dword)
 *   bit 3      direction (1: IN/INS, 0: OUT/OUTS)
 *   bit 4      string instruction (INS/OUTS)
 *   bit 5      REP prefixed
 *   bit 6      operand encoding (1: immediate port, 0: DX)
 *   bits 31:16 port number
 */
#define VMX_IO_IN (1u << 3)
#define VMX_IO_STRING (1u << 4)
#define VMX_IO_REP (1u << 5)
#define VMX_IO_IMM (1u << 6)

static inline unsigned vmx_io_size(uint64_t q) { return (unsigned)(q & 7) + 1; }
static inline int vmx_io_in(uint64_t q) { return (q & VMX_IO_IN) != 0; }
static inline int vmx_io_string(uint64_t q) { return (q & VMX_IO_STRING) != 0; }
static inline int vmx_io_rep(uint64_t q) { return (q & VMX_IO_REP) != 0; }
static inline int vmx_io_imm(uint64_t q) { return (q & VMX_IO_IMM) != 0; }
static inline uint16_t vmx_io_port(uint64_t q) { return (uint16_t)(q >> 16); }
/* flags: VMX_IO_* bits */
static inline uint64_t vmx_io_qual(uint16_t port, unsigned size, unsigned flags)
{
	return (uint64_t)port << 16 | (flags & (VMX_IO_IN | VMX_IO_STRING | VMX_IO_REP | VMX_IO_IMM)) |
	       ((size - 1) & 7);
}

/* ---- INS/OUTS: VM-exit instruction-information field (SDM Vol. 3C, 28.2.5, Table 28-8) --------
 *   bits 9:7   address size: 0 16-bit, 1 32-bit, 2 64-bit
 *   bits 17:15 segment register (OUTS; ES CS SS DS FS GS in encoding order, as HVT_SEG_*)
 */
static inline unsigned vmx_io_insn_addr_size(uint32_t info) { return info >> 7 & 7; }
static inline unsigned vmx_io_insn_seg(uint32_t info) { return info >> 15 & 7; }

/* ---- control-register accesses: exit qualification (SDM Vol. 3C, 28.2.1, Table 28-3) --------
 *   bits 3:0   control register number (0 for CLTS and LMSW)
 *   bits 5:4   access type: 0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW
 *   bit 6      LMSW operand type (0: register, 1: memory)
 *   bits 11:8  the general register of a MOV (register-file index, RV_REG_*)
 *   bits 31:16 LMSW source data
 */
enum vmx_cr_access { VMX_CR_MOV_TO = 0, VMX_CR_MOV_FROM = 1, VMX_CR_CLTS = 2, VMX_CR_LMSW = 3 };

static inline unsigned vmx_cr_num(uint64_t q) { return (unsigned)(q & 0xf); }
static inline unsigned vmx_cr_type(uint64_t q) { return (unsigned)(q >> 4 & 3); }
static inline int vmx_cr_lmsw_mem(uint64_t q) { return (q >> 6 & 1) != 0; }
static inline unsigned vmx_cr_gpr(uint64_t q) { return (unsigned)(q >> 8 & 0xf); }
static inline uint16_t vmx_cr_lmsw_data(uint64_t q) { return (uint16_t)(q >> 16); }
static inline uint64_t vmx_cr_qual(unsigned cr, unsigned type, unsigned gpr, uint16_t lmsw_data)
{
	return (uint64_t)lmsw_data << 16 | (uint64_t)(gpr & 0xf) << 8 | (type & 3) << 4 | (cr & 0xf);
}

/* ---- EPT violations: exit qualification (SDM Vol. 3C, 28.2.1, Table 28-7) ----------------------
 *   bit 0  the access was a data read      bit 3  the guest-physical address was readable
 *   bit 1  the access was a data write     bit 4  ... writable
 *   bit 2  the access was an instruction fetch    bit 5  ... executable
 *   bit 7  the guest linear address field is valid
 *   bit 8  (if bit 7) the access was to the translated address, not to a paging structure
 * Bits 2:0 are laid out like an EPT entry's R/W/X permissions (29.3.2).
 */
#define VMX_EPT_READ (1u << 0)
#define VMX_EPT_WRITE (1u << 1)
#define VMX_EPT_FETCH (1u << 2)
#define VMX_EPT_ACCESS_MASK 7u
#define VMX_EPT_LINEAR_VALID (1u << 7)
#define VMX_EPT_TRANSLATED (1u << 8)

static inline unsigned vmx_ept_access(uint64_t q) { return (unsigned)(q & VMX_EPT_ACCESS_MASK); }
static inline unsigned vmx_ept_allowed(uint64_t q) { return (unsigned)(q >> 3 & 7); } /* R/W/X as bits 0-2 */
static inline int vmx_ept_linear_valid(uint64_t q) { return (q & VMX_EPT_LINEAR_VALID) != 0; }
static inline int vmx_ept_translated(uint64_t q)
{
	return (q & (VMX_EPT_LINEAR_VALID | VMX_EPT_TRANSLATED)) == (VMX_EPT_LINEAR_VALID | VMX_EPT_TRANSLATED);
}

/* ---- interruption information: VM entry (25.8.3, Table 25-17) and VM exit (25.9.2) -------------
 *   bits 7:0   vector
 *   bits 10:8  type: 0 external interrupt, 2 NMI, 3 hardware exception, 4 software interrupt,
 *              5 privileged software exception, 6 software exception, 7 other event
 *   bit 11     deliver (entry) / has (exit) an error code
 *   bit 12     (exit) NMI unblocking due to IRET
 *   bit 31     valid
 */
enum vmx_intr_type {
	VMX_INTR_EXTERNAL = 0,
	VMX_INTR_NMI = 2,
	VMX_INTR_HW_EXCEPTION = 3,
	VMX_INTR_SW_INTERRUPT = 4,
	VMX_INTR_PRIV_SW_EXCEPTION = 5,
	VMX_INTR_SW_EXCEPTION = 6,
	VMX_INTR_OTHER = 7,
};
#define VMX_INTR_VECTOR_MASK 0xffu
#define VMX_INTR_TYPE_SHIFT 8
#define VMX_INTR_ERROR_CODE (1u << 11)
#define VMX_INTR_NMI_UNBLOCK (1u << 12)
#define VMX_INTR_VALID (1u << 31)

static inline unsigned vmx_intr_vector(uint32_t info) { return info & VMX_INTR_VECTOR_MASK; }
static inline unsigned vmx_intr_type(uint32_t info) { return info >> VMX_INTR_TYPE_SHIFT & 7; }
static inline int vmx_intr_has_error(uint32_t info) { return (info & VMX_INTR_ERROR_CODE) != 0; }
static inline int vmx_intr_valid(uint32_t info) { return (info & VMX_INTR_VALID) != 0; }
/* A valid event of that type and vector, with or without an error code. */
static inline uint32_t vmx_intr_info(unsigned type, unsigned vector, int has_error)
{
	return VMX_INTR_VALID | (type & 7) << VMX_INTR_TYPE_SHIFT | (vector & VMX_INTR_VECTOR_MASK) |
	       (has_error ? VMX_INTR_ERROR_CODE : 0);
}

#endif
