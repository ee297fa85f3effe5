/* ata.h - the trace disk: PIO and bus-master DMA writes to the primary ATA master. */
#ifndef HV_ATA_H
#define HV_ATA_H

#include <stdint.h>

/* Probe the disk (IDENTIFY); returns its size in sectors, 0 if there is none. */
uint64_t ata_probe(void);
/* Write count sectors (512 bytes each) from buf at lba; 0 on success. */
int ata_write(uint32_t lba, const void *buf, uint32_t count);
int ata_flush(void);
/* Find the PCI IDE controller's bus-master registers; 0 when DMA can be used. */
int ata_dma_init(void);
/* Start writing count sectors (at most 128, within one 64 KiB-aligned region below 4 GiB) from buf
 * at lba by DMA, after the previous DMA completed; buf must stay untouched until ata_dma_wait. */
int ata_dma_write(uint32_t lba, const void *buf, uint32_t count);
/* Wait for the DMA in flight, if any; 0 when it completed without error. */
int ata_dma_wait(void);

#endif
