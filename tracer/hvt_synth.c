/*
 * hvt_synth.c - a toy workload through the real encoder and writer (hvt_synth.h).
 *
 * Each VM runs a loop over a handful of "sites", one exiting instruction each, with the mix a
 * small real-mode guest produces: serial-port I/O most of the time, CPUID, RDTSC, hypercalls,
 * HLT with an interrupt injected, MMIO EPT violations, CR0 writes, and the preemption timer
 * that makes the scheduler switch VMs. Registers change the way such a loop changes them (a
 * counter, a pointer, the byte written), so bytes per exit resemble a real trace.
 */
#include <stdlib.h>
#include <string.h>

#include "hvt_synth.h"
#include "hvt_writer.h"
#include "retrovisor/exit_reasons.h"
#include "retrovisor/regs.h"
#include "retrovisor/vmx_fields.h"
#include "trace_encode.h"
#include "retrovisor/xorshift.h"

struct gvm {
	uint64_t regs[HVT_NREGS];
	uint64_t icount, tsc;
	unsigned char_i;
};

static uint64_t rng;
static uint32_t rnd32(void)
{
	return (uint32_t)(xorshift64(&rng) >> 11);
}

/* One exit of VM g: fills the registers at the exit and what the handler did. */
static void guest_step(struct hvt_enc *e, struct gvm *g, int *switch_now)
{
	static const char msg[] = "Hello from a synthetic guest!\r\n";
	struct hvt_post post = { 0 };
	unsigned r = rnd32() % 100, reason, len = 0;
	uint64_t qual = 0, gpa = 0;
	int has_gpa = 0;
	uint64_t *x = g->regs;

	g->icount += 20 + rnd32() % 200;
	if (r < 50) { /* out dx, al to the UART; a counted loop over a message */
		reason = EXIT_REASON_IO_INSTRUCTION;
		x[RV_REG_RAX] = (x[RV_REG_RAX] & ~0xffull) | (uint8_t)msg[g->char_i++ % (sizeof(msg) - 1)];
		x[RV_REG_RSI]++;
		x[RV_REG_RCX]--;
		x[RV_REG_RDX] = 0x3f8;
		x[HVT_REG_RIP] = 0x7c40;
		qual = vmx_io_qual(0x3f8, 1, 0); /* out dx, al */
		len = 1;
	} else if (r < 60) { /* in al, dx: line status, always "ready" */
		reason = EXIT_REASON_IO_INSTRUCTION;
		x[RV_REG_RDX] = 0x3fd;
		x[HVT_REG_RIP] = 0x7c3a;
		qual = vmx_io_qual(0x3fd, 1, VMX_IO_IN);
		post.mask = HVT_POST_GPR(RV_POST_RAX);
		post.v[RV_POST_RAX] = (x[RV_REG_RAX] & ~0xffull) | 0x60;
		x[RV_REG_RAX] = post.v[RV_POST_RAX];
		len = 1;
	} else if (r < 68) { /* rdtsc */
		reason = EXIT_REASON_RDTSC;
		x[HVT_REG_RIP] = 0x7c80;
		g->tsc += 1000 + rnd32() % 5000;
		post.mask = HVT_POST_GPR(RV_POST_RAX) | HVT_POST_GPR(RV_POST_RDX);
		post.v[RV_POST_RAX] = (uint32_t)g->tsc;
		post.v[RV_POST_RDX] = g->tsc >> 32;
		len = 2;
	} else if (r < 73) { /* cpuid */
		static const uint32_t leaves[] = { 0, 1, 0x40000000 };
		reason = EXIT_REASON_CPUID;
		x[RV_REG_RAX] = leaves[rnd32() % 3];
		x[RV_REG_RCX] = 0;
		x[HVT_REG_RIP] = 0x7d00;
		post.mask = HVT_POST_GPR(RV_POST_RAX) | HVT_POST_GPR(RV_POST_RBX) | HVT_POST_GPR(RV_POST_RCX) | HVT_POST_GPR(RV_POST_RDX);
		post.v[RV_POST_RAX] = x[RV_REG_RAX] ? 0x40000001 : 0xd;
		post.v[RV_POST_RBX] = 0x72746552;
		post.v[RV_POST_RCX] = 0x7369766f;
		post.v[RV_POST_RDX] = 0x5648726f;
		len = 2;
	} else if (r < 83) { /* vmcall: console write */
		reason = EXIT_REASON_VMCALL;
		x[RV_REG_RAX] = 1;
		x[RV_REG_RBX] = 0x9000 + (rnd32() % 16) * 64;
		x[RV_REG_RCX] = 1 + rnd32() % 40;
		x[HVT_REG_RIP] = 0x7d40;
		post.mask = HVT_POST_GPR(RV_POST_RAX);
		post.v[RV_POST_RAX] = x[RV_REG_RCX];
		len = 3;
	} else if (r < 86) { /* hlt, woken by the timer interrupt */
		reason = EXIT_REASON_HLT;
		x[HVT_REG_RIP] = 0x7c90;
		len = 1;
	} else if (r < 94) { /* mmio read through EPT */
		reason = EXIT_REASON_EPT_VIOLATION;
		gpa = 0xfee00000 + (rnd32() % 64) * 16;
		has_gpa = 1;
		qual = VMX_EPT_READ | VMX_EPT_LINEAR_VALID | VMX_EPT_TRANSLATED;
		x[RV_REG_RBX] = gpa;
		x[HVT_REG_RIP] = 0x7e00 + (rnd32() % 4) * 8;
		post.mask = HVT_POST_GPR(RV_POST_RAX);
		post.v[RV_POST_RAX] = rnd32() & 0xff;
		len = 3;
	} else if (r < 96) { /* mov cr0, eax */
		reason = EXIT_REASON_CR_ACCESS;
		x[RV_REG_RAX] = 0x11 | (rnd32() & 1u) << 31;
		x[HVT_REG_RIP] = 0x7f00;
		post.mask = HVT_POST_CR0;
		post.v[RV_POST_CR0] = x[RV_REG_RAX];
		len = 3;
	} else { /* the preemption timer: the scheduler's turn */
		reason = EXIT_REASON_PREEMPTION_TIMER;
		x[HVT_REG_RIP] = 0x7c00 + rnd32() % 0x400;
		*switch_now = 1;
	}
	hvt_enc_exit(e, reason, g->icount, x, qual, &post, len, has_gpa, gpa);
	if (reason == EXIT_REASON_HLT)
		hvt_enc_inject(e, vmx_intr_info(VMX_INTR_EXTERNAL, 0x20, 0), 0);
	if (reason == EXIT_REASON_VMCALL && rnd32() % 64 == 0)
		hvt_enc_memwrite(e, 0xa000, msg, sizeof(msg) - 1);
	rv_post_apply(x, post.mask, post.v, len);
}

