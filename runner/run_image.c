/*
 * run_image.c - everything Bochs needs, in a fresh run directory:
 *   iso/boot/grub/grub.cfg, iso/boot/hv.elf32, iso/boot/manifest.bin, iso/boot/vmN.bin and,
 *   for a VM with scripted UART input, iso/boot/vmN.input -> hv.iso
 *   trace.img  a sparse flat disk for the trace (the hypervisor writes it by ATA DMA or PIO)
 *   bochsrc    the machine (see ../shared/BOCHS-NOTES.md for why each line is there)
 *   rc         the debugger script: "c" (Debian's Bochs stops at its debugger prompt otherwise)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "retrovisor/manifest.h"
#include "retrovisor/hvtool.h"
#include "run.h"

#define DISK_HEADS 16
#define DISK_SPT 63
#define CYLINDER_BYTES ((uint64_t)DISK_HEADS * DISK_SPT * 512)

static int write_manifest(struct run *r, const char *path)
{
	size_t size = rv_manifest_size((uint32_t)r->nvms);
	struct rv_manifest *m = calloc(1, size);
	if (!m)
		return -1;
	memcpy(m->magic, RV_MANIFEST_MAGIC, sizeof(RV_MANIFEST_MAGIC));
	m->version = RV_MANIFEST_VERSION;
	m->nvms = (uint32_t)r->nvms;
	m->flags = r->output ? RV_MANIFEST_TRACE | (r->trace_pio ? RV_MANIFEST_TRACE_PIO : 0) : 0;
	m->insn_limit = r->insn_limit;
	m->test_panic_insns = r->test_panic_insns;
	if (r->test_panic_twice)
		m->flags |= RV_MANIFEST_TEST_PANIC_TWICE;
	if (r->gdb_port)
		m->flags |= RV_MANIFEST_GDB | (uint32_t)r->gdb_vm << RV_MANIFEST_GDB_VM_SHIFT;
	for (int i = 0; i < r->nvms; i++)
		m->vm[i] = r->vm[i].cfg;
	/* The bus policy: <bus> as vmdef_resolve_bus() made it; without one, every VM. */
	for (int i = 0; i < r->nvms; i++)
		rv_manifest_send_to(m)[i] = r->vm[i].bus_send ? r->vm[i].send_to : (uint32_t)((1ull << r->nvms) - 1);
	int rc = run_write_file(path, m, size);
	free(m);
	return rc;
}

/* The hypervisor image, read before the run like every input (a FIFO or /dev/zero is refused). */
#define RUN_HV_IMAGE_MAX (16u << 20)
int run_read_hv(struct run *r)
{
	struct hvt_err err = {0};
	if (hvt_read_input(r->hv_path, "hypervisor images", RUN_HV_IMAGE_MAX, 0, &r->hv, &r->hv_size, &err)) {
		run_err("--hv: %s", err.msg);
		return -1;
	}
	return 0;
}

static int write_grub_cfg(struct run *r, const char *path)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf),
			 "set timeout=0\nset default=0\n"
			 "menuentry \"Retrovisor\" {\n"
			 "  multiboot2 /boot/hv.elf32\n"
			 "  module2 /boot/manifest.bin manifest\n");
	for (int i = 0; i < r->nvms; i++) {
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "  module2 /boot/vm%d.bin vm%d\n", i, i);
		if (r->vm[i].input_size) /* the module's last word names it: "vm0.input" */
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "  module2 /boot/vm%d.input vm%d.input\n", i, i);
	}
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "  boot\n}\n");
	return run_write_file(path, buf, (size_t)n);
}

/* grub-mkrescue, quietly: its chatter goes to a log that is shown only when it fails. */
static int make_iso(struct run *r)
{
	char *const argv[] = {"grub-mkrescue", "--compress=no", "--locales=", "--themes=", "--fonts=",
			      "-o", "hv.iso", "iso", NULL};
	int st = run_exec(r->dir, "grub-mkrescue.log", argv);
	if (st != 0) {
		run_err("grub-mkrescue failed (see %s/grub-mkrescue.log); is grub-pc-bin installed? (make deps)",
			r->dir);
		r->keep = 1;
		return -1;
	}
	return 0;
}

