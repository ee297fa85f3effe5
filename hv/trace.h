/* trace.h - the hypervisor's side of the trace: encoder state and the ATA sink. */
#ifndef HV_TRACE_H
#define HV_TRACE_H

#include "trace_encode.h"

struct vmx_caps;

extern int trace_on;
extern struct hvt_enc trace_enc;

/* Find the trace disk and write its header; 0 on success (tracing on), -1 (tracing off). */
int trace_init(unsigned nvms);
/* END record, last chunk, final disk header. */
void trace_finish(uint64_t status);

#endif