static void vm_initial(struct gvm *g, unsigned vm, struct hvt_vm_state *st)
{
	memset(st, 0, sizeof(*st));
	st->gpr[RV_REG_RSP] = 0x7000;
	st->gpr[RV_REG_RCX] = 1000000;
	st->gpr[RV_REG_RSI] = 0x9000;
	st->rip = 0x7c00;
	st->rflags = 0x202;
	st->cr0 = 0x10;
	st->seg[HVT_SEG_CS].limit = 0xffff;
	st->seg[HVT_SEG_CS].ar = 0x9b;
	memcpy(g->regs, st->gpr, sizeof(st->gpr));
	g->regs[HVT_REG_RIP] = st->rip;
	g->regs[HVT_REG_RFLAGS] = st->rflags;
	g->icount = 0;
	g->tsc = (uint64_t)vm << 32;
}

static int add_sections(struct hvt_writer *w, unsigned nvms, struct hvt_err *err)
{
	static const char rec[] = "emulator=hvtrace synth\ncpu=synthetic\nhv_version=retrovisor synth\n";
	struct hvt_disk_header dh;
	int st;

	memset(&dh, 0, sizeof(dh));
	dh.vmx_msr[0] = 0xda040000000004ull; /* IA32_VMX_BASIC: revision 4, 4 KiB region, WB */
	if ((st = hvt_writer_add_section(w, HVT_SEC_RECORDER, HVT_NO_VM, rec, sizeof(rec) - 1, err)) ||
	    (st = hvt_writer_add_vmxcaps(w, &dh, err)))
		return st;
	for (unsigned vm = 0; vm < nvms; vm++) {
		struct hvt_vm_config c = { .id = vm, .mode = HVT_MODE_REAL, .mem_size = 1 << 20,
					   .load_addr = 0x7c00, .entry = 0x7c00, .image_size = 512,
					   .weight = 1 };
		uint8_t mem[16 + 512] = { 0 };
		uint64_t run[2] = { 0x7c00, 512 };
		memcpy(c.name, "synth", 5);
		c.name[5] = (char)('0' + vm % 10);
		memcpy(mem, run, sizeof(run));
		mem[16 + 510] = 0x55;
		mem[16 + 511] = 0xaa;
		if ((st = hvt_writer_add_section(w, HVT_SEC_VM_CONFIG, vm, &c, sizeof(c), err)) ||
		    (st = hvt_writer_add_section(w, HVT_SEC_VM_MEMORY, vm, mem, sizeof(mem), err)))
			return st;
	}
	return hvt_writer_add_vm_states(w, err);
}