static int make_disk(struct run *r, uint64_t *cylinders)
{
	char path[512];
	*cylinders = (r->trace_mib << 20) / CYLINDER_BYTES;
	if (*cylinders < 2)
		*cylinders = 2;
	if (*cylinders > 16383)
		*cylinders = 16383; /* the ATA CHS limit; about 8 GiB */
	snprintf(path, sizeof(path), "%s/trace.img", r->dir);
	FILE *f = fopen(path, "wb");
	if (!f || ftruncate(fileno(f), (off_t)(*cylinders * CYLINDER_BYTES)) || fclose(f)) {
		run_err("cannot create the trace disk %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_bochsrc(struct run *r, uint64_t cylinders)
{
	char buf[4096], path[512];
	uint64_t megs = RUN_HV_MEGS;
	for (int i = 0; i < r->nvms; i++)
		megs += (r->vm[i].cfg.mem_size + (1 << 20) - 1) >> 20;
	int n = snprintf(buf, sizeof(buf),
			 "# Written by hvrun for one run of the Retrovisor hypervisor.\n"
			 "megs: %llu\n"
			 "romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot\n"
			 "vgaromimage: file=/usr/share/vgabios/vgabios.bin\n"
			 "cpu: model=%s, count=1, ips=" RUN_BOCHS_IPS ", reset_on_triple_fault=0\n"
			 "clock: sync=" RUN_BOCHS_SYNC ", time0=" RUN_BOCHS_TIME0 "\n"
			 "ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14\n"
			 "ata0-master: type=disk, path=trace.img, mode=flat, cylinders=%llu, heads=%d, spt=%d\n"
			 "ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15\n"
			 "ata1-master: type=cdrom, path=hv.iso, status=inserted\n"
			 "boot: cdrom\n"
			 "port_e9_hack: enabled=1\n"
			 "display_library: rfb, options=\"timeout=0\"\n"
			 "log: bochs.log\n"
			 "panic: action=fatal\n"
			 "error: action=report\n"
			 "info: action=report\n"
			 "debug: action=ignore\n"
			 "speaker: enabled=0\n"
			 "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy\n",
			 (unsigned long long)megs, r->cpu_model, (unsigned long long)cylinders, DISK_HEADS,
			 DISK_SPT);
	/* hvrun --gdb: COM2 is the hypervisor's debugger port (hv/gdb_uart.c), a TCP server on
	 * 127.0.0.1 of Bochs's private network namespace; Bochs waits at start until a client
	 * connects (shared/BOCHS-NOTES.md): the relay to the host's port (run_gdb.c). */
	if (r->gdb_port && n > 0 && (size_t)n < sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "com2: enabled=1, mode=socket-server, dev=127.0.0.1:%u\n",
			      r->gdb_port);
	snprintf(path, sizeof(path), "%s/bochsrc", r->dir);
	if (run_write_file(path, buf, (size_t)n))
		return -1;
	snprintf(path, sizeof(path), "%s/rc", r->dir);
	return run_write_file(path, "c\n", 2);
}

int run_prepare(struct run *r)
{
	char path[512];
	const char *tmp = getenv("TMPDIR");

	if ((size_t)snprintf(r->dir, sizeof(r->dir), "%s/hvrun.XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
	    sizeof(r->dir) - 64) { /* room for iso/boot/grub/grub.cfg and the like */
		run_err("TMPDIR is too long for a run directory (at most %zu characters)", sizeof(r->dir) - 80);
		r->dir[0] = 0;
		return -1;
	}
	if (!mkdtemp(r->dir)) {
		run_err("cannot create a run directory %s: %s", r->dir, strerror(errno));
		r->dir[0] = 0;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/iso", r->dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/iso/boot", r->dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/iso/boot/grub", r->dir);
	if (mkdir(path, 0755)) {
		run_err("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/iso/boot/grub/grub.cfg", r->dir);
	if (write_grub_cfg(r, path))
		return -1;
	snprintf(path, sizeof(path), "%s/iso/boot/hv.elf32", r->dir);
	if (run_write_file(path, r->hv, r->hv_size))
		return -1;
	snprintf(path, sizeof(path), "%s/iso/boot/manifest.bin", r->dir);
	if (write_manifest(r, path))
		return -1;
	for (int i = 0; i < r->nvms; i++) {
		snprintf(path, sizeof(path), "%s/iso/boot/vm%d.bin", r->dir, i);
		if (run_write_file(path, r->vm[i].image, r->vm[i].image_size))
			return -1;
		snprintf(path, sizeof(path), "%s/iso/boot/vm%d.input", r->dir, i);
		if (r->vm[i].input_size && run_write_file(path, r->vm[i].input, r->vm[i].input_size))
			return -1;
	}
	uint64_t cylinders;
	if (make_iso(r) || make_disk(r, &cylinders) || write_bochsrc(r, cylinders))
		return -1;
	return 0;
}

void run_cleanup(struct run *r)
{
	free(r->hv);
	r->hv = NULL;
	if (!r->dir[0])
		return;
	if (r->keep) {
		fprintf(stderr, "hvrun: run directory kept: %s\n", r->dir);
		return;
	}
	if (run_remove_tree(r->dir) != 0)
		fprintf(stderr, "hvrun: could not remove %s: %s\n", r->dir, strerror(errno));
}
