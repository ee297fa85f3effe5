/*
 * check_replay.c - the replay engine: event delivery frames (real mode IVT, protected-mode IDT,
 * escalation to a triple fault, #NP/#DF error codes, ring 3 -> 0 through the TSS, tables outside
 * memory), native faults Unicorn gets wrong (FF /3, /5 register forms, refused MOV CR values),
 * EFER.SCE, fetches outside memory, checkpoints, and backward steps landing on the states forward
 * steps produce, over thousands of positions of traces recorded from the samples
 * (the .hvt files in replay/testdata, made by hvrun under Bochs).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rp_priv.h"
#include "check_run.h"

#define DATA "replay/testdata/"

/* LeakSanitizer (make SAN=1): Unicorn 2.0.1 itself leaks a 512-byte page bitmap
 * (tb_invalidate_phys_page_fast) once per engine; that is not ours to fix. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libunicorn.so\n"; }

/* A CPU in the initial state st, 1 MiB of memory. */
static void cpu_up(struct rp_cpu *c, const struct hvt_vm_state *st)
{
	struct hvt_err err;
	ck_assert_int_eq(rp_cpu_open(c, 1 << 20, &err), HVT_OK);
	ck_assert_msg(rp_boot(c, st, &err) == HVT_OK, "%s", err.msg);
}

static void real_state(struct hvt_vm_state *st)
{
	memset(st, 0, sizeof(*st));
	st->cr0 = 0x10;
	for (unsigned i = 0; i < 6; i++)
		st->seg[i] = (struct hvt_segment){.sel = 0, .limit = 0xffff, .ar = i == HVT_SEG_CS ? 0x9b : 0x93};
	st->seg[HVT_SEG_LDTR].ar = 0x10000;
	st->seg[HVT_SEG_TR] = (struct hvt_segment){.limit = 0xffff, .ar = 0x8b};
	st->idtr_limit = 0x3ff;
	st->gdtr_limit = 0xffff;
	st->gpr[RV_REG_RSP] = 0x7c00;
	st->rip = 0x7c00;
	st->rflags = 0x202;
}

static uint16_t rd16(struct rp_cpu *c, uint64_t a)
{
	uint16_t v;
	memcpy(&v, c->mem + a, 2);
	return v;
}

static uint32_t rd32(struct rp_cpu *c, uint64_t a)
{
	uint32_t v;
	memcpy(&v, c->mem + a, 4);
	return v;
}

/* Real mode: FLAGS, CS, IP pushed; IF cleared; CS:IP from the IVT, a new CS really loaded. */
START_TEST(deliver_real_mode_frame)
{
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	struct rp_seg cs;
	real_state(&st);
	cpu_up(&c, &st);
	uint16_t ivt[2] = {0x0010, 0x1234}; /* vector 0x20 -> 1234:0010 */
	memcpy(c.mem + 0x20 * 4, ivt, 4);
	c.mem[0x12340 + 0x10] = 0x90; /* NOP at the handler */
	ck_assert_int_eq(rp_deliver(&c, 0x20, 0, 0, 0, 0x7c00, &err), HVT_OK);
	ck_assert_uint_eq(rp_cpu_reg(&c, 4), 0x7bfa);
	ck_assert_uint_eq(rd16(&c, 0x7bfa), 0x7c00); /* IP */
	ck_assert_uint_eq(rd16(&c, 0x7bfc), 0);      /* CS */
	ck_assert_uint_eq(rd16(&c, 0x7bfe), 0x202);  /* FLAGS, IF still set in the copy */
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RFLAGS) & 0x200, 0);
	rp_cpu_get_seg(&c, HVT_SEG_CS, &cs);
	ck_assert_uint_eq(cs.sel, 0x1234);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RIP), 0x10);
	ck_assert_uint_eq(rp_cpu_pc(&c), 0x12350);
	ck_assert_int_eq(rp_cpu_run(&c, 1, &err), HVT_OK); /* the NOP runs at 1234:0010 */
	ck_assert_int_eq(c.stop, RP_STOP_BUDGET);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RIP), 0x11);
	rp_cpu_close(&c);
}
END_TEST

/* Real mode, IDTR limit 0: INT3 -> #GP -> #DF -> triple fault (SDM Vol. 3A, Table 6-5). */
START_TEST(deliver_escalates_to_triple_fault)
{
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	real_state(&st);
	st.idtr_limit = 0;
	cpu_up(&c, &st);
	ck_assert_int_eq(rp_deliver(&c, 3, 4, 0, 0, 0x7c01, &err), HVT_OK);
	ck_assert_int_eq(c.stop, RP_STOP_TRIPLE);
	rp_cpu_close(&c);
}
END_TEST

