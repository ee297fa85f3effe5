/*
 * itrace.c - `hvreplay itrace`: one line per guest instruction.
 *
 *       t  address: bytes                  disassembly            changed registers
 *      17  0x7c31: ec                      in al, dx              RAX=0x60  <- exit 1 IO_INSTRUCTION
 *
 * t is the number the instruction retires as. An instruction that exited shows the exit and
 * the registers as the hypervisor left them.
 */
#include <stdio.h>
#include <string.h>

#include "hvreplay.h"
#include "retrovisor/exit_reasons.h"

static void changed(const struct rp_state *a, const struct rp_state *b, char *out, size_t size)
{
	size_t n = 0;
	out[0] = 0;
	for (unsigned r = 0; r < RP_NREGS && n + 1 < size; r++) {
		if (r == RP_RIP || a->reg[r] == b->reg[r])
			continue;
		n += (size_t)snprintf(out + n, size - n, "%s%s=%#llx", n ? " " : "", rp_reg_name(r),
				      (unsigned long long)b->reg[r]);
	}
	if (n >= size)
		out[size - 1] = 0;
	if (a->seg[1].sel != b->seg[1].sel && n + 16 < size)
		snprintf(out + n, size - n, "%sCS=%#x", n ? " " : "", b->seg[1].sel);
}

int cmd_itrace(const struct cli_opts *o)
{
	struct rp_opts ro = {.vm = o->vm, .ckpt_budget = o->budget};
	struct rp_session *s;
	struct hvt_err err;
	struct rp_state a, b;
	int st = rp_open(&s, o->file, &ro, &err);
	if (st < 0)
		return cli_error(o->file, &err);
	/* --from X shows instruction X itself: go to the point where X-1 have retired */
	if (o->have_from && (st = rp_goto_icount(s, o->from ? o->from - 1 : 0, &err)) != RP_OK) {
		if (st < 0)
			fprintf(stderr, "hvreplay: %s: %s\n", o->file, err.msg);
		else
			fprintf(stderr, "hvreplay: %s: cannot reach instruction %llu (%s)\n", o->file,
				(unsigned long long)o->from, st == RP_END ? "the VM ends before" : "the replay diverged");
		rp_close(s);
		return st == RP_DIVERGED ? EXIT_DIVERGED : EXIT_BAD_TRACE;
	}
	rp_get_state(s, &a);
	int rc = 0;
	while (a.t < o->to) {
		char line[128], regs[512];
		uint8_t code[16];
		int at_exit = a.next_exit != UINT64_MAX && a.next_exit_icount == a.t + 1;
		struct rp_exit_info xi = {0};
		if (at_exit)
			rp_exit_near(s, 1, &xi, &err);
		if (rp_read_linear(s, a.pc, code, sizeof(code)) == RP_OK)
			rp_disasm(s, a.pc, 1, line, sizeof(line));
		else
			snprintf(line, sizeof(line), "%#llx: (not in memory)\n", (unsigned long long)a.pc);
		line[strcspn(line, "\n")] = 0;
		st = rp_step(s, 1, &err);
		if (st == RP_END)
			break;
		if (st != RP_OK) {
			if (st == RP_DIVERGED)
				cli_print_divergence(o->file, rp_info(s)->name, o->vm, rp_divergence(s));
			else
				fprintf(stderr, "hvreplay: %s: %s\n", o->file, err.msg);
			rc = st == RP_DIVERGED ? EXIT_DIVERGED : EXIT_BAD_TRACE;
			break;
		}
		rp_get_state(s, &b);
		changed(&a, &b, regs, sizeof(regs));
		printf("%10llu  %-60s %s", (unsigned long long)b.t, line, regs);
		if (at_exit) {
			const char *rn = exit_reason_name(xi.reason);
			printf("%s<- exit %llu %s", regs[0] ? "  " : "", (unsigned long long)xi.num, rn ? rn : "?");
		}
		printf("\n");
		if (b.stopped) {
			printf("%10s  the VM stopped\n", "");
			break;
		}
		a = b;
	}
	rp_close(s);
	return rc;
}
