/*
 * main.c - the hypervisor from boot to the last VM's end.
 *
 *   1. CPU tables, boot modules (the run manifest and the guest images), memory.
 *   2. VMX: check every needed feature (a clear message and a non-zero exit if one is missing),
 *      then VMXON.
 *   3. The trace disk, then one VM per manifest entry: memory, EPT, VMCS; VM_START recorded.
 *   4. Run: a VM runs until it stops; a stopped VM never hurts the others or the hypervisor.
 *   5. Close the trace, report, end the emulator run.
 */
#include "boot_info.h"
#include "console.h"
#include "cpu.h"
#include "gdb.h"
#include "lib.h"
#include "mm.h"
#include "retrovisor/console_proto.h"
#include "retrovisor/exit_status.h"
#include "retrovisor/manifest.h"
#include "sched.h"
#include "trace.h"
#include "vm.h"
#include "vmx.h"
#include "x86.h"

extern char hv_image_end[];

int hv_nvms;
static struct vm vms[HVT_MAX_VMS];
static struct boot_info boot;

/* The PIC delivers nothing to anyone: mask every line (8259A OCW1). */
static void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

static const struct rv_manifest *manifest_load(void)
{
	const struct boot_module *m = boot_module_find(&boot, "manifest");
	const struct rv_manifest *mf;

	if (!m) {
		hv_printf("hv: no 'manifest' boot module: start the hypervisor with hvrun");
		return 0;
	}
	mf = (const struct rv_manifest *)m->start;
	if (m->end - m->start < sizeof(*mf) || memcmp(mf->magic, RV_MANIFEST_MAGIC, 8) ||
	    mf->version != RV_MANIFEST_VERSION) {
		hv_printf("hv: the manifest module is not a version %d Retrovisor manifest", RV_MANIFEST_VERSION);
		return 0;
	}
	if (mf->nvms == 0 || mf->nvms > HVT_MAX_VMS ||
	    m->end - m->start < rv_manifest_size(mf->nvms)) {
		hv_printf("hv: the manifest lists %u VMs (1 to %d allowed, in %lu bytes)", mf->nvms, HVT_MAX_VMS,
			  m->end - m->start);
		return 0;
	}
	return mf;
}

static int vms_create(const struct rv_manifest *mf)
{
	for (unsigned i = 0; i < mf->nvms; i++) {
		char name[16];
		struct hvt_vm_config cfg = mf->vm[i];
		snprintf(name, sizeof(name), "vm%u", i);
		const struct boot_module *img = boot_module_find(&boot, name);
		if (!img) {
			hv_printf("hv: VM %u (%s): no boot module '%s' with its image", i, cfg.name, name);
			return -1;
		}
		cfg.name[sizeof(cfg.name) - 1] = 0;
		console_frame(CONPROTO_NAME, (int)i, cfg.name, strlen(cfg.name));
		snprintf(name, sizeof(name), "vm%u.input", i);
		const struct boot_module *in = boot_module_find(&boot, name);
		if (vm_create(&vms[i], (int)i, &cfg, (const void *)img->start, img->end - img->start,
			      in ? (const void *)in->start : 0, in ? in->end - in->start : 0))
			return -1;
		if (trace_on) {
			struct hvt_vm_state st;
			vm_snapshot(&vms[i], &st);
			trace_vm_start(i, &st);
		}
	}
	hv_nvms = (int)mf->nvms;
	/* The bus policy: who may send to whom, and each sender's share of a queue (bus.h). */
	const uint32_t *send_to = rv_manifest_send_to_const(mf);
	for (unsigned j = 0; j < mf->nvms; j++) {
		uint32_t senders = 0;
		for (unsigned i = 0; i < mf->nvms; i++)
			senders |= (uint32_t)(send_to[i] >> j & 1) << i;
		bus_set_policy(&vms[j].inbox, j, senders);
	}
	return 0;
}

/*
 * Run until every VM has stopped (sched.c shares the CPU among them).
 * The TSC advances once per instruction on Bochs, so the TSC over the whole run minus what the
 * guests executed is what the hypervisor executed: its cost per exit, exactly (make bench).
 */
static void run_all(uint64_t system_limit)
{
	uint64_t t0 = rdtsc(), exits = 0, guest = 0;

	sched_init(vms, hv_nvms, system_limit);
	sched_run();
	uint64_t total = rdtsc() - t0;
	for (int i = 0; i < hv_nvms; i++) {
		exits += vms[i].exits;
		guest += vms[i].icount;
	}
	hv_printf("hv: stats: exits=%lu guest_instructions=%lu hypervisor_instructions=%lu per_exit=%lu tracing=%s",
		  exits, guest, total - guest, exits ? (total - guest) / exits : 0, trace_on ? "on" : "off");
	/* The VMs' own CPU state (vm_xstate.c) moves only when the VM on the CPU changes. */
	hv_printf("hv: stats: state_switches=%lu per_state_switch=%lu xsave_bytes=%u", vm_xstate_switches,
		  vm_xstate_switches ? vm_xstate_switch_insns / vm_xstate_switches : 0, vm_xstate_fpu_size());
}

/* 0 when every VM ended normally (retrovisor/exit_status.h: the verdict hvrun gives too). */
static int run_status(void)
{
	int failed = 0;
	for (int i = 0; i < hv_nvms; i++)
		if (!rv_vm_ended_normally(vms[i].stop_why, vms[i].stop_status))
			failed = 1;
	return failed;
}

void kmain(uint32_t magic, uint32_t info)
{
	const struct rv_manifest *mf;
	uint64_t lo;

	cpu_init();
	pic_mask_all();
	if (boot_info_parse(magic, info, &boot))
		machine_exit(1);
	hv_printf("hv: Retrovisor 1.0 (%s, %d modules)", boot.loader, boot.nmodules);
	/* Memory for VMs starts above the hypervisor and every module. */
	lo = (uint64_t)hv_image_end;
	for (int i = 0; i < boot.nmodules; i++)
		if (boot.modules[i].end > lo)
			lo = boot.modules[i].end;
	if (boot.mem_hi <= lo) {
		hv_printf("hv: no usable memory above %lx", lo);
		machine_exit(1);
	}
	mm_init(lo > boot.mem_lo ? lo : boot.mem_lo, boot.mem_hi);

	if (vmx_probe() || vmx_enable())
		machine_exit(1);
	hv_printf("hv: %s: VMX revision %x, preemption timer rate %u", vmx.brand[0] ? vmx.brand : vmx.vendor,
		  vmx.revision, vmx.timer_rate);

	if (!(mf = manifest_load()))
		machine_exit(1);
	hv_test_panic_insns = mf->test_panic_insns;
	hv_test_panic_twice = !!(mf->flags & RV_MANIFEST_TEST_PANIC_TWICE);
	if (mf->flags & RV_MANIFEST_TRACE)
		trace_init(mf->nvms, !(mf->flags & RV_MANIFEST_TRACE_PIO));
	if (vms_create(mf)) {
		trace_finish(TRACE_END_FAILED);
		machine_exit(1);
	}
	if ((mf->flags & RV_MANIFEST_GDB) && RV_MANIFEST_GDB_VM(mf->flags) < mf->nvms)
		gdb_init(&vms[RV_MANIFEST_GDB_VM(mf->flags)]);
	run_all(mf->insn_limit);
	int failed = run_status();
	trace_finish(failed ? TRACE_END_FAILED : TRACE_END_OK);
	hv_printf("hv: all VMs stopped (%s)", failed ? "some did not end normally" : "all ended normally");
	machine_exit(0);
}
