/*
 * trace.c - every VM exit, captured on the trace disk.
 *
 * Records (the capture stream, include/retrovisor/trace_format.h) are written into a 64 KiB
 * chunk in memory; the EXIT record, the one on every exit, is written inline by the exit path
 * (vm_run.c), the others here. A full chunk goes to the ATA disk in two writes: its payload sectors
 * first, then the sector holding its header. The header sector is the commit point: a reader that
 * finds a chunk header knows the whole chunk is on disk, so a run cut short (Bochs killed, power
 * lost) leaves every committed chunk intact.
 *
 * With bus-master DMA (ata.c) the payload is written while the guests go on running into the
 * other of two chunk buffers; the header sector follows at the next flush, once the DMA is done.
 * Without it, programmed I/O writes both at once. Either way the CPU never copies the capture.
 */
#include "trace.h"

#include "ata.h"
#include "lib.h"
#include "vmx.h"

#define CHUNK_BYTES (64u << 10) /* header and payload; one DMA region (ata.h) */
#define PAYLOAD_WORDS ((CHUNK_BYTES - sizeof(struct hvt_chunk_header)) / 8)

int trace_on;
int trace_test_panic_in_flush;
uint64_t *trace_p, *trace_limit;
uint64_t trace_records;

/* A chunk: its header, then the payload words; one spare sector for the padding. */
union chunk {
	struct {
		struct hvt_chunk_header h;
		uint64_t payload[PAYLOAD_WORDS];
	};
	uint8_t bytes[CHUNK_BYTES + 512];
};
/* Two, each 64 KiB-aligned: a DMA region must not cross a 64 KiB boundary. */
static union chunk chunk_a __attribute__((aligned(CHUNK_BYTES))), chunk_b __attribute__((aligned(CHUNK_BYTES)));
static union chunk *chunk = &chunk_a;
static struct hvt_disk_header disk_header __attribute__((aligned(512)));
static uint32_t next_lba = HVT_DISK_FIRST_LBA;
static uint64_t disk_sectors, chunk_index, chunk_first_record;
static int disk_full, use_dma;
/* The chunk whose payload a DMA is writing; its header sector is still to be written. */
static union chunk *inflight;
static uint32_t inflight_lba;

static void write_disk_header(void)
{
	if (ata_write(0, &disk_header, sizeof(disk_header) / 512))
		hv_printf("hv: trace disk: writing the header failed");
}

static void chunk_open(void)
{
	trace_p = chunk->payload;
	trace_limit = chunk->payload + PAYLOAD_WORDS - TRACE_EXIT_MAX_WORDS;
	chunk_first_record = trace_records;
}

static void write_failed(uint32_t lba)
{
	hv_printf("hv: trace disk: write at sector %u failed: tracing stops here", lba);
	disk_full = 1;
}

/* The DMA'd chunk's payload is on the disk: its header sector commits it. */
static void commit_inflight(void)
{
	if (!inflight)
		return;
	if (ata_dma_wait() || ata_write(inflight_lba, inflight->bytes, 1))
		write_failed(inflight_lba);
	inflight = 0;
}

/*
 * The chunk under construction, sectors long, to next_lba: by DMA (its header sector at the
 * next flush; filling goes on in the other buffer) or by PIO, payload then header.
 */
static void write_chunk(uint32_t sectors)
{
	if (next_lba + sectors > disk_sectors) {
		hv_printf("hv: trace disk full after %u sectors: the rest of the run is not recorded", next_lba);
		disk_full = 1;
		return;
	}
	if (use_dma && sectors > 1) {
		if (ata_dma_write(next_lba + 1, chunk->bytes + 512, sectors - 1)) {
			write_failed(next_lba);
			return;
		}
		inflight = chunk;
		inflight_lba = next_lba;
		chunk = chunk == &chunk_a ? &chunk_b : &chunk_a;
	} else if ((sectors > 1 && ata_write(next_lba + 1, chunk->bytes + 512, sectors - 1)) ||
		   ata_write(next_lba, chunk->bytes, 1)) {
		write_failed(next_lba);
		return;
	}
	next_lba += sectors;
	chunk_index++;
}