/* Protected mode: a 32-bit interrupt gate, EFLAGS/CS/EIP and the error code pushed. */
START_TEST(deliver_protected_mode_frame)
{
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	memset(&st, 0, sizeof(st));
	st.cr0 = 0x11;
	st.seg[HVT_SEG_CS] = (struct hvt_segment){.sel = 0x08, .limit = 0xffffffff, .ar = 0xc09b};
	for (unsigned i = 0; i < 6; i++)
		if (i != HVT_SEG_CS)
			st.seg[i] = (struct hvt_segment){.sel = 0x10, .limit = 0xffffffff, .ar = 0xc093};
	st.seg[HVT_SEG_LDTR].ar = 0x10000;
	st.seg[HVT_SEG_TR] = (struct hvt_segment){.limit = 0xffff, .ar = 0x8b};
	st.gdtr_base = 0x500;
	st.gdtr_limit = 0x17;
	st.idtr_base = 0x600;
	st.idtr_limit = 0x7ff;
	st.gpr[RV_REG_RSP] = 0x20000;
	st.rip = 0x10000;
	st.rflags = 0x202;
	cpu_up(&c, &st);
	uint64_t gdt[3] = {0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull};
	memcpy(c.mem + 0x500, gdt, sizeof(gdt));
	uint32_t gate[2] = {0x00089000, 0x00008e00}; /* 0008:00009000, present, interrupt gate */
	memcpy(c.mem + 0x600 + 13 * 8, gate, 8);
	ck_assert_int_eq(rp_deliver(&c, 13, 3, 1, 0x18, 0x10000, &err), HVT_OK);
	ck_assert_uint_eq(rp_cpu_reg(&c, 4), 0x20000 - 16);
	ck_assert_uint_eq(rd32(&c, 0x20000 - 16), 0x18);    /* error code */
	ck_assert_uint_eq(rd32(&c, 0x20000 - 12), 0x10000); /* EIP */
	ck_assert_uint_eq(rd32(&c, 0x20000 - 8), 0x08);     /* CS */
	ck_assert_uint_eq(rd32(&c, 0x20000 - 4), 0x202);    /* EFLAGS */
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RIP), 0x9000);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RFLAGS) & 0x200, 0);
	ck_assert_int_eq(rp_cpu_mode(&c), 32);
	rp_cpu_close(&c);
}
END_TEST

/* Everything a position means: registers, control registers, a hash of all memory. */
struct snap {
	uint64_t reg[RP_NREGS];
	uint64_t mem;
	size_t console;
};

static void snap(struct rp_session *s, struct snap *out, int with_mem)
{
	struct rp_state st;
	rp_get_state(s, &st);
	memcpy(out->reg, st.reg, sizeof(out->reg));
	out->reg[RP_CR2] = 0;
	out->mem = 0;
	if (with_mem) {
		uint64_t h = 1469598103934665603ull;
		for (uint64_t i = 0; i < s->cpu.mem_size; i += 8) {
			uint64_t v;
			memcpy(&v, s->cpu.mem + i, 8);
			h = (h ^ v) * 1099511628211ull;
		}
		out->mem = h;
	}
	rp_console(s, &out->console);
}

static struct rp_session *open_trace(const char *name, uint32_t every)
{
	struct rp_session *s;
	struct hvt_err err;
	struct rp_opts o = {.ckpt_exits = every};
	int st = rp_open(&s, name, &o, &err);
	ck_assert_msg(st == HVT_OK, "%s: %s", name, err.msg);
	return s;
}

START_TEST(testdata_traces_verify)
{
	static const char *const names[] = {DATA "demo.hvt", DATA "msr.hvt", DATA "long64.hvt", DATA "async.hvt"};
	for (unsigned i = 0; i < 4; i++) {
		struct hvt_err err;
		struct rp_session *s = open_trace(names[i], 0);
		int st = rp_run(s, NULL, NULL, &err);
		ck_assert_msg(st == RP_END, "%s: %s", names[i], st == RP_DIVERGED ? rp_divergence(s)->what : err.msg);
		rp_close(s);
	}
}
END_TEST

static void count_progress(void *ctx, uint64_t t, uint64_t event, uint64_t nevents)
{
	(void)t, (void)event, (void)nevents;
	++*(unsigned *)ctx;
}

