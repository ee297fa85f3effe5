/*
 * trace_format.h - the Retrovisor trace format, version 1 (docs/trace-format.md).
 *
 * One header for both sides: the hypervisor's encoder (freestanding) and the host library that
 * reads and writes .hvt files. Every on-disk structure is little-endian, packed by construction
 * (natural alignment, explicit padding) and size-checked below. Any change to what a byte means
 * bumps HVT_VERSION_MAJOR (incompatible) or HVT_VERSION_MINOR (a reader of the same major can
 * still read it, ignoring what it does not know).
 *
 * Two containers:
 *
 *   the trace disk   what the hypervisor writes on its ATA disk while it runs:
 *                    LBA 0-7: struct hvt_disk_header; from LBA 8: capture chunks (the capture
 *                    stream below, not yet delta-encoded), each padded to 512 bytes. A chunk's
 *                    header sector is written after its payload, so a chunk whose header is
 *                    present is complete (the commit point). Zeroed space ends the stream.
 *   the .hvt file    what hvrun assembles from the disk after the run (the host library turns
 *                    the capture stream into the records below, tracer/hvt_capture.c):
 *                    struct hvt_file_header, sections (recorder, VMX capabilities, each VM's
 *                    configuration, initial memory and initial registers), chunks (CRC32-checked,
 *                    optionally zstd-compressed), then an index and struct hvt_footer at the end.
 *
 * Records inside a chunk payload (all integers LEB128 varints unless a size is given;
 * "zz" = zigzag-encoded signed delta, i.e. (d << 1) ^ (d >> 63)):
 *
 *   EXIT      u8 0x80 | reason   (basic exit reason < 128)
 *             varint mask        HVT_EXIT_* bits below
 *             varint icount      guest instructions retired since this VM's previous exit
 *             zz     gpr[i]      for each HVT_EXIT_GPR(i) bit, i ascending: value - previous exit's value
 *             zz     rip         if HVT_EXIT_RIP:    value - previous exit's RIP
 *             varint rflags      if HVT_EXIT_RFLAGS: value XOR previous exit's RFLAGS
 *             varint qual        if HVT_EXIT_QUAL:   qualification XOR the last one recorded for
 *                                                    this reason in this VM (0 at a keyframe)
 *             varint gpa         if HVT_EXIT_GPA:    guest-physical address (EPT exits)
 *             post-state         if HVT_EXIT_POST:   varint pmask (HVT_POST_* bits), then one raw
 *                                                    varint per set bit, ascending: the value the
 *                                                    hypervisor left in that register
 *             If HVT_EXIT_POST_AGAIN is set instead, the post-state recorded last for this reason
 *             in this VM applies again (same registers, same values). After either, RIP advances by
 *             the 4-bit instruction length in the mask (0: RIP left alone, e.g. a fault injected).
 *             "Previous exit" means the previous EXIT or KEYFRAME of the same VM; its registers are
 *             those at the exit, before the hypervisor's post-state.
 *             Counting (Bochs's TSC, read through the VMX preemption timer): icount includes every
 *             instruction the guest executed, each REP iteration as one, plus one for the exit
 *             itself: the exiting instruction for a synchronous exit (CPUID, I/O, ...), and one
 *             for an asynchronous one (preemption timer, interrupt window), where RIP is the next
 *             instruction to execute. So after `nop x5; cpuid` the first exit has icount 6.
 *   KEYFRAME  u8 vm, varint icount (absolute), 18 varints: gpr[0..15], rip, rflags (raw).
 *             Full state of one VM; resets that VM's reason caches. Every chunk starts with one
 *             keyframe per VM that has started, the current VM last, so a chunk decodes on its
 *             own; the VM current at the chunk's start is the chunk header's first_vm (a stopped
 *             current VM has no keyframe). Keyframes carry no event number.
 *   VM_START  u8 vm, varint size, struct hvt_vm_state (size bytes; readers take the prefix they
 *             know). The VM is loaded and about to run; its registers become the reference; current.
 *   VM_STOP   u8 vm, u8 HVT_STOP_* reason, varint status, varint detail (e.g. faulting address).
 *   INJECT    varint info (VM-entry interruption-information format, SDM Vol. 3C, 25.8.3),
 *             varint error code. Delivered to the current VM at its next VM entry. Only hardware
 *             exceptions (type 3) and external interrupts (type 0) are injected today; software
 *             interrupts would also need the VM-entry instruction length, which is not recorded.
 *   MEMWRITE  varint gpa, varint len, len bytes: the hypervisor wrote the current VM's memory.
 *   SWITCH    u8 vm: the scheduler hands the CPU to that VM (it becomes current).
 *   NOTE      varint len, len bytes of text: a hypervisor message about the current VM.
 *   POST      varint pmask (HVT_POST_* bits, RIP included), then one raw varint per set bit,
 *             ascending: registers a debugger set in the current VM while it was held after its
 *             last EXIT (hv/gdb_target.c). They apply after that exit's post-state, like more
 *             of it (rv_post_apply: a RIP bit replaces RIP instead of adding the length); the
 *             VM enters with them. The next EXIT's deltas stay relative to that exit's values.
 *             (Minor version 3; a trace of an undebugged run has none.)
 *   END       varint status: the hypervisor finished cleanly; nothing follows.
 *
 * Register order everywhere: the x86 encoding order RAX RCX RDX RBX RSP RBP RSI RDI R8-R15, then
 * RIP (16) and RFLAGS (17): RV_REG_* in retrovisor/regs.h. Post-state values are numbered
 * differently (RV_POST_*: the GPRs, then RFLAGS (16), CR0, CR3, CR4, EFER, RIP (21)).
 */