int hvt_synth_write(const char *path, const struct hvt_synth_opts *o, struct hvt_err *err)
{
	struct hvt_writer_opts wo = { .zstd_level = o->zstd_level, .no_validate = 1 };
	uint32_t cap = o->chunk_size ? o->chunk_size : 256 * 1024;
	unsigned nvms = o->vms ? o->vms : 1, cur = 0;
	struct hvt_enc *e = malloc(sizeof(*e));
	struct gvm *g = calloc(HVT_MAX_VMS, sizeof(*g));
	uint8_t *buf = NULL;
	struct hvt_writer *w = NULL;
	int st;

	if (nvms > HVT_MAX_VMS || cap < HVT_CHUNK_MIN || cap > HVT_CHUNK_MAX) {
		st = hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "synth: VMs 1-%u, chunk size %u-%u", HVT_MAX_VMS,
				 HVT_CHUNK_MIN, HVT_CHUNK_MAX);
		goto out;
	}
	if (!e || !g || !(buf = aligned_alloc(8, cap))) {
		st = hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "synth: out of memory");
		goto out;
	}
	if (!(w = hvt_writer_open(path, &wo, err))) {
		st = err ? err->code : HVT_EIO;
		goto out;
	}
	rng = o->seed * 0x9e3779b97f4a7c15ull + 1;
	hvt_enc_init(e, buf, cap, hvt_writer_sink, w);
	for (unsigned vm = 0; vm < nvms; vm++) {
		struct hvt_vm_state s;
		vm_initial(&g[vm], vm, &s);
		hvt_enc_vm_start(e, vm, &s);
	}
	cur = nvms - 1;
	for (uint64_t i = 0; i < o->exits; i++) {
		int sw = 0;
		guest_step(e, &g[cur], &sw);
		if (sw && nvms > 1) {
			cur = (cur + 1) % nvms;
			hvt_enc_switch(e, cur);
		}
	}
	for (unsigned vm = 0; vm < nvms; vm++)
		hvt_enc_vm_stop(e, vm, HVT_STOP_SHUTDOWN, 0, 0);
	hvt_enc_finish(e, 0);
	if ((st = add_sections(w, nvms, err))) {
		hvt_writer_discard(w);
		goto out;
	}
	st = hvt_writer_close(w, HVT_FILE_COMPLETE, err);
out:
	free(e);
	free(g);
	free(buf);
	return st;
}