/* Progress is reported inside long stretches without exits too (every checkpoint spacing of
 * instructions), not only every 1024 exits: demo.hvt has fewer exits than that. */
START_TEST(progress_between_exits)
{
	struct rp_session *s;
	struct hvt_err err;
	struct rp_opts o = {.ckpt_insns = 50};
	unsigned calls = 0;
	ck_assert_int_eq(rp_open(&s, DATA "demo.hvt", &o, &err), HVT_OK);
	ck_assert_int_eq(rp_run(s, count_progress, &calls, &err), RP_END);
	ck_assert_uint_lt(rp_exits_checked(s), 1024);
	ck_assert_msg(calls > 0, "no progress in %llu instructions", (unsigned long long)s->t);
	rp_close(s);
}
END_TEST

/* Step forward over the last n instructions of a trace, then backward over them again: every
 * backward step must land on the state the forward pass saw there. */
static void back_equals_forward(const char *name, unsigned n, uint32_t every)
{
	struct rp_session *s = open_trace(name, every);
	struct hvt_err err;
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	uint64_t end = s->t, from = end > n ? end - n : 0;
	struct snap *fw = calloc(end - from + 1, sizeof(*fw)), b;
	ck_assert_int_eq(rp_goto_icount(s, from, &err), HVT_OK);
	for (uint64_t t = from; t <= end; t++) {
		ck_assert_uint_eq(s->t, t);
		snap(s, &fw[t - from], t % 97 == 0);
		if (t < end)
			ck_assert_int_eq(rp_step(s, 1, &err), HVT_OK);
	}
	for (uint64_t t = end; t > from; t--) {
		ck_assert_int_eq(rp_step(s, -1, &err), HVT_OK);
		ck_assert_uint_eq(s->t, t - 1);
		snap(s, &b, (t - 1) % 97 == 0);
		for (unsigned r = 0; r < RP_NREGS; r++)
			ck_assert_msg(b.reg[r] == fw[t - 1 - from].reg[r], "%s: t=%llu: %s %#llx forward, %#llx backward",
				      name, (unsigned long long)(t - 1), rp_reg_name(r),
				      (unsigned long long)fw[t - 1 - from].reg[r], (unsigned long long)b.reg[r]);
		ck_assert_msg(b.mem == fw[t - 1 - from].mem, "%s: t=%llu: memory differs", name,
			      (unsigned long long)(t - 1));
		ck_assert_uint_eq(b.console, fw[t - 1 - from].console);
	}
	free(fw);
	rp_close(s);
}

START_TEST(backward_steps_match_forward_demo) { back_equals_forward(DATA "demo.hvt", 4000, 16); }
END_TEST
START_TEST(backward_steps_match_forward_long64) { back_equals_forward(DATA "long64.hvt", 3000, 16); }
END_TEST
START_TEST(backward_steps_match_forward_async) { back_equals_forward(DATA "async.hvt", 3000, 64); }
END_TEST

/* A checkpoint restored later gives back exactly the state it saved, memory included. */
START_TEST(checkpoint_restore_roundtrip)
{
	struct rp_session *s = open_trace(DATA "demo.hvt", 8);
	struct hvt_err err;
	struct snap a, b;
	ck_assert_int_eq(rp_goto_icount(s, 5000, &err), HVT_OK);
	snap(s, &a, 1);
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	ck_assert_uint_gt(s->ck.n, 10);
	ck_assert_int_eq(rp_goto_icount(s, 5000, &err), HVT_OK);
	snap(s, &b, 1);
	ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
	/* pages that did not change are shared between checkpoints */
	ck_assert_ptr_eq(s->ck.v[1].pages[0x7c00 / RP_PAGE - 1], s->ck.v[2].pages[0x7c00 / RP_PAGE - 1]);
	rp_close(s);
}
END_TEST

/* A tiny budget: checkpoints are thinned, spacing doubles, and seeks still land right. */
START_TEST(checkpoint_budget_is_kept)
{
	struct rp_opts o = {.ckpt_exits = 4, .ckpt_budget = 64 << 10};
	struct rp_session *s;
	struct hvt_err err;
	struct snap a, b;
	ck_assert_int_eq(rp_open(&s, DATA "demo.hvt", &o, &err), HVT_OK);
	ck_assert_int_eq(rp_goto_icount(s, 9000, &err), HVT_OK);
	snap(s, &a, 1);
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	struct rp_ckpt_stats cs;
	rp_ckpt_stats(s, &cs);
	ck_assert_uint_gt(cs.every_exits, 4);
	ck_assert_uint_le(cs.bytes, (64 << 10) + 8192);
	ck_assert_int_eq(rp_goto_icount(s, 9000, &err), HVT_OK);
	snap(s, &b, 1);
	ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
	rp_close(s);
}
END_TEST

