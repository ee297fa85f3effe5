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
#include "retrovisor/trace_format.h"
#include "xorshift.h"

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

	st.gpr[4] = 0x7000;
	st.gpr[1] = 1000;
	put(HVT_CAP_VM_START | (uint64_t)vm << 8);
	put_bytes(&st, sizeof(st));
}

/* An exit of the kind a small real-mode guest makes: port I/O, CPUID, MMIO, the timer. */
static void exit_rec(uint64_t *icount)
{
	unsigned kind = (unsigned)(rnd() % 4);
	uint64_t w0 = HVT_CAP_EXIT | HVT_CAP_GPR(0) | HVT_CAP_GPR(1), vals[8];
	unsigned nv = 0;

	*icount += 1 + rnd() % 300;
	vals[nv++] = rnd() & 0xff;
	vals[nv++] = 1000 - *icount / 100;
	if (kind == 0) { /* out dx, al: qualification, RIP back in the loop */
		w0 |= 30 << HVT_CAP_REASON_SHIFT | 1 << HVT_CAP_LEN_SHIFT | HVT_CAP_QUAL;
		vals[nv++] = 0x3f80000;
	} else if (kind == 1) { /* cpuid: the handler sets RAX-RDX */
		w0 |= 10 << HVT_CAP_REASON_SHIFT | 2 << HVT_CAP_LEN_SHIFT | HVT_CAP_RIP | 0xfull << HVT_CAP_POST_SHIFT;
		vals[nv++] = 0x7d00;
		for (int k = 0; k < 4; k++)
			vals[nv++] = 0x40000000u + (unsigned)k;
	} else if (kind == 2) { /* mmio: gpa, RFLAGS, RSP, post RAX */
		w0 |= 48 << HVT_CAP_REASON_SHIFT | 3 << HVT_CAP_LEN_SHIFT | HVT_CAP_GPR(4) | HVT_CAP_RFLAGS |
		      HVT_CAP_QUAL | HVT_CAP_GPA | 1ull << HVT_CAP_POST_SHIFT;
		vals[nv++] = 0x6ff0;
		vals[nv++] = 0x246;
		vals[nv++] = 0x181;
		vals[nv++] = 0xfee00000 + (rnd() % 64) * 16;
		vals[nv++] = rnd() & 0xff;
	} else { /* preemption timer: RIP anywhere */
		w0 |= 52 << HVT_CAP_REASON_SHIFT | HVT_CAP_RIP;
		vals[nv++] = 0x7c00 + rnd() % 0x400;
	}
	put(w0);
	put(*icount);
	for (unsigned k = 0; k < nv; k++)
		put(vals[k]);
}

static void blob(unsigned kind, uint32_t len)
{
	static uint8_t b[HVT_CAP_BLOB_MAX];

	for (uint32_t k = 0; k < len; k++)
		b[k] = kind == HVT_CAP_NOTE ? (uint8_t)('a' + k % 26) : (uint8_t)rnd();
	put(kind | (uint64_t)len << 32);
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
	put(HVT_CAP_INJECT | 0x80000020ull << 32);
	put(0);
	blob(HVT_CAP_NOTE, 20);
	put(HVT_CAP_VM_STOP | (uint64_t)HVT_STOP_SHUTDOWN << 16);
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
			put(HVT_CAP_SWITCH | (uint64_t)vm << 8);
		if (i == 75) {
			put(HVT_CAP_VM_STOP | (uint64_t)vm << 8 | (uint64_t)HVT_STOP_TRIPLE_FAULT << 16);
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
