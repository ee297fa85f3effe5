/*
 * hvtrace.h - the trace library (libhvtrace): the whole contract for a program that reads
 * Retrovisor traces. hvtrace, and the examples in examples/, use only this header and
 * retrovisor/hvtool.h; link with $(HVTRACE_LIBS) (tracer/tracer.mk: the archive, zstd, zlib).
 * The file format itself is include/retrovisor/trace_format.h (docs/trace-format.md).
 *
 * Reading order (docs/trace-library.md walks through it with examples/exit_grader.c):
 *   1. status and errors       every call returns a status; struct hvt_err says what and where
 *   2. opening a trace, events hvt_reader_open, its info and sections; struct hvt_event, one
 *                              record, read in order with hvt_reader_next_event / seek
 *   3. cursors                 any number of independent positions over one open file
 *   4. VMs                     hvt_vm_ids, hvt_vm_config, hvt_vm_initial_state, hvt_vm_memory
 *   5. steps                   struct hvt_step: one exit of one VM with its registers at the exit
 *                              and after the handler, and the MEMWRITE/INJECT/VM_STOP records
 *                              the hypervisor made for it (hvt_steps_*)
 *   6. names                   every value of every list, one rule for unknown values
 *   7. decoders                exit qualifications and interruption information as structs
 *   8. checks and statistics   hvt_bounds_* (what every reader checks before trusting a trace),
 *                              hvt_scan_chunk (counting without decoding), hvt_synth_write
 *
 * The library never prints and never exits; pointers into its buffers live until the next call
 * on the object they came from (said at each).
 */
#ifndef RETROVISOR_HVTRACE_H
#define RETROVISOR_HVTRACE_H

#include <stddef.h>
#include <stdint.h>

#include "retrovisor/exit_reasons.h"
#include "retrovisor/regs.h"
#include "retrovisor/trace_format.h"
#include "retrovisor/vmx_fields.h"

/* ---- 1. status and errors ------------------------------------------------------------- */
/*
 * Every library function that can fail returns one of these codes and, when the caller passes a
 * struct hvt_err, fills it with a one-line message naming where the problem is ("chunk 12 at
 * offset 81920: payload CRC mismatch").
 */
enum hvt_status {
	HVT_OK = 0,
	HVT_END = 1,        /* nothing more to iterate */
	HVT_TRUNCATED = 2,  /* a warning: usable data up to err->offset, then the input stops */
	HVT_EIO = -1,       /* open/read/write failed (errno text in the message) */
	HVT_ECORRUPT = -2,  /* malformed bytes, bad CRC, inconsistent counts */
	HVT_EVERSION = -3,  /* newer/older format version or an unknown required feature */
	HVT_ENOMEM = -4,
	HVT_EINVAL = -5,    /* bad argument or API misuse */
	HVT_ETRUNCATED = -6 /* cut short before anything readable (e.g. inside the file header) */
};

#define HVT_NO_OFFSET UINT64_MAX

struct hvt_err {
	int code;
	uint64_t offset; /* the byte offset the message names, HVT_NO_OFFSET when none */
	char msg[256];
};

/* Fill err (which may be NULL) and return code, so that callers can write
 * `return hvt_err_set(err, HVT_ECORRUPT, off, "...")`. */
