/*
 * trace_hostile - copy a trace, making it hostile in one way that its CRCs cannot catch (the
 * sections and chunks are rewritten, so every CRC is right). tests/system/hostile-inputs.sh
 * feeds the results to hvtrace and hvreplay and checks the status and message each gets.
 *
 *   trace_hostile KIND IN.hvt OUT.hvt
 *
 *   name      VM 0's name holds ESC, BEL and a right-to-left override
 *   recorder  the recorder text holds an OSC title sequence and a C1 CSI
 *   note      a NOTE record with control characters and broken UTF-8 after the first VM_START
 *   mem4g     VM 0 claims 4 GiB of memory
 *   late      VM 0's last exit is moved 10^12 instructions later (the stop record, which has no
 *             count of its own, moves with it; an instruction-limit stop's detail does not)
 *   reason=N  every I/O exit is re-tagged with exit reason N
 *   configs=N VM 0's configuration section N times more (a trace holds at most 16 VMs)
 *   chunk-reserved, chunk-nocrc   the first chunk's header gets a reserved byte set, or loses
 *             its payload-CRC flag (its header CRC recomputed)
 *   chunk-vm, chunk-icount   the first chunk's header (and its index entry) names VM 1, or
 *             instruction 5, as current where nothing has started yet (VM 0 at 0)
 *   cpuid-len=K:N   the K-th CPUID exit (from 1) records instruction length N instead of 2: a
 *             trace that every check still accepts but in which RIP does not advance past
 *             the CPUID (examples/exit_grader.c must name that exit)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "hvt_reader.h"
#include "retrovisor/exit_reasons.h"
#include "hvt_writer.h"
#include "trace_encode.h"

#define LATER 1000000000000ull

static int die(const char *what, const struct hvt_err *e)
{
	fprintf(stderr, "trace_hostile: %s: %s\n", what, e ? e->msg : "");
	return 2;
}

/* Change the first chunk's header in place and recompute its header CRC. */
static int patch_chunk(const char *path, const char *kind)
{
	struct hvt_reader *r;
	struct hvt_err err;
	struct hvt_chunk_header h;
	size_t n;
	if (hvt_reader_open(&r, path, &err) < 0)
		return die(path, &err);
	long off = (long)hvt_reader_index(r, &n)[0].offset;
	hvt_reader_close(r);
	FILE *f = fopen(path, "r+b");
	if (!f || fseek(f, off, SEEK_SET) || fread(&h, sizeof(h), 1, f) != 1)
		return die(path, NULL);
	if (!strcmp(kind, "chunk-reserved"))
		h.reserved[3] = 1;
	else
		h.flags &= (uint16_t)~HVT_CHUNK_CRC;
	h.header_crc = (uint32_t)crc32(0, (const Bytef *)&h, 60);
	if (fseek(f, off, SEEK_SET) || fwrite(&h, sizeof(h), 1, f) != 1 || fclose(f))
		return die(path, NULL);
	return 0;
}

/* The event number of VM 0's last exit (for late/late-all). */
static uint64_t last_exit(const char *path)
{
	struct hvt_reader *r;
	struct hvt_err err;
	struct hvt_event ev;
	uint64_t last = UINT64_MAX;
	if (hvt_reader_open(&r, path, &err) < 0)
		return last;
	while (hvt_reader_next_event(r, &ev, &err) == HVT_OK)
		if (ev.type == HVT_REC_EXIT && ev.vm == 0)
			last = ev.num;
	hvt_reader_close(r);
	return last;
}

struct edit_ctx {
	const char *kind;
	struct hvt_writer *w;
};

