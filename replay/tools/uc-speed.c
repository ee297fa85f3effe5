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
#include "uc_guest.h"

static int skip_cpuid(uc_engine *uc, void *user)
{
	(void)uc, (void)user;
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: uc-speed IMAGE N\n");
		return 64;
	}
	uint64_t n = strtoull(argv[2], NULL, 0), ip = 0;
	uint8_t *mem;
	uc_engine *uc = uc_guest_open("uc-speed", argv[1], &mem, (void *)skip_cpuid);
	if (!uc || uc_guest_warm("uc-speed", uc, mem, 0xffffffff))
		return 2;
	uc_reg_read(uc, UC_X86_REG_IP, &ip);
	double t0 = uc_now();
	uc_err e = uc_emu_start(uc, ip, 0xffffffff, 0, n);
	double dt = uc_now() - t0;
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
