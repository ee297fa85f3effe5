/*
 * uc_guest.h - what uc-speed and uc-count share: a flat real-mode image loaded at 0000:7C00 in
 * Unicorn alone (nothing of replay), CPUID skipped, IN answering 0xFF, OUT ignored, and a warm-up
 * of WARMUP single instructions (VMCALLs stepped over) before the timed run. Header-only: each
 * tool is one file built by replay/bench.sh.
 */
#ifndef REPLAY_TOOLS_UC_GUEST_H
#define REPLAY_TOOLS_UC_GUEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicorn/unicorn.h>

#define MEM (1u << 20)
#define LOAD 0x7c00u
#define WARMUP 20000u

static inline double uc_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint32_t uc_guest_in(uc_engine *uc, uint32_t port, int size, void *user)
{
	(void)uc, (void)port, (void)size, (void)user;
	return 0xffffffffu;
}

static void uc_guest_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
	(void)uc, (void)port, (void)size, (void)value, (void)user;
}

/* The image in a fresh 1 MiB (*mem), mapped into a real-mode Unicorn with the CPUID, IN and OUT
 * hooks; IP = SP = 0x7C00. NULL after a message naming the tool. */
static inline uc_engine *uc_guest_open(const char *tool, const char *image, uint8_t **mem, void *cpuid_hook)
{
	uc_engine *uc;
	uc_hook h;
	FILE *f = fopen(image, "rb");
	*mem = calloc(1, MEM);
	if (!*mem || !f || fread(*mem + LOAD, 1, MEM - LOAD, f) == 0) {
		fprintf(stderr, "%s: cannot read %s\n", tool, image);
		return NULL;
	}
	fclose(f);
	if (uc_open(UC_ARCH_X86, UC_MODE_16, &uc) || uc_mem_map_ptr(uc, 0, MEM, UC_PROT_ALL, *mem) ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, cpuid_hook, NULL, 1, 0, UC_X86_INS_CPUID) ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)uc_guest_in, NULL, 1, 0, UC_X86_INS_IN) ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)uc_guest_out, NULL, 1, 0, UC_X86_INS_OUT)) {
		fprintf(stderr, "%s: Unicorn refused the setup\n", tool);
		return NULL;
	}
	uint64_t ip = LOAD, sp = LOAD;
	uc_reg_write(uc, UC_X86_REG_IP, &ip);
	uc_reg_write(uc, UC_X86_REG_SP, &sp);
	return uc;
}

/* WARMUP instructions one at a time (until: uc_emu_start's end address), then the translated
 * code dropped: the one-instruction blocks would slow every store (rp_cpu.c, "Fast path").
 * 0, or -1 after a message. */
static inline int uc_guest_warm(const char *tool, uc_engine *uc, const uint8_t *mem, uint64_t until)
{
	uint64_t ip = 0; /* UC_X86_REG_IP reads write 16 bits only */
	for (unsigned i = 0; i < WARMUP; i++) {
		uc_reg_read(uc, UC_X86_REG_IP, &ip);
		uc_err e = uc_emu_start(uc, ip, until, 0, 1);
		if (e == UC_ERR_INSN_INVALID && !memcmp(mem + ip, "\x0f\x01\xc1", 3)) {
			ip += 3; /* VMCALL: the hypercall's answer does not matter here */
			uc_reg_write(uc, UC_X86_REG_IP, &ip);
		} else if (e != UC_ERR_OK) {
			fprintf(stderr, "%s: %s at %#llx\n", tool, uc_strerror(e), (unsigned long long)ip);
			return -1;
		}
	}
	uc_ctl_remove_cache(uc, 0, MEM);
	return 0;
}

#endif
