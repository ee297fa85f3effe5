/*
 * capture_seeds.c - seed inputs for fuzz_capture: small capture streams of every record kind, as
 * the hypervisor writes them, cut into chunk payloads by FUZZ_CAP_SEP (fuzz_capture.c).
 *
 *	capture_seeds DIR      writes DIR/one.cap, vms.cap, blobs.cap, noend.cap
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_capture.h"
#include "retrovisor/capture.h"
#include "retrovisor/exit_reasons.h"
#include "retrovisor/regs.h"
#include "retrovisor/trace_format.h"
#include "retrovisor/vmx_fields.h"
#include "retrovisor/xorshift.h"

static uint64_t w[1 << 15];
static size_t n;
static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	return xorshift64(&rng);
}

static void put(uint64_t v)
{
	if (n == sizeof(w) / sizeof(w[0])) {
		fprintf(stderr, "capture_seeds: seed too large\n");
		exit(1);
	}
	w[n++] = v;
}

static void put_bytes(const void *p, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = 0;
		memcpy(&v, (const uint8_t *)p + i, len - i < 8 ? len - i : 8);
		put(v);
	}
}

static void vm_start(unsigned vm)
{
	struct hvt_vm_state st = { .rip = 0x7c00, .rflags = 2, .cr0 = 0x10 };

	st.gpr[RV_REG_RSP] = 0x7000;
	st.gpr[RV_REG_RCX] = 1000;
	put(hvt_cap_vm_word(HVT_CAP_VM_START, vm));
	put_bytes(&st, sizeof(st));
}

/* An exit of the kind a small real-mode guest makes: port I/O, CPUID, MMIO, the timer. The
 * values follow in the capture's order (retrovisor/capture.h): registers, qualification, GPA,
 * post-state. */
static void exit_rec(uint64_t *icount)
{
	unsigned kind = (unsigned)(rnd() % 4), reason, len = 0;
	uint32_t follow = HVT_CAP_FOLLOW_REG(RV_REG_RAX) | HVT_CAP_FOLLOW_REG(RV_REG_RCX), post = 0;
	uint64_t vals[8];
	unsigned nv = 0;
	int has_gpa = 0;

	*icount += 1 + rnd() % 300;
	vals[nv++] = rnd() & 0xff;
	vals[nv++] = 1000 - *icount / 100;
	if (kind == 0) { /* out dx, al: qualification, RIP back in the loop */
		reason = EXIT_REASON_IO_INSTRUCTION, len = 1;
		follow |= HVT_CAP_FOLLOW_QUAL;
		vals[nv++] = vmx_io_qual(0x3f8, 1, 0);
	} else if (kind == 1) { /* cpuid: the handler sets RAX-RDX */
		reason = EXIT_REASON_CPUID, len = 2;
		follow |= HVT_CAP_FOLLOW_REG(RV_REG_RIP);
		post = HVT_POST_GPR(RV_POST_RAX) | HVT_POST_GPR(RV_POST_RCX) | HVT_POST_GPR(RV_POST_RDX) |
		       HVT_POST_GPR(RV_POST_RBX);
		vals[nv++] = 0x7d00;
		for (int k = 0; k < 4; k++)
			vals[nv++] = 0x40000000u + (unsigned)k;
	} else if (kind == 2) { /* mmio: RSP, RFLAGS, qualification, gpa, post RAX */
		reason = EXIT_REASON_EPT_VIOLATION, len = 3, has_gpa = 1;
		follow |= HVT_CAP_FOLLOW_REG(RV_REG_RSP) | HVT_CAP_FOLLOW_REG(RV_REG_RFLAGS) | HVT_CAP_FOLLOW_QUAL;
		post = HVT_POST_GPR(RV_POST_RAX);
		vals[nv++] = 0x6ff0;
		vals[nv++] = 0x246;
		vals[nv++] = VMX_EPT_READ | VMX_EPT_LINEAR_VALID | VMX_EPT_TRANSLATED;
		vals[nv++] = 0xfee00000 + (rnd() % 64) * 16;
		vals[nv++] = rnd() & 0xff;
	} else { /* preemption timer: RIP anywhere */
		reason = EXIT_REASON_PREEMPTION_TIMER;
		follow |= HVT_CAP_FOLLOW_REG(RV_REG_RIP);
		vals[nv++] = 0x7c00 + rnd() % 0x400;
	}
	put(hvt_cap_exit_word(reason, len, follow, post, has_gpa));
	put(*icount);
	for (unsigned k = 0; k < nv; k++)
		put(vals[k]);
}

static void blob(unsigned kind, uint32_t len)
{
	static uint8_t b[HVT_CAP_BLOB_MAX];

	for (uint32_t k = 0; k < len; k++)
		b[k] = kind == HVT_CAP_NOTE ? (uint8_t)('a' + k % 26) : (uint8_t)rnd();
	put(hvt_cap_hi_word(kind, len));
	if (kind == HVT_CAP_MEMWRITE)
		put(0x9000 + rnd() % 0x1000);
	put_bytes(b, len);
}

static void save(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(w, 8, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
	n = 0;
}

int main(int argc, char **argv)
{
	uint64_t ic[3] = { 0 };

	if (argc != 2) {
		fprintf(stderr, "usage: capture_seeds DIR\n");
		return 2;
	}
	/* One VM, every record kind, END. */
	vm_start(0);
	for (int i = 0; i < 40; i++)
		exit_rec(&ic[0]);
	blob(HVT_CAP_MEMWRITE, 13);
	put(hvt_cap_hi_word(HVT_CAP_INJECT, vmx_intr_info(VMX_INTR_EXTERNAL, 0x20, 0)));
	put(0);
	blob(HVT_CAP_NOTE, 20);
	put(hvt_cap_post_word(HVT_POST_GPR(RV_REG_RAX) | HVT_POST_RIP)); /* a debugger's (POST) */
	put(0x1234);
	put(0x7c40);
	put(hvt_cap_stop_word(0, HVT_STOP_SHUTDOWN));
	put(0);
	put(0);
	put(HVT_CAP_END);
	put(0);
	save(argv[1], "one.cap");

	/* Three VMs, switches, a stop and a restart, in three chunks. */
	memset(ic, 0, sizeof(ic));
	for (unsigned vm = 0; vm < 3; vm++)
		vm_start(vm);
	for (int i = 0; i < 150; i++) {
		unsigned vm = (unsigned)(i / 10 % 3);
		if (i % 10 == 0)
			put(hvt_cap_vm_word(HVT_CAP_SWITCH, vm));
		if (i == 75) {
			put(hvt_cap_stop_word(vm, HVT_STOP_TRIPLE_FAULT));
			put(3);
			put(0xdead);
			vm_start(vm);
			ic[vm] = 0;
		}
		exit_rec(&ic[vm]);
		if (i % 50 == 49)
			put(FUZZ_CAP_SEP);
	}
	put(HVT_CAP_END);
	put(7);
	save(argv[1], "vms.cap");

	/* Large memory writes: more than one v1 chunk comes out. */
	memset(ic, 0, sizeof(ic));
	vm_start(0);
	for (int i = 0; i < 10; i++) {
		exit_rec(&ic[0]);
		blob(HVT_CAP_MEMWRITE, HVT_CAP_BLOB_MAX - (uint32_t)i);
	}
	put(HVT_CAP_END);
	put(0);
	save(argv[1], "blobs.cap");

	/* A run cut short: no END. */
	memset(ic, 0, sizeof(ic));
	vm_start(1);
	for (int i = 0; i < 100; i++)
		exit_rec(&ic[0]);
	save(argv[1], "noend.cap");
	return 0;
}