/* The section side of each KIND (hvt_writer_copy_sections calls it for every section). */
static int edit_section(void *ctx, const struct hvt_section_info *si, uint8_t **data, size_t *len, struct hvt_err *err)
{
	const struct edit_ctx *e = ctx;
	const char *kind = e->kind;
	if (si->type == HVT_SEC_RECORDER && !strcmp(kind, "recorder")) {
		static const char evil[] = "emulator=\x1b]0;pwned\x07 \xc2\x9b" "2J\nrunner=hostile\n";
		free(*data);
		*data = (uint8_t *)strdup(evil);
		*len = sizeof(evil) - 1;
	}
	if (si->type == HVT_SEC_VM_CONFIG && si->vm == 0 && *len == sizeof(struct hvt_vm_config)) {
		struct hvt_vm_config *c = (struct hvt_vm_config *)*data;
		if (!strcmp(kind, "name"))
			memcpy(c->name, "e\x1b[1mvil\x07\xe2\x80\xae", 13);
		if (!strcmp(kind, "mem4g"))
			c->mem_size = 4ull << 30;
	}
	/* configs=N: N more copies of each VM_CONFIG section, besides the one the copy adds */
	for (int k = 0; si->type == HVT_SEC_VM_CONFIG && !strncmp(kind, "configs=", 8) && k < atoi(kind + 8); k++)
		if (hvt_writer_add_section(e->w, si->type, si->vm, *data, *len, err) < 0)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20] __attribute__((aligned(8)));
	struct hvt_reader *r;
	struct hvt_writer *w;
	struct hvt_err err;
	struct hvt_event ev;
	struct hvt_enc enc;
	if (argc != 4)
		return fprintf(stderr, "usage: trace_hostile KIND IN OUT\n"), 64;
	const char *kind = argv[1];
	int reason = !strncmp(kind, "reason=", 7) ? atoi(kind + 7) : -1;
	int late = !strcmp(kind, "late");
	unsigned cpuid_k = 0, cpuid_len = 0, cpuids = 0;
	if (!strncmp(kind, "cpuid-len=", 10) && sscanf(kind + 10, "%u:%u", &cpuid_k, &cpuid_len) != 2)
		return fprintf(stderr, "trace_hostile: cpuid-len=K:N\n"), 64;
	uint64_t moved = late ? last_exit(argv[2]) : UINT64_MAX;
	if (hvt_reader_open(&r, argv[2], &err) < 0)
		return die(argv[2], &err);
	if (!(w = hvt_writer_open(argv[3], NULL, &err)))
		return die(argv[3], &err);
	struct edit_ctx ec = {kind, w};
	if (hvt_writer_copy_sections(w, r, edit_section, &ec, &err) < 0)
		return die("sections", &err);
	hvt_enc_init(&enc, buf, sizeof(buf), hvt_writer_sink, w);
	if (!strcmp(kind, "chunk-vm"))
		enc.chunk_first_vm = 1;
	if (!strcmp(kind, "chunk-icount"))
		enc.chunk_first_icount = 5;
	int st, ended = 0, noted = 0;
	while ((st = hvt_reader_next_event(r, &ev, &err)) == HVT_OK) {
		struct hvt_event x = ev;
		if (ev.type == HVT_REC_EXIT) {
			if (reason >= 0 && ev.reason == EXIT_REASON_IO_INSTRUCTION)
				x.reason = (uint8_t)reason;
			if (ev.num == moved)
				x.icount += LATER;
			if (ev.reason == EXIT_REASON_CPUID && ++cpuids == cpuid_k)
				x.insn_len = (uint8_t)cpuid_len;
		}
		ended |= hvt_enc_event(&enc, &x);
		if (ev.type == HVT_REC_VM_START && !strcmp(kind, "note") && !noted++)
			hvt_enc_note(&enc, "bell\x07 esc\x1b[2J c1\x9b bad\xff\xfe <&> end", 31);
	}
	if (st < 0)
		return die(argv[2], &err);
	if (!ended)
		hvt_enc_flush(&enc);
	if (hvt_writer_add_vm_states(w, &err) < 0 || hvt_writer_close(w, ended ? HVT_FILE_COMPLETE : 0, &err) < 0)
		return die(argv[3], &err);
	hvt_reader_close(r);
	return !strcmp(kind, "chunk-reserved") || !strcmp(kind, "chunk-nocrc") ? patch_chunk(argv[3], kind) : 0;
}
