/*
 * fuzz_replay.c - libFuzzer target for the replay engine on guest code nobody wrote: the input
 * is the code of a guest (first byte: bit 0 selects real mode at 0x7C00 or flat 32-bit protected
 * mode at 0x10000), put into a one-VM trace whose only exit is a preemption-timer exit after
 * FUZZ_INSNS instructions, followed by an instruction-limit stop. The replay then runs at most
 * that many guest instructions: it must end (matched, diverged, or an error) without a crash, an
 * abort inside Unicorn, a hang or a sanitizer report.
 *
 * Built by `make build/fuzz/fuzz_replay`; `make check-fuzz` (and so `make check`) runs it for
 * FUZZ_REPLAY_TIME s, `make check-fuzz-replay` for FUZZ_TIME (tracer/tracer.mk). Unicorn 2.0.1
 * aborts on FF /3 and FF /5 with a register operand; the engine raises #UD for them first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvt_writer.h"
#include "replay.h"
#include "retrovisor/exit_reasons.h"
#include "trace_encode.h"

#define FUZZ_INSNS 5000
#define FUZZ_CODE_MAX 4096

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libunicorn.so\n"; }

static char path[64];

/* The state hvrun's VMs start in (as recorded by the hypervisor for hello and pm32-direct). */
static void initial(struct hvt_vm_state *s, int pm32, uint64_t load)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < HVT_NSEGS; i++) {
		s->seg[i].limit = pm32 ? 0xffffffff : 0xffff;
		s->seg[i].ar = pm32 ? 0xc093 : 0x93;
		s->seg[i].sel = pm32 ? 0x10 : 0;
	}
	s->seg[HVT_SEG_CS].ar = pm32 ? 0xc09b : 0x9b;
	s->seg[HVT_SEG_CS].sel = pm32 ? 0x8 : 0;
	s->seg[HVT_SEG_LDTR] = (struct hvt_segment){ .ar = 0x10000 };
	s->seg[HVT_SEG_TR] = (struct hvt_segment){ .limit = 0xffff, .ar = 0x8b };
	s->gdtr_limit = pm32 ? 0 : 0xffff;
	s->idtr_limit = pm32 ? 0 : 0x3ff;
	s->gpr[RV_REG_RSP] = pm32 ? 0x10000 : 0x7c00;
	s->rip = load;
	s->rflags = 0x2;
	s->cr0 = pm32 ? 0x11 : 0x10;
}

static int write_trace(const uint8_t *code, size_t n, int pm32)
{
	static uint8_t buf[1 << 16] __attribute__((aligned(8)));
	static uint8_t mem[16 + FUZZ_CODE_MAX];
	uint64_t load = pm32 ? 0x10000 : 0x7c00;
	struct hvt_vm_config c = { .mode = pm32 ? HVT_MODE_PROT32 : HVT_MODE_REAL, .mem_size = 1 << 20,
				   .load_addr = load, .entry = load, .image_size = n, .weight = 1,
				   .insn_limit = FUZZ_INSNS };
	struct hvt_vm_state s;
	struct hvt_err err;
	struct hvt_enc e;
	struct hvt_post post = { 0 };
	uint64_t regs[HVT_NREGS] = { 0 };
	struct hvt_writer *w = hvt_writer_open(path, NULL, &err);

	if (!w)
		return -1;
	memcpy(c.name, "fuzz", 5);
	memcpy(mem, &load, 8);
	memcpy(mem + 8, &(uint64_t){ n }, 8);
	memcpy(mem + 16, code, n);
	initial(&s, pm32, load);
	hvt_enc_init(&e, buf, sizeof(buf), hvt_writer_sink, w);
	hvt_enc_vm_start(&e, 0, &s);
	regs[HVT_REG_RIP] = load;
	regs[HVT_REG_RFLAGS] = 0x2;
	hvt_enc_exit(&e, EXIT_REASON_PREEMPTION_TIMER, FUZZ_INSNS, regs, 0, &post, 0, 0, 0);
	hvt_enc_vm_stop(&e, 0, HVT_STOP_INSN_LIMIT, 0, FUZZ_INSNS);
	hvt_enc_finish(&e, 0);
	if (hvt_writer_add_section(w, HVT_SEC_VM_CONFIG, 0, &c, sizeof(c), &err) ||
	    hvt_writer_add_section(w, HVT_SEC_VM_MEMORY, 0, mem, 16 + n, &err) || hvt_writer_add_vm_states(w, &err)) {
		hvt_writer_discard(w);
		return -1;
	}
	return hvt_writer_close(w, HVT_FILE_COMPLETE, &err) ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rp_opts o = { .vm = 0, .ckpt_budget = 16 << 20 };
	struct rp_session *s;
	struct hvt_err err;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_replay.%d.hvt", (int)getpid());
	if (size < 2 || size > 1 + FUZZ_CODE_MAX || write_trace(data + 1, size - 1, data[0] & 1))
		return 0;
	if (rp_open(&s, path, &o, &err) == 0) {
		rp_run(s, NULL, NULL, &err);
		rp_close(s);
	}
	unlink(path);
	return 0;
}