#ifndef RETROVISOR_TRACE_FORMAT_H
#define RETROVISOR_TRACE_FORMAT_H

#include <stdint.h>

#include "retrovisor/regs.h"

#define HVT_VERSION_MAJOR 1
#define HVT_VERSION_MINOR 3 /* 1: VM_CONFIG flags (HVT_VM_PIT), stop reason BLOCKED;
			     * 2: x87/SSE state and XCR0 in struct hvt_vm_state;
			     * 3: the POST record, post-state bit 21 (RIP), both only from a debugger */

/* The register file's size and indices: retrovisor/regs.h (RV_REG_*) is their one home. */
#define HVT_NREGS RV_NREGS /* 16 GPRs, RIP, RFLAGS */
#define HVT_REG_RIP RV_REG_RIP
#define HVT_REG_RFLAGS RV_REG_RFLAGS
#define HVT_MAX_VMS 16
/* The most memory a VM can have: hvrun creates none larger (--mem, <memory>), and a trace whose
 * VM claims more is refused by the reader's users instead of allocated (replay). */
#define HVT_VM_MEM_MAX (1ull << 30)

/* ---- record tags ---------------------------------------------------------------------- */
#define HVT_REC_EXIT 0x80 /* | reason */
#define HVT_REASON_SLOTS 128 /* reasons 0-127 fit the EXIT tag */
#define HVT_REC_KEYFRAME 0x01
#define HVT_REC_VM_START 0x02
#define HVT_REC_VM_STOP 0x03
#define HVT_REC_INJECT 0x04
#define HVT_REC_MEMWRITE 0x05
#define HVT_REC_SWITCH 0x06
#define HVT_REC_NOTE 0x07
#define HVT_REC_END 0x08
#define HVT_REC_POST 0x09

/* EXIT mask bits: the frequent ones low so that a typical mask fits one or two varint bytes. */
#define HVT_EXIT_RIP (1u << 0)
#define HVT_EXIT_RFLAGS (1u << 1)
#define HVT_EXIT_QUAL (1u << 2)
#define HVT_EXIT_POST (1u << 3)
#define HVT_EXIT_POST_AGAIN (1u << 4)
#define HVT_EXIT_GPA (1u << 5)
#define HVT_EXIT_LEN_SHIFT 6 /* bits 6-9: instruction length the handler skipped */
#define HVT_EXIT_LEN_MASK (0xfu << HVT_EXIT_LEN_SHIFT)
#define HVT_EXIT_GPR_SHIFT 10 /* bits 10-25: GPR i changed */
#define HVT_EXIT_GPR(i) (1u << (HVT_EXIT_GPR_SHIFT + (i)))
#define HVT_EXIT_KNOWN_BITS ((1u << 26) - 1)

/* Post-state mask bits (what the handler wrote): bit i for post-state value i (RV_POST_*,
 * retrovisor/regs.h; value 16 is RFLAGS, not RIP). */
