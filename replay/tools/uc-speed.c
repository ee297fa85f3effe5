/*
 * uc-speed - Unicorn's own speed on a guest's code, the yardstick for replay's (replay/bench.sh).
 *
 *   uc-speed IMAGE N     load the flat real-mode IMAGE at 0000:7C00, run its first instructions
 *                        one at a time (the banner: UART polling, a VMCALL skipped), then time
 *                        one uc_emu_start of N instructions with Unicorn's own exact count
 *
 * Prints "instructions seconds M/s". Nothing of replay runs: no code hook, no checkpoints,
 * CPUID answered by skipping it; IN returns 0xFF (a UART ready to send). The difference between
 * this figure and `hvreplay verify` on the same guest is what the replay engine costs. The
 * translated code of the warm-up is dropped before the timed run, as replay's fast path does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicorn/unicorn.h>

#define MEM (1u << 20)
#define LOAD 0x7c00u
#define WARMUP 20000u

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int skip_cpuid(uc_engine *uc, void *user)
{
	(void)uc, (void)user;
	return 1;
}

static uint32_t port_in(uc_engine *uc, uint32_t port, int size, void *user)
{
	(void)uc, (void)port, (void)size, (void)user;
	return 0xffffffffu;
}

static void port_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
	(void)uc, (void)port, (void)size, (void)value, (void)user;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: uc-speed IMAGE N\n");
		return 64;
	}
	uint64_t n = strtoull(argv[2], NULL, 0);
	uint8_t *mem = calloc(1, MEM);
	FILE *f = fopen(argv[1], "rb");
	if (!mem || !f || fread(mem + LOAD, 1, MEM - LOAD, f) == 0) {
		fprintf(stderr, "uc-speed: cannot read %s\n", argv[1]);
		return 2;
	}
	fclose(f);
	uc_engine *uc;
	uc_hook h1, h2, h3;
	if (uc_open(UC_ARCH_X86, UC_MODE_16, &uc) || uc_mem_map_ptr(uc, 0, MEM, UC_PROT_ALL, mem) ||
	    uc_hook_add(uc, &h1, UC_HOOK_INSN, (void *)skip_cpuid, NULL, 1, 0, UC_X86_INS_CPUID) ||
	    uc_hook_add(uc, &h2, UC_HOOK_INSN, (void *)port_in, NULL, 1, 0, UC_X86_INS_IN) ||
	    uc_hook_add(uc, &h3, UC_HOOK_INSN, (void *)port_out, NULL, 1, 0, UC_X86_INS_OUT)) {
		fprintf(stderr, "uc-speed: Unicorn refused the setup\n");
		return 2;
	}
	uint64_t ip = LOAD, sp = LOAD;
	uc_reg_write(uc, UC_X86_REG_IP, &ip);
	uc_reg_write(uc, UC_X86_REG_SP, &sp);
	for (unsigned i = 0; i < WARMUP; i++) {
		uc_reg_read(uc, UC_X86_REG_IP, &ip);
		uc_err e = uc_emu_start(uc, ip, 0xffffffff, 0, 1);
		if (e == UC_ERR_INSN_INVALID && !memcmp(mem + ip, "\x0f\x01\xc1", 3)) {
			ip += 3; /* VMCALL: the hypercall's answer does not matter here */
			uc_reg_write(uc, UC_X86_REG_IP, &ip);
		} else if (e != UC_ERR_OK) {
			fprintf(stderr, "uc-speed: %s at %#llx\n", uc_strerror(e), (unsigned long long)ip);
			return 2;
		}
	}
	/* the one-instruction blocks of the warm-up would slow every store (rp_cpu.c, "Fast path") */
	uc_ctl_remove_cache(uc, 0, MEM);
	uc_reg_read(uc, UC_X86_REG_IP, &ip);
	double t0 = now();
	uc_err e = uc_emu_start(uc, ip, 0xffffffff, 0, n);
	double dt = now() - t0;
	if (e != UC_ERR_OK) {
		uc_reg_read(uc, UC_X86_REG_IP, &ip);
		fprintf(stderr, "uc-speed: %s at %#llx\n", uc_strerror(e), (unsigned long long)ip);
		return 2;
	}
	printf("%llu %.3f %.1f\n", (unsigned long long)n, dt, n / dt / 1e6);
	uc_close(uc);
	free(mem);
	return 0;
}