void trace_flush(void)
{
	if (trace_test_panic_in_flush)
		PANIC("test panic in the trace flush (hvrun --hv-test-panic-twice)");
	uint32_t payload = (uint32_t)((uint8_t *)trace_p - (uint8_t *)chunk->payload);
	uint32_t len = (uint32_t)sizeof(chunk->h) + payload, sectors = (len + 511) / 512;

	commit_inflight();
	if (payload && !disk_full) {
		memset(&chunk->h, 0, sizeof(chunk->h));
		chunk->h.magic = HVT_CAP_MAGIC;
		chunk->h.header_size = sizeof(chunk->h);
		chunk->h.stored_size = payload;
		chunk->h.raw_size = payload;
		chunk->h.index = chunk_index;
		chunk->h.nevents = (uint32_t)(trace_records - chunk_first_record);
		memset(chunk->bytes + len, 0, sectors * 512 - len);
		write_chunk(sectors);
	}
	chunk_open();
}

int trace_init(unsigned nvms, int dma)
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
	use_dma = dma && !ata_dma_init();
	hv_printf("hv: trace disk: %lu sectors, %s", disk_sectors,
		  use_dma ? "bus-master DMA" : dma ? "programmed I/O (no PCI IDE bus master)" : "programmed I/O");
	chunk_open();
	trace_on = 1;
	return 0;
}

void trace_vm_start(unsigned vm, const struct hvt_vm_state *st)
{
	uint64_t *p = trace_reserve(1 + HVT_CAP_VM_STATE_WORDS);

	*p++ = hvt_cap_vm_word(HVT_CAP_VM_START, vm);
	memcpy(p, st, sizeof(*st));
	trace_commit(p + HVT_CAP_VM_STATE_WORDS);
}

void trace_switch(unsigned vm)
{
	uint64_t *p = trace_reserve(1);

	*p++ = hvt_cap_vm_word(HVT_CAP_SWITCH, vm);
	trace_commit(p);
}

void trace_inject(uint32_t info, uint32_t error_code)
{
	uint64_t *p = trace_reserve(2);

	p[0] = hvt_cap_hi_word(HVT_CAP_INJECT, info);
	p[1] = error_code;
	trace_commit(p + 2);
}

void trace_memwrite(uint64_t gpa, const void *data, uint32_t len)
{
	const uint8_t *d = data;

	while (len) {
		uint32_t n = len > HVT_CAP_BLOB_MAX ? HVT_CAP_BLOB_MAX : len, words = (n + 7) / 8;
		uint64_t *p = trace_reserve(2 + words);
		p[0] = hvt_cap_hi_word(HVT_CAP_MEMWRITE, n);
		p[1] = gpa;
		p[1 + words] = 0; /* the padding of the last word */
		memcpy(p + 2, d, n);
		trace_commit(p + 2 + words);
		gpa += n;
		d += n;
		len -= n;
	}
}

void trace_post(uint32_t mask, const uint64_t v[RV_POST_NVALS])
{
	uint64_t *p = trace_reserve(1 + RV_POST_NVALS);

	*p++ = hvt_cap_post_word(mask);
	for (uint32_t m = mask; m; m &= m - 1)
		*p++ = v[__builtin_ctz(m)];
	trace_commit(p);
}

void trace_vm_stop(unsigned vm, unsigned why, uint64_t status, uint64_t detail)
{
	uint64_t *p = trace_reserve(3);

	p[0] = hvt_cap_stop_word(vm, why);
	p[1] = status;
	p[2] = detail;
	trace_commit(p + 3);
}

void trace_note(const char *text, uint32_t len)
{
	uint32_t words;
	if (len > HVT_CAP_BLOB_MAX)
		len = HVT_CAP_BLOB_MAX;
	words = (len + 7) / 8;
	uint64_t *p = trace_reserve(1 + words);
	p[0] = hvt_cap_hi_word(HVT_CAP_NOTE, len);
	p[words] = 0; /* the padding of the last word */
	memcpy(p + 1, text, len);
	trace_commit(p + 1 + words);
}

void trace_finish(uint64_t status)
{
	if (!trace_on)
		return;
	uint64_t *p = trace_reserve(2);
	p[0] = HVT_CAP_END;
	p[1] = status;
	trace_commit(p + 2);
	trace_flush();
	commit_inflight();
	disk_header.flags |= HVT_DISK_CLEAN_END;
	disk_header.nchunks = chunk_index;
	disk_header.nevents = trace_records;
	write_disk_header();
	if (ata_flush())
		hv_printf("hv: trace disk: cache flush failed");
	trace_on = 0;
}