#define HVT_POST_GPR(i) RV_POST_BIT(RV_POST_RAX + (i)) /* bits 0-15 */
#define HVT_POST_RFLAGS RV_POST_BIT(RV_POST_RFLAGS)
#define HVT_POST_CR0 RV_POST_BIT(RV_POST_CR0)
#define HVT_POST_CR3 RV_POST_BIT(RV_POST_CR3)
#define HVT_POST_CR4 RV_POST_BIT(RV_POST_CR4)
#define HVT_POST_EFER RV_POST_BIT(RV_POST_EFER)
#define HVT_POST_RIP RV_POST_BIT(RV_POST_RIP) /* only in a POST record (a debugger's) */
#define HVT_POST_NVALS RV_POST_NVALS
#define HVT_POST_KNOWN_BITS RV_POST_KNOWN_BITS

/* Why a VM stopped (VM_STOP reason). */
#define HVT_STOP_LIST(X)                                                    \
	X(0, SHUTDOWN, "shutdown hypercall")                                \
	X(1, HALTED, "halted with interrupts disabled")                     \
	X(2, TRIPLE_FAULT, "triple fault")                                  \
	X(3, BAD_ACCESS, "access outside its memory")                       \
	X(4, UNHANDLED_EXIT, "unexpected VM exit")                          \
	X(5, ENTRY_FAILED, "VM entry failed")                               \
	X(6, INSN_LIMIT, "instruction limit reached")                       \
	X(7, HV_ERROR, "hypervisor error")                                  \
	X(8, BLOCKED, "waiting for an event that can never come")

enum hvt_stop {
#define HVT_STOP_ENUM(num, name, str) HVT_STOP_##name = (num),
	HVT_STOP_LIST(HVT_STOP_ENUM)
#undef HVT_STOP_ENUM
	HVT_STOP_COUNT
};

/* Printable stop reason, or NULL when the number is not in the list (the one rule for unknown
 * values, as exit_reason_name: the caller prints the number). Freestanding and hosted. */
static inline const char *hvt_stop_name(unsigned why)
{
	RV_XLIST_NAME(HVT_STOP_LIST, why);
}

/* ---- the capture stream (trace disk chunk payloads) ------------------------------------ */
/*
 * The hypervisor does the least work per exit: it writes what changed, raw, and the host turns
 * that into the delta-encoded records above after the run (docs/trace-format.md, "Capture").
 * Every record is a sequence of little-endian u64 words; word 0's low 4 bits are its kind.
 * A record never spans two capture chunks. Byte payloads are zero-padded to a whole word.
 *
 *   EXIT      w0: bits 0-3 kind, 4-10 basic exit reason, 11-14 instruction length skipped,
 *                 15 a guest-physical address follows, 16-31 GPR i follows (bit 16 + i),
 *                 32 RIP follows, 33 RFLAGS follows, 34 the qualification follows (absent: 0),
 *                 35-56 post-state mask (HVT_POST_* bits), 57-63 zero
 *             w1: icount, absolute (the VM's instructions retired, counted as for EXIT above)
 *             then one word per "follows" bit in this order (the order the world switch checks
 *             the registers in): RAX RCX RDX RBX RBP RSI RDI R8-R15, then RSP, RIP, RFLAGS, the
 *             qualification, the guest-physical address; then one word per post-state bit,
 *             ascending.
 *             A GPR or RFLAGS "follows" when it differs from the VM's register at its last VM
 *             entry, which is the previous EXIT's state with that exit's post-state applied (GPRs
 *             and RFLAGS); RIP follows when it differs from the previous EXIT's RIP (a loop exits
 *             at the same RIP again and again). For the first exit of a VM the reference is its
 *             VM_START state. A register may also follow when it did not change.
 *   VM_START  w0: kind, bits 8-15 vm; then struct hvt_vm_state (54 words).
 *   INJECT    w0: kind, bits 32-63 interruption information; w1: error code.
 *   MEMWRITE  w0: kind, bits 32-63 length (at most HVT_CAP_BLOB_MAX); w1: gpa; the bytes.
 *   SWITCH    w0: kind, bits 8-15 vm.
 *   VM_STOP   w0: kind, bits 8-15 vm, bits 16-23 HVT_STOP_* reason; w1: status; w2: detail.
 *   NOTE      w0: kind, bits 32-63 length (at most HVT_CAP_BLOB_MAX); the bytes.
 *   POST      w0: kind, bits 35-56 post-state mask (as EXIT's), the rest zero; then one word per
 *             set bit, ascending. Registers the debugger set in the current VM while it was held
 *             after its last EXIT; the VM's registers at its next entry include them (the
 *             reference of the next EXIT's "follows" bits), its RIP reference stays that EXIT's.
 *   END       w0: kind; w1: run status.
 * Each record is one event of the capture (the disk header counts them). Capture chunks use
 * struct hvt_chunk_header with magic HVT_CAP_MAGIC, stored_size = raw_size = payload bytes (a
 * multiple of 8), index consecutive from 0, nevents = records in the chunk, other fields zero.
 */
