/*
 * regs_desc.h - the registers a GDB stub serves, in gdb's numbering, for both stubs (replay and
 * live): one X-macro list per layout, from which the target description XML (gdb/tdesc.c), the
 * `g` packet layout and the `p` numbers all derive. Freestanding.
 *
 * Names, order and features are gdb's own (gdb/features/i386/64bit-core.xml, 64bit-sse.xml,
 * 64bit-segments.xml, 32bit-core.xml, 32bit-sse.xml): gdb validates a description by these names
 * and rejects one it does not know, guessing a layout instead. Sizes (bytes): amd64 core 276,
 * +sse 536, +segments 552; i386 core 176, +sse 308. After them one feature of our own,
 * org.retrovisor.sys (cr0 cr2 cr3 cr4 efer), which gdb shows as plain registers ($cr0 ...).
 *
 * X(name, bits, type, group, feature, source)
 *   source: where the value comes from: GDB_SRC_REG(RV_REG_*) for the register file
 *   (include/retrovisor/regs.h), a segment selector, a control register, or GDB_SRC_NONE for a
 *   value the trace does not hold (x87 and SSE state): sent as "xx", gdb prints <unavailable>.
 */
#ifndef RETROVISOR_GDB_REGS_DESC_H
#define RETROVISOR_GDB_REGS_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "retrovisor/regs.h"

enum gdb_feature { GDB_FEAT_CORE, GDB_FEAT_SSE, GDB_FEAT_SEGMENTS, GDB_FEAT_SYS, GDB_NFEATS };

/* Register sources beyond the register file (whose RV_REG_* indices are 0..RV_NREGS-1). */
enum gdb_src {
	GDB_SRC_SEL_ES = 32, GDB_SRC_SEL_CS, GDB_SRC_SEL_SS, GDB_SRC_SEL_DS, GDB_SRC_SEL_FS, GDB_SRC_SEL_GS,
	GDB_SRC_FS_BASE, GDB_SRC_GS_BASE,
	GDB_SRC_CR0, GDB_SRC_CR2, GDB_SRC_CR3, GDB_SRC_CR4, GDB_SRC_EFER,
	GDB_SRC_NONE = 255,
};
#define GDB_SRC_REG(r) (RV_REG_##r)

