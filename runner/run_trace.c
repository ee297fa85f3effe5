/*
 * run_trace.c - the .hvt file of a run: the chunks the hypervisor left on the trace disk, plus
 * what makes the file replayable alone: recorder, VMX capabilities, each VM's configuration,
 * initial memory (its image at its load address; the rest is zero) and initial registers.
 * No timestamps or paths go in, so two runs of the same guest give the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/hvtrace_writer.h"
#include "run.h"

static int add_memory(struct hvt_writer *w, const struct run_vm *v, struct hvt_err *err)
{
	size_t len = 16 + v->image_size;
	uint8_t *run = malloc(len);
	if (!run)
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	uint64_t gpa = v->cfg.load_addr, size = v->image_size;
	memcpy(run, &gpa, 8);
	memcpy(run + 8, &size, 8);
	memcpy(run + 16, v->image, v->image_size);
	int rc = hvt_writer_add_section(w, HVT_SEC_VM_MEMORY, v->cfg.id, run, len, err);
	free(run);
	return rc;
}

int run_trace(struct run *r)
{
	struct hvt_err err = {0};
	struct hvt_disk_header dh;
	char disk[512], recorder[1024];
	int rc;

	/* opened before the run (hvrun.c), so that a bad output path costs no run */
	struct hvt_writer *w = r->writer;
	r->writer = NULL;
	snprintf(disk, sizeof(disk), "%s/trace.img", r->dir);
	int st = hvt_disk_import(disk, w, &dh, &err);
	if (st < 0) {
		run_err("trace disk: %s", err.msg);
		hvt_writer_discard(w);
		return -1;
	}
	if (st == HVT_TRUNCATED)
		fprintf(stderr, "hvrun: trace truncated: %s\n", err.msg);

	int n = snprintf(recorder, sizeof(recorder),
			 "emulator=bochs 2.7\ncpu_model=%s\nips=" RUN_BOCHS_IPS "\nclock=sync=" RUN_BOCHS_SYNC
			 ",time0=" RUN_BOCHS_TIME0 "\n"
			 "hypervisor=%s\ncpu_vendor=%.12s\ncpu_brand=%.48s\nrunner=hvrun 1.0\n",
			 r->cpu_model, dh.hv_version, dh.cpu_vendor, dh.cpu_brand);
	rc = hvt_writer_add_section(w, HVT_SEC_RECORDER, HVT_NO_VM, recorder, (size_t)n, &err);
	if (rc == HVT_OK)
		rc = hvt_writer_add_vmxcaps(w, &dh, &err);
	for (int i = 0; i < r->nvms && rc == HVT_OK; i++) {
		rc = hvt_writer_add_section(w, HVT_SEC_VM_CONFIG, r->vm[i].cfg.id, &r->vm[i].cfg,
					    sizeof(r->vm[i].cfg), &err);
		if (rc == HVT_OK)
			rc = add_memory(w, &r->vm[i], &err);
	}
	if (rc == HVT_OK)
		rc = hvt_writer_add_vm_states(w, &err);
	if (rc != HVT_OK) {
		run_err("%s", err.msg);
		hvt_writer_discard(w);
		return -1;
	}
	uint64_t events = hvt_writer_nevents(w), chunks = hvt_writer_nchunks(w);
	int complete = (dh.flags & HVT_DISK_CLEAN_END) && st == HVT_OK;
	rc = hvt_writer_close(w, complete ? HVT_FILE_COMPLETE : 0, &err);
	if (rc != HVT_OK) {
		run_err("%s", err.msg);
		return -1;
	}
	if (!r->quiet)
		fprintf(stderr, "hvrun: trace: %s (%llu events in %llu chunks%s)\n", r->output,
			(unsigned long long)events, (unsigned long long)chunks, complete ? "" : ", incomplete");
	return 0;
}