/* Navigation: exits, addresses, writes, in both directions. */
START_TEST(navigation)
{
	struct rp_session *s = open_trace(DATA "msr.hvt", 16);
	struct hvt_err err;
	struct rp_state st;
	struct rp_exit_info xi;
	/* the first RDMSR #GP of the msr sample: exit, then the IVT handler */
	struct rp_target tg = {.kind = RP_TO_EXIT, .reason = 31};
	ck_assert_int_eq(rp_run_to(s, &tg, 1, &err), HVT_OK);
	ck_assert_int_eq(rp_exit_near(s, 1, &xi, &err), HVT_OK);
	ck_assert_uint_eq(xi.reason, 31);
	ck_assert_int_eq(rp_goto_exit(s, xi.num, &err), HVT_OK);
	rp_get_state(s, &st);
	ck_assert_uint_eq(st.reg[RP_RIP], xi.rip);
	ck_assert_uint_eq(st.t, xi.icount - 1);
	uint64_t at_exit = st.t, rip = st.reg[RP_RIP];
	ck_assert_int_eq(rp_step(s, 1, &err), HVT_OK);
	ck_assert_int_eq(rp_step(s, -1, &err), HVT_OK);
	rp_get_state(s, &st);
	ck_assert_uint_eq(st.t, at_exit);
	ck_assert_uint_eq(st.reg[RP_RIP], rip);
	/* run forward to the exiting address from the start, then backward to it from the end */
	ck_assert_int_eq(rp_goto_icount(s, 0, &err), HVT_OK);
	tg = (struct rp_target){.kind = RP_TO_ADDRESS, .a = rip};
	ck_assert_int_eq(rp_run_to(s, &tg, 1, &err), HVT_OK);
	rp_get_state(s, &st);
	ck_assert_uint_eq(st.pc, rip);
	uint64_t first = st.t;
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	ck_assert_int_eq(rp_run_to(s, &tg, -1, &err), HVT_OK);
	rp_get_state(s, &st);
	ck_assert_uint_eq(st.pc, rip);
	ck_assert_uint_ge(st.t, first);
	/* at the end, the last write to the stack's last slot: replaying to just before it shows
	 * the writer */
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	rp_get_state(s, &st);
	uint64_t top = st.seg[HVT_SEG_SS].base + ((st.reg[RV_REG_RSP] - 2) & 0xffff); /* the last slot pushed */
	struct rp_write_info wi;
	ck_assert_int_eq(rp_last_write(s, top, &wi, &err), HVT_OK);
	ck_assert_uint_le(wi.t, st.t);
	ck_assert_int_eq(rp_goto_icount(s, wi.t - 1, &err), HVT_OK);
	rp_get_state(s, &st);
	if (!wi.by_hv)
		ck_assert_uint_eq(st.pc, wi.pc);
	ck_assert_uint_eq(st.t, wi.t - 1);
	/* forward to that write gives the same point */
	ck_assert_int_eq(rp_goto_icount(s, wi.t - 1, &err), HVT_OK);
	tg = (struct rp_target){.kind = RP_TO_WRITE, .a = top, .len = 1};
	ck_assert_int_eq(rp_run_to(s, &tg, 1, &err), HVT_OK);
	ck_assert_uint_eq(s->t, wi.t);
	size_t len;
	rp_console(s, &len);
	ck_assert_uint_gt(len, 0);
	rp_close(s);
}
END_TEST


/* Real mode: run the code at 0000:7C00 with IVT entry `vec` pointing at 0000:9000 (a NOP
 * there); return how many instructions ran before the handler was entered (-1: never). */
static int run_to_handler(const uint8_t *code, size_t n, unsigned vec, struct rp_cpu *c)
{
	struct hvt_vm_state st;
	struct hvt_err err;
	real_state(&st);
	cpu_up(c, &st);
	uint16_t ivt[2] = {0x9000, 0};
	memcpy(c->mem + vec * 4, ivt, 4);
	c->mem[0x9000] = 0x90;
	memcpy(c->mem + 0x7c00, code, n);
	rp_cpu_code_changed(c, 0x7c00, n);
	for (int i = 1; i <= 8; i++) {
		ck_assert_int_eq(rp_cpu_run(c, 1, &err), HVT_OK);
		ck_assert_msg(c->stop == RP_STOP_BUDGET, "stopped: %s", c->stop_msg);
		if (rp_cpu_reg(c, RP_RIP) == 0x9000)
			return i;
	}
	return -1;
}