#define HVT_CAP_MAGIC 0x50435652u /* "RVCP" */
#define HVT_CAP_BLOB_MAX 8192u
enum hvt_cap_kind {
	HVT_CAP_EXIT = 1,
	HVT_CAP_VM_START = 2,
	HVT_CAP_INJECT = 3,
	HVT_CAP_MEMWRITE = 4,
	HVT_CAP_SWITCH = 5,
	HVT_CAP_VM_STOP = 6,
	HVT_CAP_NOTE = 7,
	HVT_CAP_END = 8,
	HVT_CAP_POST = 9,
};
#define HVT_CAP_KIND_MASK 0xfull
#define HVT_CAP_REASON_SHIFT 4
#define HVT_CAP_LEN_SHIFT 11
#define HVT_CAP_GPA (1ull << 15)
#define HVT_CAP_GPR_SHIFT 16
#define HVT_CAP_GPR(i) (1ull << (HVT_CAP_GPR_SHIFT + (i)))
#define HVT_CAP_RIP (1ull << 32)
#define HVT_CAP_RFLAGS (1ull << 33)
#define HVT_CAP_QUAL (1ull << 34)
#define HVT_CAP_POST_SHIFT 35
#define HVT_CAP_EXIT_KNOWN_BITS ((1ull << 57) - 1)
#define HVT_CAP_VM_STATE_WORDS 54u /* sizeof(struct hvt_vm_state) / 8, asserted below */

/* ---- the trace disk header (LBA 0) ------------------------------------------------------ */
/*
 * OFFSET SIZE  FIELD
 *      0    8  magic "RVDISK2\0" (2: the chunks hold the capture stream)
 *      8    2  version major (HVT_VERSION_MAJOR)
 *     10    2  version minor
 *     12    4  size of this header (4096)
 *     16    4  flags (HVT_DISK_CLEAN_END once the hypervisor finished)
 *     20    4  number of VMs
 *     24    8  capture chunks written (valid with HVT_DISK_CLEAN_END)
 *     32    8  capture records written (valid with HVT_DISK_CLEAN_END)
 *     40   12  CPUID vendor string
 *     52   48  CPUID brand string
 *    100   32  hypervisor version string
 *    132    4  reserved
 *    136  160  VMX capability MSRs 0x480-0x493 (IA32_VMX_BASIC .. IA32_VMX_TRUE_ENTRY_CTLS and
 *              VMFUNC), 0 where the MSR does not exist
 *    296 3800  reserved (zero)
 */
#define HVT_DISK_MAGIC "RVDISK2"
#define HVT_DISK_HEADER_SIZE 4096
#define HVT_DISK_FIRST_LBA 8
#define HVT_DISK_CLEAN_END 1u
#define HVT_VMX_MSR_FIRST 0x480
#define HVT_VMX_MSR_COUNT 20

struct hvt_disk_header {
	char magic[8];
	uint16_t major;
	uint16_t minor;
	uint32_t size;
	uint32_t flags;
	uint32_t nvms;
	uint64_t nchunks;
	uint64_t nevents;
	char cpu_vendor[12];
	char cpu_brand[48];
	char hv_version[32];
	uint32_t reserved0;
	uint64_t vmx_msr[HVT_VMX_MSR_COUNT];
	uint8_t reserved[3800];
};
_Static_assert(sizeof(struct hvt_disk_header) == HVT_DISK_HEADER_SIZE, "disk header size");

/* ---- chunks (same header on the disk and in the .hvt file) --------------------------- */
/*
 * OFFSET SIZE  FIELD
 *      0    4  magic HVT_CHUNK_MAGIC ("RVCK")
 *      4    2  header size (64)
 *      6    2  flags (HVT_CHUNK_ZSTD: payload is a zstd frame; HVT_CHUNK_CRC: payload_crc valid)
 *      8    4  stored payload size (bytes following this header)
 *     12    4  raw payload size (after decompression; equals stored size when not compressed)
 *     16    8  chunk index (0-based, consecutive)
 *     24    8  event number of the first numbered record
 *     32    8  instruction count of the current VM at the chunk start
 *     40    4  number of numbered records (events) in the chunk
 *     44    4  CRC32 (zlib) of the stored payload, if HVT_CHUNK_CRC
 *     48    1  VM current at the chunk start
 *     49   11  reserved (zero)
 *     60    4  CRC32 (zlib) of bytes 0-59
 */
