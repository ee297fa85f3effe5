/*
 * trace.h - the hypervisor's side of the trace: the capture stream on the trace disk.
 *
 * The hypervisor records as little as it can per exit: the registers that changed since the VM
 * entry, raw, in 64-bit words (include/retrovisor/trace_format.h, "the capture stream"). The
 * host turns the capture into the delta-encoded .hvt records after the run (hvrun, through
 * tracer/hvt_capture.c), where instructions cost nothing to the guests.
 */
#ifndef HV_TRACE_H
#define HV_TRACE_H

#include <stdint.h>

#include "retrovisor/capture.h"
#include "retrovisor/trace_format.h"

/* Words of the largest EXIT record: w0, icount, the registers, qualification, gpa, post-state. */
#define TRACE_EXIT_MAX_WORDS (2 + RV_NREGS + 2 + RV_POST_NVALS)

extern int trace_on;
extern uint64_t *trace_p;     /* where the next record goes */
extern uint64_t *trace_limit; /* past this, a full EXIT record may not fit: flush first */
extern uint64_t trace_records;

/* Find the trace disk and write its header; 0 on success (tracing on), -1 (tracing off). With
 * dma, chunks go by bus-master DMA if the machine has it, else by programmed I/O. */
int trace_init(unsigned nvms, int dma);
/* Test only (hvrun --hv-test-panic-twice): the next flush PANICs, as if the disk failed while a
 * panic writes the trace out (panic.c). */
extern int trace_test_panic_in_flush;
/* The chunk under construction goes to the disk; a new one starts. */
void trace_flush(void);
/* Room for a record of n words (n <= TRACE_EXIT_MAX_WORDS + blob words); returns where it goes. */
static inline uint64_t *trace_reserve(unsigned n)
{
	if (trace_p + n > trace_limit + TRACE_EXIT_MAX_WORDS)
		trace_flush();
	return trace_p;
}
/* A record of words ending at p is complete. */
static inline void trace_commit(uint64_t *p)
{
	trace_p = p;
	trace_records++;
	if (p > trace_limit)
		trace_flush();
}

struct hvt_vm_state;
void trace_vm_start(unsigned vm, const struct hvt_vm_state *st);
void trace_switch(unsigned vm);
void trace_inject(uint32_t info, uint32_t error_code);
void trace_memwrite(uint64_t gpa, const void *data, uint32_t len);
/* Registers a debugger set in the current VM while it is held after an exit (a POST record). */
void trace_post(uint32_t mask, const uint64_t v[RV_POST_NVALS]);
void trace_vm_stop(unsigned vm, unsigned why, uint64_t status, uint64_t detail);
/* NOTE record: a hypervisor message about the current VM (at most HVT_CAP_BLOB_MAX bytes). */
void trace_note(const char *text, uint32_t len);
/* END record, last chunk, final disk header. Status (the END record's, docs/trace-format.md):
 * TRACE_END_OK, TRACE_END_FAILED (some VM did not end normally), TRACE_END_PANIC. */
#define TRACE_END_OK 0
#define TRACE_END_FAILED 1
#define TRACE_END_PANIC 2
void trace_finish(uint64_t status);

#endif