/* JMP FAR AX / CALL FAR AX (FF /5, FF /3 register forms) make QEMU's translator abort(); they
 * were never scanned here (written after boot), so the abort is caught, the instruction made a
 * trap and #UD delivered at it, counted as one instruction; the second time the trap is known. */
START_TEST(far_register_forms_raise_ud)
{
	static const uint8_t jmp_far_ax[] = {0x90, 0xff, 0xe8, 0x90};
	static const uint8_t call_far_eax[] = {0x90, 0x66, 0xff, 0xd8, 0x90};
	static const uint8_t lock_cmp[] = {0x90, 0xf0, 0x38, 0x00, 0x90};        /* LOCK CMP [BX+SI], AL */
	static const uint8_t lock_cmpsb[] = {0x90, 0xf0, 0xa6, 0x90};             /* LOCK CMPSB */
	static const uint8_t lock_cmp_imm[] = {0x90, 0xf0, 0x83, 0x3f, 0x01, 0x90}; /* LOCK CMP WORD [BX], 1 */
	struct rp_cpu c;
	ck_assert_int_eq(run_to_handler(jmp_far_ax, sizeof(jmp_far_ax), 6, &c), 2);
	ck_assert_uint_eq(rd16(&c, 0x7bfa), 0x7c01); /* the IP pushed: the faulting instruction */
	ck_assert_uint_eq(c.ntraps, 1);
	/* again from the start: the trap is known, no abort this time */
	struct hvt_err err;
	rp_cpu_set_reg(&c, RP_RIP, 0x7c00);
	ck_assert_int_eq(rp_cpu_run(&c, 2, &err), HVT_OK);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RIP), 0x9000);
	rp_cpu_close(&c);
	ck_assert_int_eq(run_to_handler(call_far_eax, sizeof(call_far_eax), 6, &c), 2);
	ck_assert_uint_eq(rd16(&c, 0x7bfa), 0x7c01); /* the prefix is the instruction's start */
	rp_cpu_close(&c);
	/* LOCK on CMP and CMPS: #UD too (QEMU aborts on them as well) */
	ck_assert_int_eq(run_to_handler(lock_cmp, sizeof(lock_cmp), 6, &c), 2);
	rp_cpu_close(&c);
	ck_assert_int_eq(run_to_handler(lock_cmpsb, sizeof(lock_cmpsb), 6, &c), 2);
	rp_cpu_close(&c);
	ck_assert_int_eq(run_to_handler(lock_cmp_imm, sizeof(lock_cmp_imm), 6, &c), 2);
	rp_cpu_close(&c);
	/* CS base not 0: traps are linear addresses (0700:0D00 = 0x7D00, reached by a far jump) */
	static const uint8_t to_0700[] = {0xea, 0x00, 0x0d, 0x00, 0x07}; /* JMP 0700:0D00 */
	struct hvt_vm_state st;
	real_state(&st);
	cpu_up(&c, &st);
	uint16_t ivt[2] = {0x9000, 0};
	memcpy(c.mem + 6 * 4, ivt, 4);
	c.mem[0x9000] = 0x90;
	memcpy(c.mem + 0x7c00, to_0700, sizeof(to_0700));
	memcpy(c.mem + 0x7d00, jmp_far_ax + 1, 2);
	rp_cpu_code_changed(&c, 0x7000, 0x1000);
	ck_assert_int_eq(rp_cpu_run(&c, 2, &err), HVT_OK);
	ck_assert_msg(c.stop == RP_STOP_BUDGET, "stopped: %s", c.stop_msg);
	ck_assert_uint_eq(rp_cpu_pc(&c), 0x9000);
	ck_assert_uint_eq(rd16(&c, 0x7bfa), 0xd00); /* IP */
	ck_assert_uint_eq(rd16(&c, 0x7bfc), 0x700); /* CS */
	rp_cpu_close(&c);
}
END_TEST

/* CALL FAR EDI at the entry point, in memory before the boot: QEMU translates it right after the
 * boot stub's last jump (a block is translated before its first instruction runs), inside the
 * engine's own uncounted run. The boot must end there, and the guest's first instruction is #UD.
 * (Found by fuzz_replay: the boot looped on the new trap.) */
