/*
 * check_trace_bounds.c - the rules a trace's records must follow against its own declarations
 * (tracer/hvt_bounds.h), one synthetic event at a time: each rule holds for a plausible event
 * and is broken by the smallest change.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvt_bounds.h"
#include "retrovisor/exit_reasons.h"
#include "check_run.h"

static struct hvt_vm_config good_config(void)
{
	struct hvt_vm_config c = { .id = 1, .mode = HVT_MODE_REAL, .mem_size = 1 << 20, .load_addr = 0x7c00,
				   .entry = 0x7c00, .image_size = 512, .weight = 1 };
	memcpy(c.name, "vm", 3);
	return c;
}

START_TEST(test_vm_config)
{
	struct hvt_err err;
	struct hvt_vm_config c = good_config();

	ck_assert_int_eq(hvt_vm_config_check(&c, sizeof(c), 1, &err), HVT_OK);
	ck_assert_int_eq(hvt_vm_config_check(&c, sizeof(c) - 1, 1, &err), HVT_ECORRUPT);
	ck_assert_int_eq(hvt_vm_config_check(&c, sizeof(c), 2, &err), HVT_ECORRUPT); /* says VM 1 */
	c.mem_size = HVT_VM_MEM_MAX;
	ck_assert_int_eq(hvt_vm_config_check(&c, sizeof(c), 1, &err), HVT_OK);
	c.mem_size = HVT_VM_MEM_MAX + 4096; /* more than hvrun can create: replay would allocate it */
	ck_assert_int_eq(hvt_vm_config_check(&c, sizeof(c), 1, &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "bytes of memory"));
	c.mem_size = (1 << 20) + 1;
	ck_assert_int_eq(hvt_vm_config_check(&c, sizeof(c), 1, &err), HVT_ECORRUPT);
	c = good_config();
	c.entry = 1 << 20;
	ck_assert_int_eq(hvt_vm_config_check(&c, sizeof(c), 1, &err), HVT_ECORRUPT);
	c = good_config();
	c.image_size = (1 << 20) - 0x7c00 + 1;
	ck_assert_int_eq(hvt_vm_config_check(&c, sizeof(c), 1, &err), HVT_ECORRUPT);
	c = good_config();
	c.mode = 3;
	ck_assert_int_eq(hvt_vm_config_check(&c, sizeof(c), 1, &err), HVT_ECORRUPT);
	c = good_config();
	memset(c.name, 'a', sizeof(c.name));
	ck_assert_int_eq(hvt_vm_config_check(&c, sizeof(c), 1, &err), HVT_ECORRUPT);
}
END_TEST

static struct hvt_event event(uint8_t type, uint64_t icount)
{
	struct hvt_event ev = { .type = type, .vm = 1, .icount = icount, .reason = EXIT_REASON_CPUID, .insn_len = 2 };
	return ev;
}

START_TEST(test_events)
{
	struct hvt_bounds b;
	struct hvt_err err;
	struct hvt_event ev;

	memset(&b, 0, sizeof(b));
	b.limit[1] = 1000;
	ev = event(HVT_REC_EXIT, 10);
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_ECORRUPT); /* not started */
	ck_assert_ptr_nonnull(strstr(err.msg, "has not started"));
	ev = event(HVT_REC_SWITCH, 0);
	ev.target = 1;
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_ECORRUPT); /* to a VM not started */
	ck_assert_ptr_nonnull(strstr(err.msg, "has not started"));
	ev = event(HVT_REC_VM_START, 0);
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_OK);
	ev = event(HVT_REC_SWITCH, 0);
	ev.target = 1;
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_OK);
	ev = event(HVT_REC_EXIT, 100);
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_OK);
	ev = event(HVT_REC_EXIT, 99);
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "goes backwards"));
	ev = event(HVT_REC_EXIT, 1001);
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "past its limit of 1000"));
	ev = event(HVT_REC_EXIT, 200);
	ev.reason = 127;
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a VMX basic exit reason"));
	ev.reason = EXIT_REASON_PREEMPTION_TIMER; /* asynchronous: no instruction length */
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "asynchronous"));
	ev.insn_len = 0;
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_OK);
	ev = event(HVT_REC_MEMWRITE, 0);
	ev.len = 0;
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "0 bytes"));
	ev.len = 4;
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_OK);
	/* an instruction-limit stop names its count: no exit lies beyond it */
	ev = event(HVT_REC_VM_STOP, 200);
	ev.stop_why = HVT_STOP_INSN_LIMIT;
	ev.detail = 150;
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_ECORRUPT);
	ev.detail = 1000;
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_OK);
	ev = event(HVT_REC_EXIT, 300);
	ck_assert_int_eq(hvt_bounds_event(&b, &ev, &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "already stopped"));
}
END_TEST

/* Chunk headers (hvt_bounds_chunks): every header of a genuine trace of many chunks and VMs,
 * raw and compressed, names the VM current where it starts and that VM's count. */
START_TEST(test_chunk_headers)
{
	char path[] = "/tmp/check_trace_bounds_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	for (int z = 0; z <= 3; z += 3) {
		struct hvt_synth_opts o = {.exits = 20000, .vms = 3, .seed = 5, .chunk_size = 65536, .zstd_level = z};
		struct hvt_reader *r;
		struct hvt_err err;
		size_t n;
		ck_assert_int_eq(hvt_synth_write(path, &o, &err), HVT_OK);
		ck_assert_int_eq(hvt_reader_open(&r, path, &err), HVT_OK);
		hvt_reader_index(r, &n);
		ck_assert_uint_gt(n, 2);
		ck_assert_msg(hvt_bounds_check(r, &err) == HVT_OK, "%s", err.msg);
		/* the first chunk starts before any VM: VM 0 at 0; any other claim is refused */
		struct hvt_bounds b;
		ck_assert_int_eq(hvt_bounds_init(&b, r, &err), HVT_OK);
		ck_assert_int_eq(hvt_bounds_chunks(&b, r, 1, &err), HVT_OK);
		b.chunks = 0;
		b.current = 1;
		ck_assert_int_eq(hvt_bounds_chunks(&b, r, 1, &err), HVT_ECORRUPT);
		ck_assert_ptr_nonnull(strstr(err.msg, "chunk 0 at offset"));
		hvt_reader_close(r);
	}
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace_bounds");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_vm_config);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_chunk_headers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
