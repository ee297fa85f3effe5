/*
 * ata.c - programmed-I/O writes to the primary ATA master, the trace's way out of the machine.
 *
 * ATA/ATAPI-6 command set: registers at 0x1F0-0x1F7, device control at 0x3F6. LBA28 addressing,
 * WRITE SECTORS (0x30) with up to 256 sectors per command, one DRQ data block of 256 words per
 * sector, CACHE FLUSH (0xE7) at the end. Interrupts are disabled (nIEN) and the status register
 * is polled. In Bochs a sector costs about 45 us of wall time (BOCHS-NOTES: 9-12 MB/s), against
 * one write(2) per byte on port 0xE9.
 */
#include "ata.h"

#include "lib.h"
#include "x86.h"

#define ATA_DATA 0x1f0
#define ATA_ERROR 0x1f1
#define ATA_COUNT 0x1f2
#define ATA_LBA0 0x1f3
#define ATA_LBA1 0x1f4
#define ATA_LBA2 0x1f5
#define ATA_DRIVE 0x1f6
#define ATA_CMD 0x1f7 /* status when read */
#define ATA_CTRL 0x3f6
#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DF 0x20
#define ST_BSY 0x80
#define CMD_WRITE_SECTORS 0x30
#define CMD_FLUSH_CACHE 0xe7
#define CMD_IDENTIFY 0xec

static int wait_ready(int want_drq)
{
	for (uint32_t spins = 0; spins < 10000000; spins++) {
		uint8_t st = inb(ATA_CMD);
		if (st == 0xff)
			return -1; /* floating bus: no controller */
		if (st & ST_BSY)
			continue;
		if (st & (ST_ERR | ST_DF))
			return -1;
		if (!want_drq || (st & ST_DRQ))
			return 0;
	}
	return -1;
}

static void select_lba(uint32_t lba, uint32_t count)
{
	outb(ATA_DRIVE, 0xe0 | (lba >> 24 & 0x0f)); /* master, LBA mode */
	outb(ATA_COUNT, (uint8_t)count);            /* 0 means 256 */
	outb(ATA_LBA0, (uint8_t)lba);
	outb(ATA_LBA1, (uint8_t)(lba >> 8));
	outb(ATA_LBA2, (uint8_t)(lba >> 16));
}

uint64_t ata_probe(void)
{
	uint16_t id[256];

	outb(ATA_CTRL, 0x02); /* nIEN */
	if (inb(ATA_CMD) == 0xff)
		return 0;
	outb(ATA_DRIVE, 0xa0);
	outb(ATA_CMD, CMD_IDENTIFY);
	if (inb(ATA_CMD) == 0 || wait_ready(1))
		return 0;
	uint16_t *dst = id;
	uint64_t words = 256;
	__asm__ volatile("rep insw" : "+D"(dst), "+c"(words) : "d"(ATA_DATA) : "memory");
	return id[60] | (uint32_t)id[61] << 16; /* words 60-61: LBA28 sector count */
}

int ata_write(uint32_t lba, const void *buf, uint32_t count)
{
	const uint8_t *p = buf;
	while (count) {
		uint32_t n = count > 256 ? 256 : count;
		if (wait_ready(0))
			return -1;
		select_lba(lba, n & 0xff);
		outb(ATA_CMD, CMD_WRITE_SECTORS);
		for (uint32_t s = 0; s < n; s++) {
			if (wait_ready(1))
				return -1;
			const void *src = p;
			uint64_t dwords = 128;
			__asm__ volatile("rep outsl" : "+S"(src), "+c"(dwords) : "d"(ATA_DATA) : "memory");
			p += 512;
		}
		lba += n;
		count -= n;
	}
	return wait_ready(0);
}

int ata_flush(void)
{
	if (wait_ready(0))
		return -1;
	outb(ATA_DRIVE, 0xe0);
	outb(ATA_CMD, CMD_FLUSH_CACHE);
	return wait_ready(0);
}