START_TEST(far_register_form_at_the_entry_point)
{
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	real_state(&st);
	ck_assert_int_eq(rp_cpu_open(&c, 1 << 20, &err), HVT_OK);
	c.mem[0x7c00] = 0xff;
	c.mem[0x7c01] = 0xdf;
	uint16_t ivt[2] = {0x9000, 0};
	memcpy(c.mem + 6 * 4, ivt, 4);
	c.mem[0x9000] = 0x90;
	ck_assert_msg(rp_boot(&c, &st, &err) == HVT_OK, "%s", err.msg);
	ck_assert_uint_eq(rp_cpu_pc(&c), 0x7c00);
	ck_assert_int_eq(rp_cpu_run(&c, 1, &err), HVT_OK);
	ck_assert_msg(c.stop == RP_STOP_BUDGET, "stopped: %s", c.stop_msg);
	ck_assert_uint_eq(rp_cpu_pc(&c), 0x9000);
	rp_cpu_close(&c);
}
END_TEST

/* MOV to CR4 setting SMXE and MOV to CR0 setting NW without CD: #GP(0) before they execute,
 * as the recording CPU does (QEMU accepts both). */
START_TEST(mov_cr_refused_values_raise_gp)
{
	/* mov $0x4000, %eax; mov %eax, %cr4 */
	static const uint8_t smxe[] = {0x66, 0xb8, 0x00, 0x40, 0x00, 0x00, 0x0f, 0x22, 0xe0, 0x90};
	/* mov $0x20000010, %eax; mov %eax, %cr0 */
	static const uint8_t nw[] = {0x66, 0xb8, 0x10, 0x00, 0x00, 0x20, 0x0f, 0x22, 0xc0, 0x90};
	/* mov $0x60000010, %eax; mov %eax, %cr0: NW with CD is allowed */
	static const uint8_t nwcd[] = {0x66, 0xb8, 0x10, 0x00, 0x00, 0x60, 0x0f, 0x22, 0xc0, 0x90};
	struct rp_cpu c;
	ck_assert_int_eq(run_to_handler(smxe, sizeof(smxe), 13, &c), 2);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_CR4) & 0x4000, 0);
	ck_assert_uint_eq(rd16(&c, 0x7bfa), 0x7c06);
	rp_cpu_close(&c);
	ck_assert_int_eq(run_to_handler(nw, sizeof(nw), 13, &c), 2);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_CR0) & 0x20000000, 0);
	rp_cpu_close(&c);
	ck_assert_int_eq(run_to_handler(nwcd, sizeof(nwcd), 13, &c), -1);
	rp_cpu_close(&c);
}
END_TEST

/* Protected mode, SDM Vol. 3A, 6.13 and Table 6-5: INT n through a not-present gate is
 * #NP(n * 8 + 2); a hardware #GP through a not-present gate meets #NP(13 * 8 + 3) (EXT) and
 * the two contributory faults make #DF(0). */
START_TEST(deliver_not_present_gate)
{
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	memset(&st, 0, sizeof(st));
	st.cr0 = 0x11;
	st.seg[HVT_SEG_CS] = (struct hvt_segment){.sel = 0x08, .limit = 0xffffffff, .ar = 0xc09b};
	for (unsigned i = 0; i < 6; i++)
		if (i != HVT_SEG_CS)
			st.seg[i] = (struct hvt_segment){.sel = 0x10, .limit = 0xffffffff, .ar = 0xc093};
	st.seg[HVT_SEG_LDTR].ar = 0x10000;
	st.seg[HVT_SEG_TR] = (struct hvt_segment){.limit = 0xffff, .ar = 0x8b};
	st.gdtr_base = 0x500;
	st.gdtr_limit = 0x17;
	st.idtr_base = 0x600;
	st.idtr_limit = 0x7ff;
	st.gpr[4] = 0x20000;
	st.rip = 0x10000;
	st.rflags = 0x202;
	cpu_up(&c, &st);
	uint64_t gdt[3] = {0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull};
	memcpy(c.mem + 0x500, gdt, sizeof(gdt));
	uint32_t np[2] = {0x00089100, 0x00000e00}, ok[2] = {0x00089000, 0x00008e00};
	memcpy(c.mem + 0x600 + 0x2f * 8, np, 8);
	memcpy(c.mem + 0x600 + 13 * 8, np, 8);
	memcpy(c.mem + 0x600 + 11 * 8, ok, 8);
	memcpy(c.mem + 0x600 + 8 * 8, ok, 8);
	ck_assert_int_eq(rp_deliver(&c, 0x2f, 4, 0, 0, 0x10002, &err), HVT_OK);
	ck_assert_uint_eq(rd32(&c, 0x20000 - 16), 0x2f * 8 + 2); /* #NP error code: IDT, EXT = 0 */
	ck_assert_uint_eq(rd32(&c, 0x20000 - 12), 0x10000); /* a fault: back to the INT */
	rp_cpu_set_reg(&c, 4, 0x20000);
	ck_assert_int_eq(rp_deliver(&c, 13, 3, 1, 0, 0x10000, &err), HVT_OK);
	ck_assert_int_ne(c.stop, RP_STOP_TRIPLE);
	ck_assert_uint_eq(rd32(&c, 0x20000 - 16), 0); /* #DF(0) */
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RIP), 0x9000);
	rp_cpu_close(&c);
}
END_TEST