#define HVT_CHUNK_MAGIC 0x4b435652u /* "RVCK" little-endian */
#define HVT_CHUNK_ZSTD 1u
#define HVT_CHUNK_CRC 2u
#define HVT_CHUNK_MIN 65536u      /* payload sizes the writers aim for: 64 KiB ... */
#define HVT_CHUNK_MAX (1u << 20) /* ... to 1 MiB; readers refuse a raw size above this */

struct hvt_chunk_header {
	uint32_t magic;
	uint16_t header_size;
	uint16_t flags;
	uint32_t stored_size;
	uint32_t raw_size;
	uint64_t index;
	uint64_t first_event;
	uint64_t first_icount;
	uint32_t nevents;
	uint32_t payload_crc;
	uint8_t first_vm;
	uint8_t reserved[11];
	uint32_t header_crc;
};
_Static_assert(sizeof(struct hvt_chunk_header) == 64, "chunk header size");

/* ---- full VM state (VM_START record, VM_STATE section) -------------------------------- */
/*
 * OFFSET SIZE  FIELD
 *      0  128  gpr[16]
 *    128    8  rip
 *    136    8  rflags
 *    144    8  cr0 (as the guest sees it)
 *    152    8  cr3
 *    160    8  cr4 (as the guest sees it)
 *    168    8  efer
 *    176  192  seg[8]: ES CS SS DS FS GS LDTR TR, each 24 bytes:
 *              selector u16, pad u16, limit u32, base u64, access rights u32 (VMCS format), pad u32
 *    368    8  gdtr base
 *    376    4  gdtr limit
 *    380    4  pad
 *    384    8  idtr base
 *    392    4  idtr limit
 *    396    4  pad
 *    400    8  instruction count
 */
struct hvt_segment {
	uint16_t sel;
	uint16_t pad0;
	uint32_t limit;
	uint64_t base;
	uint32_t ar;
	uint32_t pad1;
};
_Static_assert(sizeof(struct hvt_segment) == 24, "segment size");

enum { HVT_SEG_ES, HVT_SEG_CS, HVT_SEG_SS, HVT_SEG_DS, HVT_SEG_FS, HVT_SEG_GS, HVT_SEG_LDTR, HVT_SEG_TR, HVT_NSEGS };

struct hvt_vm_state {
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;
	uint64_t cr0;
	uint64_t cr3;
	uint64_t cr4;
	uint64_t efer;
	struct hvt_segment seg[HVT_NSEGS];
	uint64_t gdtr_base;
	uint32_t gdtr_limit;
	uint32_t pad0;
	uint64_t idtr_base;
	uint32_t idtr_limit;
	uint32_t pad1;
	uint64_t icount;
	/* minor 2: the x87/SSE state the VM starts with, as in the legacy FXSAVE region (SDM Vol. 1,
	 * 10.5.1, Table 10-2): FCW, FSW, the abridged tag word (one bit per register, 1 = valid),
	 * MXCSR; and XCR0. Older traces end before fcw (all zero here): the reset state then. */
	uint16_t fcw;
	uint16_t fsw;
	uint8_t ftw;
	uint8_t pad2[3];
	uint32_t mxcsr;
	uint32_t pad3;
	uint64_t xcr0;
};
_Static_assert(sizeof(struct hvt_vm_state) == 432, "vm state size");
_Static_assert(HVT_CAP_VM_STATE_WORDS * 8 == sizeof(struct hvt_vm_state), "capture VM_START words");
/* The state of minor versions 0-1 (up to icount): the least a VM_STATE section or a VM_START
 * record holds. */
#define HVT_VM_STATE_MIN 408

/* ---- the .hvt file ------------------------------------------------------------------- */
/*
 * File header, at offset 0:
 * OFFSET SIZE  FIELD
 *      0    8  magic "RVTRACE\0"
 *      8    2  version major
 *     10    2  version minor
 *     12    4  header size: offset of the first chunk (file header plus all sections)
 *     16    4  required features (HVT_REQ_*): a reader refuses a file with a bit it does not know
 *     20    4  optional features (ignored when unknown)
 *     24    4  number of sections
 *     28    4  flags (HVT_FILE_COMPLETE: the recording ended cleanly)
 *     32    8  footer offset (0 when the file has no index)
 *     40    8  number of events
 *     48    8  number of chunks
 *     56    4  reserved
 *     60    4  CRC32 of bytes 0-59
 */
