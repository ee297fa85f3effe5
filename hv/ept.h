/* ept.h - extended page tables: guest-physical to host-physical. */
#ifndef HV_EPT_H
#define HV_EPT_H

#include <stdint.h>

/* Map guest-physical [0, size) to host memory at host (both page-aligned); returns the EPT
 * pointer for the VMCS, or 0 when out of memory. Nothing else is mapped. */
uint64_t ept_build(uint64_t host, uint64_t size);

#endif
