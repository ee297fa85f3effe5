/*
 * ata.c - writes to the primary ATA master, the trace's way out of the machine.
 *
 * ATA/ATAPI-6 command set: registers at 0x1F0-0x1F7, device control at 0x3F6, LBA28 addressing.
 * Two ways to write:
 *   - programmed I/O: WRITE SECTORS (0x30), up to 256 sectors per command, one DRQ data block per
 *     sector moved with REP OUTSD. Every 4 bytes cost the CPU an instruction.
 *   - bus-master DMA (the PIIX3 IDE function's BMIDE registers, "Programming Interface for Bus
 *     Master IDE Controller" 1.0): WRITE DMA (0xCA) with one PRD entry; the controller reads the
 *     memory itself, so a chunk costs a few port writes whatever its size. It runs while the
 *     guests run; ata_dma_wait collects it. Used when the PCI IDE function has a bus-master BAR.
 * CACHE FLUSH (0xE7) at the end. Interrupts are disabled (nIEN); status registers are polled.
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
#define CMD_WRITE_DMA 0xca
/* BMIDE registers, relative to BAR4 (primary channel). */
#define BM_CMD 0
#define BM_STATUS 2
#define BM_PRDT 4
#define BM_CMD_START 0x01
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERROR 0x02
#define BM_ST_IRQ 0x04
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

static uint16_t bmiba;   /* bus-master I/O base, 0: no DMA */
static int dma_busy;     /* a WRITE DMA is in flight */
/* One PRD entry: physical address, byte count (bit 31: end of table). 4-byte aligned, and the
 * table must not cross a 64 KiB boundary. */
static uint32_t prd[2] __attribute__((aligned(16)));
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

static uint32_t pci_read(unsigned dev, unsigned fn, unsigned reg)
{
	outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
	return inl(PCI_DATA);
}

static void pci_write(unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
	outl(PCI_DATA, v);
}

int ata_dma_init(void)
{
	/* The IDE controller on bus 0: class 01 (mass storage), subclass 01 (IDE), with BAR4 an I/O
	 * BAR (bus master). Enable I/O decoding and bus mastering in its command register. */
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = pci_read(dev, fn, 0);
			if ((id & 0xffff) == 0xffff)
				continue;
			if (pci_read(dev, fn, 8) >> 16 != 0x0101)
				continue;
			uint32_t bar4 = pci_read(dev, fn, 0x20);
			if (!(bar4 & 1) || !(bar4 & 0xfffc))
				continue;
			pci_write(dev, fn, 4, (pci_read(dev, fn, 4) & 0xffff) | 0x5);
			bmiba = (uint16_t)(bar4 & 0xfffc);
			return 0;
		}
	}
	return -1;
}

int ata_dma_write(uint32_t lba, const void *buf, uint32_t count)
{
	uint64_t pa = (uint64_t)buf; /* the hypervisor's memory is identity-mapped */

	if (!bmiba || !count || count > 128 || pa >> 32 || (pa & 0xffff) + count * 512 > 0x10000)
		return -1; /* one PRD entry: below 4 GiB, within one 64 KiB region */
	if (ata_dma_wait() || wait_ready(0))
		return -1;
	prd[0] = (uint32_t)pa;
	prd[1] = 0x80000000u | (count * 512 & 0xffff);
	outb(bmiba + BM_CMD, 0); /* stopped; direction: memory to device */
	outl(bmiba + BM_PRDT, (uint32_t)(uint64_t)prd);
	outb(bmiba + BM_STATUS, BM_ST_ERROR | BM_ST_IRQ); /* write 1 to clear */
	select_lba(lba, count);
	outb(ATA_CMD, CMD_WRITE_DMA);
	outb(bmiba + BM_CMD, BM_CMD_START);
	dma_busy = 1;
	return 0;
}

int ata_dma_wait(void)
{
	if (!dma_busy)
		return 0;
	dma_busy = 0;
	for (uint32_t spins = 0; spins < 100000000; spins++) {
		uint8_t st = inb(bmiba + BM_STATUS);
		if (st & BM_ST_ERROR)
			break;
		if (!(st & BM_ST_ACTIVE)) {
			outb(bmiba + BM_CMD, 0);
			return wait_ready(0);
		}
	}
	outb(bmiba + BM_CMD, 0);
	return -1;
}

int ata_write(uint32_t lba, const void *buf, uint32_t count)
{
	const uint8_t *p = buf;

	if (ata_dma_wait())
		return -1;
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
	if (ata_dma_wait() || wait_ready(0))
		return -1;
	outb(ATA_DRIVE, 0xe0);
	outb(ATA_CMD, CMD_FLUSH_CACHE);
	return wait_ready(0);
}