int hvt_err_set(struct hvt_err *err, int code, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prefix err->msg with more context ("chunk 3: " + old message); keeps code and offset. */
void hvt_err_prefix(struct hvt_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *hvt_status_name(int code);

/* ---- 2. opening a trace, events --------------------------------------------------------- */
/*
 * Opening checks the file header (magic, version, required features, CRC) and every section
 * (bounds, CRC), then takes the chunk index from the footer when it is intact (an event number
 * is found by binary search, O(log n)) or rebuilds it by walking the chunk headers. A file cut
 * short opens fine and reads up to its last complete chunk; the info says where it stops.
 * Chunks are read one at a time (CRC-checked, decompressed); memory stays bounded by one chunk
 * per cursor plus the index.
 */
#define HVT_NO_VMID 0xff /* struct hvt_event.vm when no VM is current */

/* One numbered record. Its pointers stay valid until the next call on the reader or cursor it
 * came from (copy what you keep, as the step iterator does). */
struct hvt_event {
	uint64_t num;           /* event number */
	uint64_t icount;        /* the VM's instructions retired at this event (absolute) */
	uint64_t qual;          /* EXIT: exit qualification */
	uint64_t gpa;           /* EXIT with has_gpa; MEMWRITE: where */
	uint64_t status;        /* VM_STOP status, END status */
	uint64_t detail;        /* VM_STOP detail */
	const uint64_t *regs;   /* HVT_NREGS values: at the exit (EXIT), the start (VM_START),
				   else the VM's state at its last exit; NULL when no VM */
	const uint64_t *post;   /* HVT_POST_NVALS values; those in post_mask are valid */
	const uint8_t *data;    /* MEMWRITE bytes, NOTE text (not NUL-terminated) */
	const struct hvt_vm_state *start; /* VM_START: the state (missing tail zero-filled) */
	uint32_t len;           /* bytes at data */
	uint32_t mask;          /* EXIT: the record's mask (HVT_EXIT_*) */
	uint32_t post_mask;     /* EXIT: registers the hypervisor set (HVT_POST_*) */
	uint32_t inject_info;   /* INJECT: VM-entry interruption information */
	uint32_t inject_err;    /* INJECT: error code */
	uint32_t offset;        /* payload byte offset of the record */
	uint8_t type;           /* HVT_REC_EXIT for any exit, else HVT_REC_* */
	uint8_t vm;             /* the VM concerned; HVT_NO_VMID when none is current */
	uint8_t reason;         /* EXIT: basic exit reason */
	uint8_t insn_len;       /* EXIT: bytes RIP advanced after the handler (0: left alone) */
	uint8_t has_gpa;        /* EXIT */
	uint8_t post_again;     /* EXIT: post-state came from the per-reason cache */
	uint8_t stop_why;       /* VM_STOP: HVT_STOP_* */
	uint8_t target;         /* SWITCH: the VM handed the CPU */
};

#define HVT_SECTION_MAX (256u << 20) /* largest section a reader loads (raw bytes) */

struct hvt_reader;

struct hvt_section_info {
	uint64_t offset; /* of the stored payload in the file */
	uint32_t type, flags, stored_size, raw_size, crc, vm;
	int crc_ok;
};

struct hvt_reader_info {
	struct hvt_file_header hdr;
	uint64_t file_size;
	size_t nchunks;          /* usable chunks (the index) */
	uint64_t nevents;        /* events in them */
	uint64_t chunks_end;     /* where chunk data ends (index start or end of readable data) */
	int index_from_footer;   /* 0: rebuilt by scanning the chunk headers */
	int truncated;           /* the file stops early; readable up to truncated_at */
	uint64_t truncated_at;
	int damaged;             /* something is corrupt (problem says what and where) */
	struct hvt_err problem;  /* first problem found while opening (truncation, bad index, ...) */
};

/* Open path; HVT_OK or a negative status (err says why: not a trace, version 2.0 is newer than
 * this reader, requires unknown feature bit 3, header CRC mismatch, ...). */
int hvt_reader_open(struct hvt_reader **out, const char *path, struct hvt_err *err);
/* The same on an open descriptor (not closed by the reader); name is used in messages. */
int hvt_reader_open_fd(struct hvt_reader **out, int fd, const char *name, struct hvt_err *err);
void hvt_reader_close(struct hvt_reader *r);

const struct hvt_reader_info *hvt_reader_info(const struct hvt_reader *r);
const char *hvt_reader_name(const struct hvt_reader *r);

/* Sections, in file order. */
uint32_t hvt_reader_nsections(const struct hvt_reader *r);
const struct hvt_section_info *hvt_reader_section(const struct hvt_reader *r, uint32_t i);
/* Load section i's raw bytes into a malloc'd buffer (caller frees; NUL-terminated past len).
 * Refuses raw sizes above max (0: HVT_SECTION_MAX). */
int hvt_reader_section_load(struct hvt_reader *r, uint32_t i, size_t max, uint8_t **data,
			    size_t *len, struct hvt_err *err);
/* Section i holding one struct (a VM's configuration or state) copied into dst[size]: the
 * prefix this reader knows, a missing tail zero-filled, no check of what it says (section 4
 * gives checked ones). Refuses a section longer than HVT_SECTION_STRUCT_MAX (HVT_ECORRUPT). */
#define HVT_SECTION_STRUCT_MAX 4096u
int hvt_reader_section_struct(struct hvt_reader *r, uint32_t i, void *dst, size_t size, struct hvt_err *err);
/* First section of a type (and VM, or HVT_NO_VM for any), or -1. */
int hvt_reader_section_find(const struct hvt_reader *r, uint32_t type, uint32_t vm);

/* The chunk index (from the footer or rebuilt). */
const struct hvt_index_entry *hvt_reader_index(const struct hvt_reader *r, size_t *n);
/* The chunk holding event number ev (binary search), or (size_t)-1. */
size_t hvt_reader_find_chunk(const struct hvt_reader *r, uint64_t ev);

/* Load chunk i (header checks against the index, CRCs, zstd) and start decoding it. */
int hvt_reader_chunk_load(struct hvt_reader *r, size_t i, struct hvt_err *err);
/* The loaded chunk: header as stored, raw payload. */
const struct hvt_chunk_header *hvt_reader_chunk(const struct hvt_reader *r, const uint8_t **payload,
						size_t *len);

/* Events in order across chunks: HVT_OK, HVT_END after the last usable chunk, or negative. */
int hvt_reader_next_event(struct hvt_reader *r, struct hvt_event *ev, struct hvt_err *err);
/* Position so that the next hvt_reader_next_event returns event number ev (HVT_END if past
 * the last event). */
int hvt_reader_seek(struct hvt_reader *r, uint64_t ev, struct hvt_err *err);

/* ---- 3. cursors ---------------------------------------------------------------------------- */
/*
 * A cursor is a position in the events with its own chunk buffer and decoder (about 2 MiB):
 * any number of them over one open reader move independently (a viewer's screen and its search,
 * one step iterator per VM). The reader's own next_event/seek above are one such cursor. A
 * cursor must be closed before its reader.
 */
struct hvt_cursor;
int hvt_cursor_open(struct hvt_cursor **out, struct hvt_reader *r, struct hvt_err *err);
void hvt_cursor_close(struct hvt_cursor *cu);
/* As hvt_reader_next_event / hvt_reader_seek / hvt_reader_chunk_load, on this cursor. */
int hvt_cursor_next(struct hvt_cursor *cu, struct hvt_event *ev, struct hvt_err *err);
int hvt_cursor_seek(struct hvt_cursor *cu, uint64_t ev, struct hvt_err *err);
int hvt_cursor_chunk_load(struct hvt_cursor *cu, size_t i, struct hvt_err *err);
const struct hvt_chunk_header *hvt_cursor_chunk(const struct hvt_cursor *cu, const uint8_t **payload,
						size_t *len);

/* ---- 4. VMs: configuration, initial state, memory ---------------------------------------- */
/* The VMs the trace configures (VM_CONFIG sections, file order): *n ids into ids[max]. */
unsigned hvt_vm_ids(const struct hvt_reader *r, unsigned *ids, unsigned max);
/* VM vm's configuration, checked by the rules of hvt_vm_config_check (section 8): HVT_OK,
 * HVT_EINVAL when the trace has no such VM, HVT_ECORRUPT, or a read error. */
int hvt_vm_config(struct hvt_reader *r, unsigned vm, struct hvt_vm_config *cfg, struct hvt_err *err);
/* Its registers at the first VM entry (the VM_STATE section, or else its VM_START record), and
 * the number of that VM_START record (UINT64_MAX when there is none; start_event may be NULL).
 * HVT_OK, HVT_EINVAL when the VM never starts, or a read error. Uses a cursor of its own. */
int hvt_vm_initial_state(struct hvt_reader *r, unsigned vm, struct hvt_vm_state *st, uint64_t *start_event,
			 struct hvt_err *err);
/* Its initial memory (the VM_MEMORY runs) copied into mem[mem_size], which the caller zeroes
 * (mem_size: the configuration's). A VM without a memory section leaves mem alone. HVT_OK,
 * HVT_ECORRUPT when a run does not fit, or a read error. */
int hvt_vm_memory(struct hvt_reader *r, unsigned vm, uint8_t *mem, uint64_t mem_size, struct hvt_err *err);

/* ---- 5. steps ------------------------------------------------------------------------- */
/*
 * A step is one exit of one VM and everything that happens to that VM before it runs again:
 * the records its handler made (MEMWRITE, INJECT, VM_STOP follow the EXIT), and, with several
 * VMs, an INJECT made when the scheduler hands it the CPU again after other VMs' records and a
 * SWITCH (a VM woken from HLT by its timer). The step ends at this VM's next EXIT or VM_START,
 * or at END. A VM_STOP outside an exit is a step of its own (kind HVT_REC_VM_STOP), and the end
 * of the VM's events is one last step of kind HVT_REC_END (hvt_steps_next returns HVT_END).
 *
 * regs are the registers at the exit; after are the registers the VM resumes with: the
 * post-state applied to GPRs and RFLAGS (CR0/CR3/CR4/EFER values stay in post), then RIP
 * advanced by insn_len. For a VM_STOP or END step both are the VM's last known registers.
 */
struct hvt_memwrite {
	uint64_t gpa;
	uint32_t len;
	const uint8_t *data;  /* valid until the next hvt_steps_* call */
};

struct hvt_step {
	int kind;             /* HVT_REC_EXIT, HVT_REC_VM_STOP (a stop outside an exit), HVT_REC_END */
	unsigned vm;
	uint64_t num;         /* event number of the EXIT (or VM_STOP, END) */
	uint64_t icount;      /* the VM's instructions retired at it */
	uint64_t resume;      /* number of the first event after this step (seek here to go on) */
	/* the exit */
	unsigned reason;      /* basic exit reason */
	uint64_t qual, gpa;   /* exit qualification; guest-physical address when has_gpa */
	int has_gpa;
	uint64_t regs[HVT_NREGS];   /* at the exit: RAX..R15, RIP (HVT_REG_RIP), RFLAGS */
	uint64_t after[HVT_NREGS];  /* after the handler */
	uint32_t post_mask;         /* registers the handler set (HVT_POST_*) */
	uint64_t post[HVT_POST_NVALS];
	unsigned insn_len;          /* bytes RIP advanced (0: left alone, e.g. a fault injected) */
	/* what the hypervisor did for it */
	unsigned nmw;
	const struct hvt_memwrite *mw; /* nmw writes, in order */
	int has_inject;
	uint32_t inject_info, inject_err; /* VM-entry interruption information, error code */
	int stopped;                      /* the VM stopped here */
	unsigned stop_why;                /* HVT_STOP_* */
	uint64_t stop_status, stop_detail;
};

struct hvt_steps;
/* Steps of VM vm from event number `from` (0: the start), over a cursor of its own. */
int hvt_steps_open(struct hvt_steps **out, struct hvt_reader *r, unsigned vm, uint64_t from, struct hvt_err *err);
void hvt_steps_close(struct hvt_steps *s);
/* Position so that the next step starts at event number `from` (a step's resume). */
int hvt_steps_seek(struct hvt_steps *s, uint64_t from, struct hvt_err *err);
/* The next step: HVT_OK, HVT_END (st->kind == HVT_REC_END: nothing more for this VM), or negative. */
int hvt_steps_next(struct hvt_steps *s, struct hvt_step *st, struct hvt_err *err);

/* ---- 6. names ---------------------------------------------------------------------------- */
/*
 * One rule for every list: a known value gives its name, a static string; an unknown one gives
 * the list's prefix and the number, written into buf (HVT_NAME_BUF bytes) and returned:
 * REASON_77, HYPERCALL_12, STOP_9, RECORD_9, REG_18, POST_21. Never NULL. Whether a value is
 * known at all is the list's own question, answered where the list lives: exit_reason_name(),
 * hypercall_name(), hvt_stop_name(), rv_reg_name(), rv_post_name() return NULL for a value not
 * in their list; these functions are built on them.
 */
#define HVT_NAME_BUF 32
const char *hvt_reason_name(unsigned reason, char *buf);  /* "IO_INSTRUCTION" */
const char *hvt_hypercall_name(uint64_t nr, char *buf);   /* "console_write" */
const char *hvt_stop_reason_name(unsigned why, char *buf); /* "SHUTDOWN" */
const char *hvt_stop_text(unsigned why, char *buf);       /* "shutdown hypercall" (hvt_stop_name's) */
const char *hvt_record_name(unsigned type, char *buf);    /* "EXIT", "VM_START", ... */
const char *hvt_reg_name(unsigned i, char *buf);          /* rax .. r15, rip, rflags */
const char *hvt_post_name(unsigned bit, char *buf);       /* rax .. r15, rflags, cr0, cr3, cr4, efer */
/* What causes the exit, with its SDM section ("CPUID always exits; the hypervisor answers it
 * (SDM 3C 26.1.2)"), from the list's sixth column; a reason not in the list gets a pointer to
 * the SDM's appendix. A static string, never NULL. */
const char *hvt_reason_describe(unsigned reason);
/* A reason by name (any case), by number (0x30, 48), or as REASON_48: the reason, or -1. */
int hvt_reason_lookup(const char *name);


/* ---- 7. decoders ----------------------------------------------------------------------- */
/*
 * The exit qualifications and the interruption information as structs, decoded with the field
 * layouts of retrovisor/vmx_fields.h (SDM Vol. 3C, 28.2.1 and 25.8.3). Where the qualification
 * says nothing (CPUID, RDMSR, VMCALL, ...) the registers at the exit carry the operands
 * (regs[RV_REG_RAX] ...), and the post-state carries the results.
 */
struct hvt_io {          /* IO_INSTRUCTION */
	uint16_t port;
	unsigned size;       /* 1, 2 or 4 bytes */
	int in, string, rep, imm; /* IN/INS; INS/OUTS; REP prefix; port from an immediate (else DX) */
	uint64_t value;      /* an OUT of AL/AX/EAX: the bytes written (from the registers); else 0 */
	int has_value;
};
struct hvt_cr {          /* CR_ACCESS */
	unsigned cr;         /* control register number (0 for CLTS and LMSW) */
	unsigned type;       /* enum vmx_cr_access: VMX_CR_MOV_TO, _MOV_FROM, _CLTS, _LMSW */
	unsigned gpr;        /* the general register of a MOV (RV_REG_*) */
	uint64_t value;      /* MOV to CR: the value written (from the registers); LMSW: its source data */
	int lmsw_mem;        /* LMSW with a memory operand */
};
struct hvt_ept {         /* EPT_VIOLATION */
	uint64_t gpa;
	unsigned access;     /* what the guest tried: VMX_EPT_READ | _WRITE | _FETCH */
	unsigned allowed;    /* what the EPT entry allowed, the same bits */
	int linear_valid;    /* the guest linear address field is valid */
	int translated;      /* the access was to the translated address, not to a paging structure */
	int nmi_unblocking;  /* NMI unblocking due to IRET */
};
struct hvt_intr {        /* interruption information (INJECT, VM-exit interruption information) */
	unsigned vector;
	unsigned type;       /* enum vmx_intr_type */
	int has_error, valid;
	uint32_t error;
};
struct hvt_dr {          /* DR_ACCESS (MOV DR) */
	unsigned dr;         /* debug register number */
	int from;            /* MOV from DR (else to DR) */
	unsigned gpr;        /* the general register (RV_REG_*) */
};
struct hvt_task_switch { /* TASK_SWITCH */
	uint16_t selector;   /* of the new TSS */
	unsigned source;     /* 0 CALL, 1 IRET, 2 JMP, 3 a task gate in the IDT */
};
struct hvt_apic_access { /* APIC_ACCESS */
	unsigned offset;     /* into the APIC page (for a linear access) */
	unsigned type;       /* access type (0 linear read, 1 linear write, 2 fetch, ...) */
};
/* Each fills d from an exit (reason, qualification, registers at the exit) and returns 1, or
 * returns 0 when the exit is not of that reason. */
int hvt_decode_io(unsigned reason, uint64_t qual, const uint64_t regs[HVT_NREGS], struct hvt_io *d);
int hvt_decode_cr(unsigned reason, uint64_t qual, const uint64_t regs[HVT_NREGS], struct hvt_cr *d);
int hvt_decode_ept(unsigned reason, uint64_t qual, uint64_t gpa, struct hvt_ept *d);
int hvt_decode_dr(unsigned reason, uint64_t qual, struct hvt_dr *d);
int hvt_decode_task_switch(unsigned reason, uint64_t qual, struct hvt_task_switch *d);
int hvt_decode_apic_access(unsigned reason, uint64_t qual, struct hvt_apic_access *d);
void hvt_decode_intr(uint32_t info, uint32_t error, struct hvt_intr *d);
/* "external-interrupt", "nmi", "hardware-exception", ...; an unknown type as TYPE_n. */
const char *hvt_intr_type_name(unsigned type, char *buf);

/* ---- 8. checks and statistics ------------------------------------------------------------ */
/*
 * hvt_bounds.h - what a trace declares about itself, checked against what it records.
 *
 * CRCs prove that bytes were not damaged, not that they make sense: a trace written by a buggy
 * or hostile tool can be whole and still claim a VM of 4 GiB, an exit 10^12 instructions after
 * the VM's stop, or an exit reason the SDM does not define, and a replay would then allocate
 * gigabytes or run for hours before finding out. These rules are the ones every reader applies
 * before trusting a trace: `hvtrace check` reports the first one broken, and hvreplay refuses a
 * trace that breaks one before replaying it.
 *
 *   VM_CONFIG   the section is whole and names its own VM; memory from 64 KiB to
 *               HVT_VM_MEM_MAX (what hvrun can create) in whole 4 KiB pages; a known entry mode;
 *               load address, image and entry inside memory; a NUL-terminated name
 *   EXIT        of a VM that started and has not stopped; a reason in the one exit-reason list
 *               (include/retrovisor/exit_reasons.h), and no instruction length for a reason
 *               the list calls asynchronous; its instruction count never goes backwards and
 *               never passes the VM's own instruction limit
 *   SWITCH      to a VM that has started
 *   MEMWRITE    at least one byte (the hypervisor records none empty)
 *   VM_STOP     once per VM, not before the VM's last exit; a stop by an instruction limit names
 *               the count it stopped at, which no exit may pass
 *   CHUNK       its header's first_vm and first_icount are the VM current where it starts (the
 *               last VM_START or SWITCH before it; a stopped VM stays current) and that VM's
 *               instruction count there; VM 0 at 0 before any VM started
 */
struct hvt_bounds {
	uint64_t limit[HVT_MAX_VMS]; /* the VM's instruction limit, 0: none */
	uint64_t last[HVT_MAX_VMS];  /* instruction count at its last event */
	uint32_t configured, started, stopped; /* one bit per VM */
	int current;                 /* the current VM, -1 before any started */
	size_t chunks;               /* chunk headers checked so far */
};

/* A VM_CONFIG section's bytes (len of them, from section `vm`): HVT_OK or HVT_ECORRUPT. */
int hvt_vm_config_check(const void *data, size_t len, uint32_t vm, struct hvt_err *err);

/* Load and check every VM_CONFIG of r. HVT_OK, HVT_ECORRUPT, or a reader error. */
int hvt_bounds_init(struct hvt_bounds *b, struct hvt_reader *r, struct hvt_err *err);

/* One event, in file order: HVT_OK or HVT_ECORRUPT naming the event. */
int hvt_bounds_event(struct hvt_bounds *b, const struct hvt_event *ev, struct hvt_err *err);

/* The headers of r's chunks from b->chunks up to (not including) chunk `upto`, against the state
 * the events so far leave: call it with the loaded chunk's index + 1 before that chunk's first
 * event, and with the number of chunks at the end. HVT_OK or HVT_ECORRUPT naming the chunk. */
int hvt_bounds_chunks(struct hvt_bounds *b, struct hvt_reader *r, size_t upto, struct hvt_err *err);

/* Every rule over the whole of r (init, then each event; stops at a truncation): what hvreplay
 * runs before a replay. Leaves r positioned at its start. */
int hvt_bounds_check(struct hvt_reader *r, struct hvt_err *err);

/* Counting exits without decoding registers (what `hvtrace stat` and `info` need): the scanner
 * walks a chunk payload like the decoder but skips register deltas, qualifications and
 * post-state values. */
#define HVT_SCAN_TAGS 16 /* non-exit records counted by tag (HVT_REC_VM_START .. HVT_REC_END) */

struct hvt_scan {
	uint64_t exits[HVT_MAX_VMS][HVT_REASON_SLOTS];
	uint64_t insns[HVT_MAX_VMS][HVT_REASON_SLOTS]; /* instructions before those exits */
	uint64_t records[HVT_MAX_VMS][HVT_SCAN_TAGS];  /* other numbered records, by VM concerned */
	uint64_t icount[HVT_MAX_VMS];                  /* last absolute instruction count seen */
	uint64_t events;                               /* numbered records */
	uint64_t keyframes;
	uint32_t seen;                                 /* VMs that appeared (bit per VM) */
	uint32_t started;                              /* VMs with a VM_START in start[] */
	struct hvt_vm_state start[HVT_MAX_VMS];        /* each VM's first VM_START */
	int ended;                                     /* an END record was seen */
};

/* Count one chunk's records into s (which the caller zeroes once). */
int hvt_scan_chunk(struct hvt_scan *s, const struct hvt_chunk_header *h, const uint8_t *payload,
		   size_t len, struct hvt_err *err);

/* Synthetic traces: the real encoder and writer driven by a toy guest model, so that tests,
 * benchmarks and fuzz seeds get realistic .hvt files of any size without Bochs. */
struct hvt_synth_opts {
	uint64_t exits;      /* VM exits to generate */
	unsigned vms;        /* 1..HVT_MAX_VMS */
	uint64_t seed;       /* same seed, same file */
	uint32_t chunk_size; /* encoder buffer (0: 256 KiB) */
	int zstd_level;      /* 0: raw chunks */
};

int hvt_synth_write(const char *path, const struct hvt_synth_opts *o, struct hvt_err *err);

/* Two events are the same record with the same values (type, VM, instruction count; for an exit
 * its reason, registers, qualification, gpa, post-state and length; the payload of the others):
 * 1 or 0. The comparison of `hvtrace diff` and of hvview's two-recordings screen (hvt_diff.c). */
int hvt_event_same(const struct hvt_event *a, const struct hvt_event *b);

#endif
