/*
 * trace.c - every VM exit, recorded on the trace disk.
 *
 * Records are encoded into a 64 KiB chunk in memory (tracer/trace_encode.c); a full chunk goes
 * to the ATA disk in two writes: its payload sectors first, then the sector holding its header.
 * The header sector is the commit point: a reader that finds a chunk header knows the whole
 * chunk is on disk, so a run cut short (Bochs killed, power lost) leaves every chunk before the
 * last one intact. Layout: include/retrovisor/trace_format.h, docs/trace-format.md.
 */
#include "trace.h"

#include "ata.h"
#include "lib.h"
#include "vmx.h"

int trace_on;
struct hvt_enc trace_enc;

static uint8_t chunk_buf[HVT_CHUNK_MIN] __attribute__((aligned(512)));
static struct hvt_disk_header disk_header __attribute__((aligned(512)));
static uint32_t next_lba = HVT_DISK_FIRST_LBA;
static uint64_t disk_sectors;
static int disk_full;

static void write_disk_header(void)
{
	if (ata_write(0, &disk_header, sizeof(disk_header) / 512))
		hv_printf("hv: trace disk: writing the header failed");
}

static void sink(void *ctx, const uint8_t *chunk, uint32_t len)
{
	(void)ctx;
	uint32_t sectors = (len + 511) / 512;

	if (disk_full)
		return;
	if (next_lba + sectors > disk_sectors) {
		hv_printf("hv: trace disk full after %u sectors: the rest of the run is not recorded", next_lba);
		disk_full = 1;
		return;
	}
	/* The encoder's buffer has room up to the next sector boundary: zero the padding. */
	memset((uint8_t *)chunk + len, 0, sectors * 512 - len);
	if ((sectors > 1 && ata_write(next_lba + 1, chunk + 512, sectors - 1)) || ata_write(next_lba, chunk, 1)) {
		hv_printf("hv: trace disk: write at sector %u failed: tracing stops here", next_lba);
		disk_full = 1;
		return;
	}
	next_lba += sectors;
}

int trace_init(unsigned nvms)
{
	disk_sectors = ata_probe();
	if (disk_sectors < HVT_DISK_FIRST_LBA + 256) {
		hv_printf("hv: no trace disk on the primary ATA channel: not tracing");
		return -1;
	}
	memcpy(disk_header.magic, HVT_DISK_MAGIC, sizeof(HVT_DISK_MAGIC));
	disk_header.major = HVT_VERSION_MAJOR;
	disk_header.minor = HVT_VERSION_MINOR;
	disk_header.size = sizeof(disk_header);
	disk_header.nvms = nvms;
	memcpy(disk_header.cpu_vendor, vmx.vendor, 12);
	memcpy(disk_header.cpu_brand, vmx.brand, 48);
	memcpy(disk_header.hv_version, "retrovisor 1.0", 15);
	for (unsigned i = 0; i < HVT_VMX_MSR_COUNT; i++)
		disk_header.vmx_msr[i] = vmx.msr[i];
	write_disk_header();
	/* Leave the last sector's worth of the buffer for padding (see sink). */
	hvt_enc_init(&trace_enc, chunk_buf, sizeof(chunk_buf) - 512, sink, 0);
	trace_on = 1;
	return 0;
}

void trace_finish(uint64_t status)
{
	if (!trace_on)
		return;
	hvt_enc_finish(&trace_enc, status);
	disk_header.flags |= HVT_DISK_CLEAN_END;
	disk_header.nchunks = trace_enc.chunk_index;
	disk_header.nevents = trace_enc.next_event;
	write_disk_header();
	if (ata_flush())
		hv_printf("hv: trace disk: cache flush failed");
	trace_on = 0;
}