/* EFER.SCE written through the register API stays (QEMU's WRMSR alone drops it). */
START_TEST(efer_sce_is_kept)
{
	struct rp_cpu c;
	struct hvt_vm_state st;
	real_state(&st);
	cpu_up(&c, &st);
	rp_cpu_set_reg(&c, RP_EFER, 0x101);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_EFER), 0x101);
	rp_cpu_set_reg(&c, RP_EFER, 0x100);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_EFER), 0x100);
	rp_cpu_close(&c);
}
END_TEST

/* An IVT outside the VM's memory: the recording CPU meets an EPT violation at the entry's
 * guest-physical address while delivering; no #GP, #DF or triple fault. */
START_TEST(deliver_table_outside_memory)
{
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	real_state(&st);
	st.idtr_base = 0x200000;
	cpu_up(&c, &st);
	ck_assert_int_eq(rp_deliver(&c, 0x20, 4, 0, 0, 0x7c02, &err), HVT_OK);
	ck_assert_int_eq(c.stop, RP_STOP_UNMAPPED);
	ck_assert_uint_eq(c.fault_addr, 0x200080);
	rp_cpu_close(&c);
}
END_TEST

/* A far jump to 1 MiB (outside a 1 MiB VM): the jump completes within its budget, and the
 * fetch that fails belongs to the next instruction. */
START_TEST(fetch_outside_memory_is_the_next_instruction)
{
	static const uint8_t jmp_far[] = {0xea, 0x10, 0x00, 0xff, 0xff}; /* JMP FFFF:0010 */
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	real_state(&st);
	cpu_up(&c, &st);
	memcpy(c.mem + 0x7c00, jmp_far, sizeof(jmp_far));
	ck_assert_int_eq(rp_cpu_run(&c, 1, &err), HVT_OK);
	ck_assert_int_eq(c.stop, RP_STOP_BUDGET);
	ck_assert_uint_eq(rp_cpu_pc(&c), 0x100000);
	ck_assert_int_eq(rp_cpu_run(&c, 1, &err), HVT_OK);
	ck_assert_int_eq(c.stop, RP_STOP_UNMAPPED);
	ck_assert_uint_eq(c.fault_addr, 0x100000);
	ck_assert_int_eq(c.fault_fetch, 1);
	rp_cpu_close(&c);
}
END_TEST

/* Ring 3 -> ring 0 (SDM Vol. 3A, 6.12.1): ring-0 code IRETs to ring 3 (QEMU's own IRET), which
 * runs INT 0x80 through a DPL-3 gate: the handler runs at CPL 0 on SS0:ESP0 from the TSS, with
 * the user's SS, ESP, EFLAGS, CS, EIP on that stack. */