#define HVT_FILE_MAGIC "RVTRACE"
#define HVT_FILE_COMPLETE 1u
#define HVT_REQ_ZSTD 1u /* some chunk or section is zstd-compressed */
#define HVT_REQ_KNOWN (HVT_REQ_ZSTD)

struct hvt_file_header {
	char magic[8];
	uint16_t major;
	uint16_t minor;
	uint32_t header_size;
	uint32_t required;
	uint32_t optional;
	uint32_t nsections;
	uint32_t flags;
	uint64_t footer_offset;
	uint64_t nevents;
	uint64_t nchunks;
	uint32_t reserved;
	uint32_t header_crc;
};
_Static_assert(sizeof(struct hvt_file_header) == 64, "file header size");

/*
 * Section header; the payload follows, padded with zeros to a multiple of 8.
 * OFFSET SIZE  FIELD
 *      0    4  type (HVT_SEC_*)
 *      4    4  flags (HVT_SEC_ZSTD)
 *      8    4  stored payload size
 *     12    4  raw payload size
 *     16    4  CRC32 of the stored payload
 *     20    4  VM id the section belongs to (0xffffffff: none)
 */
#define HVT_SEC_RECORDER 1  /* text, "key=value\n" lines: emulator, cpu model, hv version, ... */
#define HVT_SEC_VMXCAPS 2   /* uint64_t[HVT_VMX_MSR_COUNT], MSRs from 0x480 */
#define HVT_SEC_VM_CONFIG 3 /* struct hvt_vm_config */
#define HVT_SEC_VM_MEMORY 4 /* runs of { uint64_t gpa; uint64_t len; uint8_t bytes[len]; } */
#define HVT_SEC_VM_STATE 5  /* struct hvt_vm_state: registers at the first VM entry */
#define HVT_SEC_ZSTD 1u
#define HVT_NO_VM 0xffffffffu

struct hvt_section_header {
	uint32_t type;
	uint32_t flags;
	uint32_t stored_size;
	uint32_t raw_size;
	uint32_t crc;
	uint32_t vm;
};
_Static_assert(sizeof(struct hvt_section_header) == 24, "section header size");

/*
 * VM configuration.
 * OFFSET SIZE  FIELD
 *      0    4  VM id
 *      4    4  entry mode (HVT_MODE_*)
 *      8   32  name (NUL-padded)
 *     40    8  memory size in bytes
 *     48    8  load address of the image (guest-physical)
 *     56    8  entry point (RIP; CS is 0 in real mode)
 *     64    8  image size
 *     72    4  CRC32 of the image
 *     76    4  CPU weight
 *     80    8  instruction limit (0: none)
 *     88    4  flags (HVT_VM_*)
 *     92    4  reserved
 */
#define HVT_MODE_REAL 0
#define HVT_MODE_PROT32 1
#define HVT_MODE_LONG64 2
#define HVT_VM_PIT 1u /* the VM has an 8254 PIT and an 8259A PIC pair */

struct hvt_vm_config {
	uint32_t id;
	uint32_t mode;
	char name[32];
	uint64_t mem_size;
	uint64_t load_addr;
	uint64_t entry;
	uint64_t image_size;
	uint32_t image_crc;
	uint32_t weight;
	uint64_t insn_limit;
	uint32_t flags;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvt_vm_config) == 96, "vm config size");

/*
 * Index entry, one per chunk, and the footer that closes the file.
 * Index entry:                       Footer (the last 32 bytes of the file):
 * OFFSET SIZE  FIELD                 OFFSET SIZE  FIELD
 *      0    8  chunk file offset          0    8  magic "RVINDEX\0"
 *      8    8  first event number         8    8  offset of the first index entry
 *     16    8  first instruction count   16    8  number of index entries
 *     24    4  events in the chunk       24    4  CRC32 of all index entries
 *     28    4  VM current at its start   28    4  CRC32 of footer bytes 0-27
 */
#define HVT_FOOTER_MAGIC "RVINDEX"

struct hvt_index_entry {
	uint64_t offset;
	uint64_t first_event;
	uint64_t first_icount;
	uint32_t nevents;
	uint32_t first_vm;
};
_Static_assert(sizeof(struct hvt_index_entry) == 32, "index entry size");

struct hvt_footer {
	char magic[8];
	uint64_t index_offset;
	uint64_t nentries;
	uint32_t index_crc;
	uint32_t footer_crc;
};
_Static_assert(sizeof(struct hvt_footer) == 32, "footer size");

#endif
