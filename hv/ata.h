/* ata.h - the trace disk: PIO writes to the primary ATA master. */
#ifndef HV_ATA_H
#define HV_ATA_H

#include <stdint.h>

/* Probe the disk (IDENTIFY); returns its size in sectors, 0 if there is none. */
uint64_t ata_probe(void);
/* Write count sectors (512 bytes each) from buf at lba; 0 on success. */
int ata_write(uint32_t lba, const void *buf, uint32_t count);
int ata_flush(void);

#endif