START_TEST(deliver_from_ring3_switches_stacks)
{
	static const uint8_t code[] = {
		0x6a, 0x23,                   /* push 0x23 (SS3) */
		0x68, 0x00, 0x60, 0x00, 0x00, /* push 0x6000 (ESP3) */
		0x6a, 0x02,                   /* push 2 (EFLAGS) */
		0x6a, 0x1b,                   /* push 0x1b (CS3) */
		0x68, 0x20, 0x00, 0x01, 0x00, /* push 0x10020 */
		0xcf,                         /* iret */
	};
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	struct rp_seg seg;
	memset(&st, 0, sizeof(st));
	st.cr0 = 0x11;
	st.seg[HVT_SEG_CS] = (struct hvt_segment){.sel = 0x08, .limit = 0xffffffff, .ar = 0xc09b};
	for (unsigned i = 0; i < 6; i++)
		if (i != HVT_SEG_CS)
			st.seg[i] = (struct hvt_segment){.sel = 0x10, .limit = 0xffffffff, .ar = 0xc093};
	st.seg[HVT_SEG_LDTR].ar = 0x10000;
	st.seg[HVT_SEG_TR] = (struct hvt_segment){.sel = 0x28, .base = 0x700, .limit = 0x67, .ar = 0x8b};
	st.gdtr_base = 0x500;
	st.gdtr_limit = 0x2f;
	st.idtr_base = 0x600;
	st.idtr_limit = 0x7ff;
	st.gpr[4] = 0x20000;
	st.rip = 0x10000;
	st.rflags = 0x2;
	cpu_up(&c, &st);
	uint64_t gdt[6] = {0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull, 0x00cffb000000ffffull,
			   0x00cff3000000ffffull, 0x00008b0007000067ull};
	memcpy(c.mem + 0x500, gdt, sizeof(gdt));
	uint32_t gate[2] = {0x00089000, 0x0000ee00}; /* 0008:00009000, present, DPL 3 */
	memcpy(c.mem + 0x600 + 0x80 * 8, gate, 8);
	uint32_t esp0 = 0x8000, ss0 = 0x10;
	memcpy(c.mem + 0x704, &esp0, 4);
	memcpy(c.mem + 0x708, &ss0, 4);
	memcpy(c.mem + 0x10000, code, sizeof(code));
	c.mem[0x10020] = 0xcd; /* int 0x80 */
	c.mem[0x10021] = 0x80;
	c.mem[0x9000] = 0x90;
	rp_cpu_code_changed(&c, 0, 0x20000);
	ck_assert_int_eq(rp_cpu_run(&c, 7, &err), HVT_OK);
	ck_assert_msg(c.stop == RP_STOP_BUDGET, "stopped: %s", c.stop_msg);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RIP), 0x9000);
	rp_cpu_get_seg(&c, HVT_SEG_CS, &seg);
	ck_assert_uint_eq(seg.sel, 0x08);
	rp_cpu_get_seg(&c, HVT_SEG_SS, &seg);
	ck_assert_uint_eq(seg.sel, 0x10);
	ck_assert_uint_eq(rp_cpu_reg(&c, 4), 0x8000 - 20);
	ck_assert_uint_eq(rd32(&c, 0x8000 - 4), 0x23);     /* SS */
	ck_assert_uint_eq(rd32(&c, 0x8000 - 8), 0x6000);   /* ESP */
	ck_assert_uint_eq(rd32(&c, 0x8000 - 16), 0x1b);    /* CS */
	ck_assert_uint_eq(rd32(&c, 0x8000 - 20), 0x10022); /* EIP after the INT */
	ck_assert_int_eq(rp_cpu_run(&c, 1, &err), HVT_OK); /* the handler's NOP, at ring 0 */
	ck_assert_int_eq(c.stop, RP_STOP_BUDGET);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RIP), 0x9001);
	rp_cpu_close(&c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("replay");
	TCase *t = tcase_create("delivery");
	tcase_add_test(t, deliver_real_mode_frame);
	tcase_add_test(t, progress_between_exits);
	tcase_add_test(t, deliver_escalates_to_triple_fault);
	tcase_add_test(t, deliver_protected_mode_frame);
	tcase_add_test(t, deliver_not_present_gate);
	tcase_add_test(t, far_register_forms_raise_ud);
	tcase_add_test(t, far_register_form_at_the_entry_point);
	tcase_add_test(t, mov_cr_refused_values_raise_gp);
	tcase_add_test(t, efer_sce_is_kept);
	tcase_add_test(t, deliver_table_outside_memory);
	tcase_add_test(t, deliver_from_ring3_switches_stacks);
	tcase_add_test(t, fetch_outside_memory_is_the_next_instruction);
	suite_add_tcase(s, t);
	t = tcase_create("traces");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, testdata_traces_verify);
	tcase_add_test(t, checkpoint_restore_roundtrip);
	tcase_add_test(t, checkpoint_budget_is_kept);
	tcase_add_test(t, navigation);
	tcase_add_test(t, backward_steps_match_forward_demo);
	tcase_add_test(t, backward_steps_match_forward_long64);
	tcase_add_test(t, backward_steps_match_forward_async);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