#define GDB_X87_REGS(X)                                                                              \
	X("st0", 80, "i387_ext", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                               \
	X("st1", 80, "i387_ext", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                               \
	X("st2", 80, "i387_ext", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                               \
	X("st3", 80, "i387_ext", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                               \
	X("st4", 80, "i387_ext", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                               \
	X("st5", 80, "i387_ext", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                               \
	X("st6", 80, "i387_ext", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                               \
	X("st7", 80, "i387_ext", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                               \
	X("fctrl", 32, "int", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                                  \
	X("fstat", 32, "int", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                                  \
	X("ftag", 32, "int", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                                   \
	X("fiseg", 32, "int", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                                  \
	X("fioff", 32, "int", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                                  \
	X("foseg", 32, "int", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                                  \
	X("fooff", 32, "int", "float", GDB_FEAT_CORE, GDB_SRC_NONE)                                  \
	X("fop", 32, "int", "float", GDB_FEAT_CORE, GDB_SRC_NONE)

#define GDB_SEL_REGS(X)                                                                              \
	X("cs", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_SEL_CS)                               \
	X("ss", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_SEL_SS)                               \
	X("ds", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_SEL_DS)                               \
	X("es", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_SEL_ES)                               \
	X("fs", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_SEL_FS)                               \
	X("gs", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_SEL_GS)

#define GDB_XMM(X, n) X("xmm" #n, 128, "uint128", "vector", GDB_FEAT_SSE, GDB_SRC_NONE)

#define GDB_SYS_REGS(X, w)                                                                           \
	X("cr0", w, "int", "system", GDB_FEAT_SYS, GDB_SRC_CR0)                                      \
	X("cr2", w, "int", "system", GDB_FEAT_SYS, GDB_SRC_CR2)                                      \
	X("cr3", w, "int", "system", GDB_FEAT_SYS, GDB_SRC_CR3)                                      \
	X("cr4", w, "int", "system", GDB_FEAT_SYS, GDB_SRC_CR4)                                      \
	X("efer", 64, "int", "system", GDB_FEAT_SYS, GDB_SRC_EFER)

/* amd64: gdb's 64bit-core, 64bit-sse, 64bit-segments order (gdb regnums 0..), then ours. */
#define GDB_AMD64_REGS(X)                                                                            \
	X("rax", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(RAX))                            \
	X("rbx", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(RBX))                            \
	X("rcx", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(RCX))                            \
	X("rdx", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(RDX))                            \
	X("rsi", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(RSI))                            \
	X("rdi", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(RDI))                            \
	X("rbp", 64, "data_ptr", "general", GDB_FEAT_CORE, GDB_SRC_REG(RBP))                         \
	X("rsp", 64, "data_ptr", "general", GDB_FEAT_CORE, GDB_SRC_REG(RSP))                         \
	X("r8", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(R8))                              \
	X("r9", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(R9))                              \
	X("r10", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(R10))                            \
	X("r11", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(R11))                            \
	X("r12", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(R12))                            \
	X("r13", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(R13))                            \
	X("r14", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(R14))                            \
	X("r15", 64, "int64", "general", GDB_FEAT_CORE, GDB_SRC_REG(R15))                            \
	X("rip", 64, "code_ptr", "general", GDB_FEAT_CORE, GDB_SRC_REG(RIP))                         \
	X("eflags", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_REG(RFLAGS))                      \
	GDB_SEL_REGS(X) GDB_X87_REGS(X)                                                              \
	GDB_XMM(X, 0) GDB_XMM(X, 1) GDB_XMM(X, 2) GDB_XMM(X, 3) GDB_XMM(X, 4) GDB_XMM(X, 5)          \
	GDB_XMM(X, 6) GDB_XMM(X, 7) GDB_XMM(X, 8) GDB_XMM(X, 9) GDB_XMM(X, 10) GDB_XMM(X, 11)        \
	GDB_XMM(X, 12) GDB_XMM(X, 13) GDB_XMM(X, 14) GDB_XMM(X, 15)                                  \
	X("mxcsr", 32, "int", "vector", GDB_FEAT_SSE, GDB_SRC_NONE)                                  \
	X("fs_base", 64, "int", "general", GDB_FEAT_SEGMENTS, GDB_SRC_FS_BASE)                       \
	X("gs_base", 64, "int", "general", GDB_FEAT_SEGMENTS, GDB_SRC_GS_BASE)                       \
	GDB_SYS_REGS(X, 64)

/* i386: gdb's 32bit-core and 32bit-sse order, then ours. Also the layout of real mode (i8086). */
#define GDB_I386_REGS(X)                                                                             \
	X("eax", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_REG(RAX))                            \
	X("ecx", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_REG(RCX))                            \
	X("edx", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_REG(RDX))                            \
	X("ebx", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_REG(RBX))                            \
	X("esp", 32, "data_ptr", "general", GDB_FEAT_CORE, GDB_SRC_REG(RSP))                         \
	X("ebp", 32, "data_ptr", "general", GDB_FEAT_CORE, GDB_SRC_REG(RBP))                         \
	X("esi", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_REG(RSI))                            \
	X("edi", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_REG(RDI))                            \
	X("eip", 32, "code_ptr", "general", GDB_FEAT_CORE, GDB_SRC_REG(RIP))                         \
	X("eflags", 32, "int32", "general", GDB_FEAT_CORE, GDB_SRC_REG(RFLAGS))                      \
	GDB_SEL_REGS(X) GDB_X87_REGS(X)                                                              \
	GDB_XMM(X, 0) GDB_XMM(X, 1) GDB_XMM(X, 2) GDB_XMM(X, 3) GDB_XMM(X, 4) GDB_XMM(X, 5)          \
	GDB_XMM(X, 6) GDB_XMM(X, 7)                                                                  \
	X("mxcsr", 32, "int", "vector", GDB_FEAT_SSE, GDB_SRC_NONE)                                  \
	GDB_SYS_REGS(X, 32)

struct gdb_reg_desc {
	const char *name;
	uint16_t bits;
	const char *type, *group;
	uint8_t feature;
	uint8_t src;
};

/* The two layouts a stub can serve: the widest mode its VM reaches decides (docs/debugger.md). */
enum gdb_layout { GDB_LAYOUT_I386, GDB_LAYOUT_AMD64 };

/* The layout's registers in gdb order; *n gets the count. */
const struct gdb_reg_desc *gdb_regs(enum gdb_layout l, unsigned *n);
/* Byte offset of register i in the `g` packet, and the packet's total size. */
unsigned gdb_reg_offset(enum gdb_layout l, unsigned i);
unsigned gdb_regs_size(enum gdb_layout l);
/* The target description (target.xml) of the layout; *len gets its length. A static string
 * built once from the list above by gdb_tdesc_build (called by gdb_tdesc). */
const char *gdb_tdesc(enum gdb_layout l, size_t *len);
/* The gdb architecture name of the description ("i386:x86-64", "i386"). */
const char *gdb_arch_name(enum gdb_layout l);

/*
 * The architecture a description names. gdb 13 takes `set architecture i8086` or `i386` only
 * when the target's description is compatible (BFD: the same word size), and even then its
 * disassembler keeps the description's mode; so a stub that follows a guest from real mode to
 * long mode serves the description of the mode at hand, and gdb re-reads it when the mode
 * changes (gdb/retrovisor.py: `monitor arch`, then `unset tdesc filename`). i8086 and i386 share
 * the i386 layout; x86-64 has the amd64 one.
 */
enum gdb_arch { GDB_ARCH_I8086, GDB_ARCH_I386, GDB_ARCH_X86_64, GDB_NARCHS };
enum gdb_layout gdb_arch_layout(enum gdb_arch a);
const char *gdb_arch_bfd_name(enum gdb_arch a); /* "i8086", "i386", "i386:x86-64" */
const char *gdb_tdesc_arch(enum gdb_arch a, size_t *len);

#endif
