/*
 * hvrun - boot the Retrovisor hypervisor under Bochs with one guest image or the VMs of XML
 * definitions (vmdef.h), stream their consoles, record the trace.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "retrovisor/hvtool.h"
#include "retrovisor/hvtrace_writer.h"
#include "retrovisor/console_proto.h"
#include "run.h"
#include "vmdef.h"

static const char usage[] =
	"usage: hvrun [options] IMAGE\n"
	"       hvrun [options] SYSTEM.xml | DOMAIN.xml...\n"
	"Boot the Retrovisor hypervisor under Bochs with the guest IMAGE (a flat binary), or with the\n"
	"VMs that XML system or domain files define (docs/vm-definitions.md); show each guest's\n"
	"console as it runs, labelled [name] when there are several; record every VM exit in a trace.\n"
	"\n"
	"  -o, --output FILE    trace file to write (default: out/NAME.hvt, NAME the image's name\n"
	"                       or the first XML file's, without .bin or .xml)\n"
	"      --no-trace       do not record a trace\n"
	"      --timeout SEC    stop Bochs after SEC seconds of wall time (default 120)\n"
	"      --zstd LEVEL     compress the trace with zstd at LEVEL 1-19, 0 for none (default 3)\n"
	"      --cpu MODEL      Bochs CPU model (default corei7_skylake_x)\n"
	"      --trace-size MB  size of the (sparse) trace disk (default and most: 8192)\n"
	"      --trace-pio      the hypervisor writes the trace disk by programmed I/O instead of\n"
	"                       bus-master DMA (slower; the trace is the same)\n"
	"      --hv FILE        hypervisor image (default: hv.elf32 next to this program's build)\n"
	"      --keep           keep the run directory (bochsrc, ISO, logs)\n"
	"      --gdb PORT       debug a VM with gdb: a GDB stub listens on 127.0.0.1:PORT; the\n"
	"                       VM waits before its first instruction (docs/debugger-live.md)\n"
	"      --gdb-vm N       the VM to debug (default 0, the first)\n"
	"  -q, --quiet          print only the guests' consoles and errors\n"
	"      --check          validate the XML definitions, list their VMs, exit (no Bochs)\n"
	"      --schema         print the XML schema that definitions are validated against\n"
	"  -h, --help           this text\n"
	"\n"
	"For an IMAGE only (XML definitions say all this themselves):\n"
	"      --mode MODE      how the guest starts: real (default; CS:IP = 0000:entry like a BIOS\n"
	"                       boot) or pm32 (flat 32-bit protected mode, paging off)\n"
	"      --mem SIZE       guest memory, with K or M suffix (default 1M; 64K to 1024M)\n"
	"      --load ADDR      guest-physical load address (default 0x7c00, pm32: 0x10000)\n"
	"      --entry ADDR     entry point (default: the load address)\n"
	"      --name NAME      the VM's name (default: the image's file name without .bin)\n"
	"      --insn-limit N   stop the guest after N instructions\n"
	"      --timer          give the guest an 8254 PIT and an 8259A PIC pair (IRQ 0)\n"
	"      --input TEXT     bytes the guest's UART receives, with the escapes \\n \\r \\t \\e\n"
	"                       (Escape) \\\\ and \\xHH: --input 'help\\nquit\\n'\n"
	"\n"
	"Numbers are decimal (a leading 0 too) or hexadecimal after 0x, as in XML definitions.\n"
	"A guest ended normally when it halted, shut down with status 0, or was stopped by the\n"
	"system's instruction limit; XML errors say FILE:LINE: <element>: what.\n";

static int parse_num(const char *opt, const char *s, uint64_t min, uint64_t max, unsigned flags, uint64_t *out)
{
	char why[256];
	if (hvt_parse_num(opt, s, min, max, flags, out, why, sizeof(why))) {
		run_err("%s", why);
		return -1;
	}
	return 0;
}

static uint8_t *read_image(const char *path, size_t *size)
{
	uint8_t *buf;
	struct hvt_err err = {0};
	if (hvt_read_input(path, "guest images", RUN_VM_MEM_MAX, 0, &buf, size, &err)) {
		run_err("cannot open guest image %s", err.msg);
		return NULL;
	}
	return buf;
}

/* hv.elf32 sits in build/hv/; this program in build/bin/ or build/san/bin/. */
static const char *find_hv(void)
{
	static char path[4096];
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	char *dir = dirname(exe);
	const char *tries[] = {"%s/../hv/hv.elf32", "%s/../../hv/hv.elf32"};
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		snprintf(path, sizeof(path), tries[i], dir);
		if (access(path, R_OK) == 0)
			return path;
	}
	return NULL;
}

/* Every outside program a run needs, named with the package that brings it. */
static int run_check_tools(void)
{
	static const char *const tools[][2] = {
		{"bochs", "bochs bochsbios vgabios"},
		{"grub-mkrescue", "grub-pc-bin grub-common"},
		{"xorriso", "xorriso"},
	};
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (!run_in_path(tools[i][0])) {
			run_err("%s is not installed: run 'make deps' (Debian packages: %s)", tools[i][0], tools[i][1]);
			return -1;
		}
	return 0;
}

/* One line per VM that did not end normally, even with --quiet: the reason the status says. */
static void report_stops(const struct run *r)
{
	for (int i = 0; i < r->nvms; i++) {
		const struct run_vm *v = &r->vm[i];
		const char *name = hvt_stop_name(v->why);
		if (!v->stopped || (rv_vm_ended_normally(v->why, v->status) && r->quiet))
			continue;
		if (name)
			fprintf(stderr, "hvrun: VM %d (%s) stopped: %s (status %llu, detail %#llx)\n", i, v->cfg.name,
				name, (unsigned long long)v->status, (unsigned long long)v->detail);
		else
			fprintf(stderr, "hvrun: VM %d (%s) stopped: reason %u (status %llu, detail %#llx)\n", i,
				v->cfg.name, v->why, (unsigned long long)v->status, (unsigned long long)v->detail);
	}
}

/*
 * The run's status: each VM's end by the one verdict the hypervisor gives too
 * (retrovisor/exit_status.h: an instruction limit reached is a normal end, a shutdown with a
 * non-zero status is the guest's failure, anything else the hypervisor stopped it for).
 */
static int run_exit_status(struct run *r)
{
	if (r->timed_out)
		return RUN_TIMEOUT;
	if (!r->hv_done || r->hv_status != 0)
		return RUN_HV_FAILED;
	int status = RUN_OK;
	for (int i = 0; i < r->nvms; i++) {
		struct run_vm *v = &r->vm[i];
		if (!v->stopped)
			return RUN_HV_FAILED;
		switch (rv_vm_verdict(v->why, v->status)) {
		case RV_VM_END_NORMAL:
			break;
		case RV_VM_END_FAILED:
			if (status == RUN_OK)
				status = RUN_GUEST_FAILED;
			break;
		case RV_VM_END_STOPPED:
			status = RUN_GUEST_STOPPED;
			break;
		}
	}
	return status;
}

/* What the command line says about a bare image. */
struct image_opts {
	uint64_t mem, load, entry, limit;
	const char *mode, *name, *input;
	int timer;
	const char *given; /* the first image-only option given, NULL: none */
};

static int setup_image(struct run *r, const struct image_opts *o, const char *path)
{
	struct run_vm *vm = &r->vm[0];
	uint64_t load = o->load, entry = o->entry, mem = o->mem;
	int real = strcmp(o->mode, "pm32") != 0;
	char why[256];

	r->nvms = 1;
	if (!(vm->image_path = strdup(path)) || !(vm->image = read_image(path, &vm->image_size)))
		return -1;
	if (o->input && run_unescape(o->input, &vm->input, &vm->input_size, why, sizeof(why))) {
		run_err("--input: %s", why);
		return -1;
	}
	if (load == UINT64_MAX)
		load = real ? 0x7c00 : 0x10000;
	if (entry == UINT64_MAX)
		entry = load;
	if (real && entry > 0xffff) {
		run_err("--entry %#llx: a real-mode guest starts at CS=0, so its entry must be below 64 KiB",
			(unsigned long long)entry);
		return -1;
	}
	if (load > mem || vm->image_size > mem - load) {
		run_err("guest image %s (%zu bytes) does not fit at %#llx in %llu KiB of guest memory", path,
			vm->image_size, (unsigned long long)load, (unsigned long long)(mem >> 10));
		return -1;
	}
	if (entry >= mem) {
		run_err("--entry %#llx is outside the guest's memory", (unsigned long long)entry);
		return -1;
	}

	char base[256];
	snprintf(base, sizeof(base), "%s", o->name ? o->name : basename(vm->image_path));
	if (!o->name) {
		char *dot = strrchr(base, '.');
		if (dot && !strcmp(dot, ".bin"))
			*dot = 0;
	}
	if (!hvt_name_ok(base)) {
		char safe[1024];
		run_err("'%s' is not a VM name (1 to %d of A-Z a-z 0-9 _ . -): use --name",
			hvt_sanitize_str(safe, sizeof(safe), base), HVT_NAME_MAX);
		return -1;
	}
	vm->cfg.id = 0;
	vm->cfg.mode = real ? HVT_MODE_REAL : HVT_MODE_PROT32;
	memcpy(vm->cfg.name, base, strlen(base) + 1);
	vm->cfg.mem_size = mem;
	vm->cfg.load_addr = load;
	vm->cfg.entry = entry;
	vm->cfg.image_size = vm->image_size;
	vm->cfg.image_crc = (uint32_t)crc32(0, vm->image, (uInt)vm->image_size);
	vm->cfg.weight = 1;
	vm->cfg.insn_limit = o->limit;
	vm->cfg.flags = o->timer ? HVT_VM_PIT : 0;
	return 0;
}

/* Every file's VMs, or every file's messages ("FILE:LINE: <element>: what"). */
static int setup_definitions(struct run *r, char **paths, int n)
{
	static struct vmdef_diag d;
	for (int i = 0; i < n; i++)
		vmdef_load(r, paths[i], &d);
	if (!d.nerrors)
		vmdef_resolve_bus(r, &d);
	if (!d.nerrors)
		return 0;
	fputs(d.text, stderr);
	run_err("%d error%s in the VM definitions", d.nerrors, d.nerrors == 1 ? "" : "s");
	return -1;
}

/*
 * The trace is opened before Bochs starts, so that an output that cannot be written (a folder
 * that cannot be made, a device, one of the inputs) is said at once, not after a long run.
 * The folders above it are made (out/ on a fresh clone).
 */
static int open_output(struct run *r)
{
	struct hvt_err err = {0};
	struct hvt_writer_opts opts = {.zstd_level = r->zstd_level};
	if (!r->output)
		return 0;
	if (hvt_make_parents(r->output, &err) || !(r->writer = hvt_writer_open(r->output, &opts, &err))) {
		run_err("cannot write the trace: %s", err.msg);
		return -1;
	}
	return 0;
}

static void list_vms(const struct run *r)
{
	printf("%-3s %-31s %-5s %10s %10s %10s %8s %6s %s\n", "id", "name", "mode", "memory", "load", "entry",
	       "image", "weight", "devices");
	for (int i = 0; i < r->nvms; i++) {
		const struct run_vm *v = &r->vm[i];
		printf("%-3u %-31s %-5s %7lluKiB %#10llx %#10llx %8zu %6u uart%s%s", v->cfg.id, v->cfg.name,
		       v->cfg.mode == HVT_MODE_REAL ? "real" : "pm32", (unsigned long long)(v->cfg.mem_size >> 10),
		       (unsigned long long)v->cfg.load_addr, (unsigned long long)v->cfg.entry, v->image_size,
		       v->cfg.weight, v->input_size ? "+input" : "", v->cfg.flags & HVT_VM_PIT ? " pit" : "");
		if (v->cfg.insn_limit)
			printf(" limit=%llu", (unsigned long long)v->cfg.insn_limit);
		putchar('\n');
	}
	if (r->insn_limit)
		printf("system: stop after %llu guest instructions in all\n", (unsigned long long)r->insn_limit);
}

int main(int argc, char **argv)
{
	static struct run r;
	static char default_out[512];
	struct image_opts io = {.mem = 1 << 20, .load = UINT64_MAX, .entry = UINT64_MAX, .mode = "real"};
	uint64_t v;
	int no_trace = 0, check_only = 0;
	enum { O_NOTRACE = 256, O_MODE, O_MEM, O_LOAD, O_ENTRY, O_NAME, O_LIMIT, O_INPUT, O_TIMER, O_TIMEOUT, O_ZSTD, O_CPU,
	       O_TSIZE, O_TPIO, O_HV, O_KEEP, O_CHECK, O_SCHEMA, O_TEST_PANIC,
	       O_TEST_PANIC2, O_GDB, O_GDB_VM };
	static const struct option longopts[] = {
		{"output", required_argument, 0, 'o'},   {"no-trace", no_argument, 0, O_NOTRACE},
		{"mode", required_argument, 0, O_MODE},  {"mem", required_argument, 0, O_MEM},
		{"load", required_argument, 0, O_LOAD},  {"entry", required_argument, 0, O_ENTRY},
		{"name", required_argument, 0, O_NAME},  {"insn-limit", required_argument, 0, O_LIMIT},
		{"input", required_argument, 0, O_INPUT}, {"timer", no_argument, 0, O_TIMER},
		{"timeout", required_argument, 0, O_TIMEOUT}, {"zstd", required_argument, 0, O_ZSTD},
		{"cpu", required_argument, 0, O_CPU},    {"trace-size", required_argument, 0, O_TSIZE},
		{"trace-pio", no_argument, 0, O_TPIO},
		{"hv", required_argument, 0, O_HV},      {"keep", no_argument, 0, O_KEEP},
		{"check", no_argument, 0, O_CHECK},      {"schema", no_argument, 0, O_SCHEMA},
		{"gdb", required_argument, 0, O_GDB},    {"gdb-vm", required_argument, 0, O_GDB_VM},
		{"quiet", no_argument, 0, 'q'},          {"help", no_argument, 0, 'h'},
		/* Not in --help: makes the hypervisor PANIC on purpose (tests/system/hostile-cpu.sh). */
		{"hv-test-panic-insns", required_argument, 0, O_TEST_PANIC},
		{"hv-test-panic-twice", no_argument, 0, O_TEST_PANIC2},
		{0, 0, 0, 0},
	};

	r.timeout = 120;
	r.zstd_level = 3; /* chunks and sections shrink 2-4x; hvtrace stat still decodes > 30 M exits/s */
	r.cpu_model = "corei7_skylake_x";
	r.trace_mib = 8192; /* sparse: costs what the run writes; at most ~8 GiB of CHS geometry */
	int c, idx;
	while ((c = getopt_long(argc, argv, "o:qh", longopts, &idx)) != -1) {
		if (c >= O_MODE && c <= O_TIMER && !io.given)
			io.given = longopts[idx].name;
		switch (c) {
		case 'o':
			r.output = optarg;
			break;
		case O_TPIO:
			r.trace_pio = 1;
			break;
		case O_NOTRACE:
			no_trace = 1;
			break;
		case O_MODE:
			io.mode = optarg;
			if (strcmp(io.mode, "real") && strcmp(io.mode, "pm32")) {
				run_err("--mode: '%s' is not real or pm32", io.mode);
				return RUN_USAGE;
			}
			break;
		case O_MEM:
			if (parse_num("--mem", optarg, RUN_VM_MEM_MIN, RUN_VM_MEM_MAX, HVT_NUM_SIZE, &io.mem))
				return RUN_USAGE;
			break;
		case O_LOAD: /* below the memory's end: checked once --mem is known */
			if (parse_num("--load", optarg, 0, RUN_VM_MEM_MAX - 1, 0, &io.load))
				return RUN_USAGE;
			break;
		case O_ENTRY:
			if (parse_num("--entry", optarg, 0, RUN_VM_MEM_MAX - 1, 0, &io.entry))
				return RUN_USAGE;
			break;
		case O_NAME:
			io.name = optarg;
			if (!hvt_name_ok(io.name)) {
				char safe[256];
				run_err("--name: '%s' is not a VM name (1 to %d of A-Z a-z 0-9 _ . -)",
					hvt_sanitize_str(safe, sizeof(safe), io.name), HVT_NAME_MAX);
				return RUN_USAGE;
			}
			break;
		case O_LIMIT: /* 0 would mean "no limit": leave the option out for that */
			if (parse_num("--insn-limit", optarg, 1, UINT64_MAX, 0, &io.limit))
				return RUN_USAGE;
			break;
		case O_INPUT:
			io.input = optarg;
			break;
		case O_TIMER:
			io.timer = 1;
			break;
		case O_TIMEOUT:
			if (parse_num("--timeout", optarg, 1, 1000000, 0, &v))
				return RUN_USAGE;
			r.timeout = (double)v;
			break;
		case O_ZSTD:
			if (parse_num("--zstd", optarg, 0, 19, 0, &v))
				return RUN_USAGE;
			r.zstd_level = (int)v;
			break;
		case O_CPU: /* goes into the bochsrc: a model name, nothing else ("cpu: model=...") */
			r.cpu_model = optarg;
			if (!hvt_name_ok(r.cpu_model)) {
				char safe[256];
				run_err("--cpu: '%s' is not a Bochs CPU model name (see 'bochs --help cpu')",
					hvt_sanitize_str(safe, sizeof(safe), r.cpu_model));
				return RUN_USAGE;
			}
			break;
		case O_TSIZE:
			if (parse_num("--trace-size", optarg, 1, 8192, 0, &r.trace_mib))
				return RUN_USAGE;
			break;
		case O_HV:
			r.hv_path = optarg;
			break;
		case O_KEEP:
			r.keep = 1;
			break;
		case O_CHECK:
			check_only = 1;
			break;
		case O_SCHEMA:
			fputs(vmdef_xsd, stdout);
			return hvt_finish_stdout("hvrun", 0, RUN_HV_FAILED);
		case O_TEST_PANIC:
			if (parse_num("--hv-test-panic-insns", optarg, 1, UINT32_MAX, 0, &v))
				return RUN_USAGE;
			r.test_panic_insns = (uint32_t)v;
			break;
		case O_GDB:
			if (parse_num("--gdb", optarg, 1, 65535, 0, &v))
				return RUN_USAGE;
			r.gdb_port = (unsigned)v;
			break;
		case O_GDB_VM:
			if (parse_num("--gdb-vm", optarg, 0, HVT_MAX_VMS - 1, 0, &v))
				return RUN_USAGE;
			r.gdb_vm = (unsigned)v;
			break;
		case O_TEST_PANIC2:
			r.test_panic_twice = 1;
			break;
		case 'q':
			r.quiet = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			hvt_print_exit_statuses(stdout);
			return hvt_finish_stdout("hvrun", 0, RUN_HV_FAILED);
		default:
			fputs(usage, stderr);
			return RUN_USAGE;
		}
	}

	int nargs = argc - optind, ndefs = 0;
	for (int i = optind; i < argc; i++)
		ndefs += vmdef_is_definition(argv[i]);
	if (nargs == 0) {
		run_err("no guest image given");
		fputs(usage, stderr);
		return RUN_USAGE;
	}
	if (ndefs && ndefs != nargs) {
		run_err("either one guest image or XML definitions (*.xml), not both");
		return RUN_USAGE;
	}
	if (!ndefs && nargs > 1) {
		run_err("one guest image at a time (got %d); several VMs want an XML system file", nargs);
		fputs(usage, stderr);
		return RUN_USAGE;
	}
	if (ndefs && io.given) {
		run_err("--%s is for a bare guest image; an XML definition says it itself (docs/vm-definitions.md)",
			io.given);
		return RUN_USAGE;
	}
	if (check_only && !ndefs) {
		run_err("--check is for XML definitions");
		return RUN_USAGE;
	}
	if (ndefs ? setup_definitions(&r, argv + optind, nargs) : setup_image(&r, &io, argv[optind])) {
		run_free_vms(&r);
		return RUN_USAGE;
	}
	if (r.gdb_port && r.gdb_vm >= (unsigned)r.nvms) {
		run_err("--gdb-vm %u: there are %d VMs (0 to %d)", r.gdb_vm, r.nvms, r.nvms - 1);
		run_free_vms(&r);
		return RUN_USAGE;
	}
	if (check_only) {
		list_vms(&r);
		run_free_vms(&r);
		return hvt_finish_stdout("hvrun", 0, RUN_HV_FAILED);
	}

	if (!no_trace && !r.output) {
		char base[256];
		snprintf(base, sizeof(base), "%s", ndefs ? basename(argv[optind]) : r.vm[0].cfg.name);
		if (ndefs)
			base[strlen(base) - 4] = 0; /* .xml */
		snprintf(default_out, sizeof(default_out), "out/%s.hvt", base);
		r.output = default_out;
	}
	if (no_trace)
		r.output = NULL;
	if (!r.hv_path && !(r.hv_path = find_hv())) {
		run_err("cannot find the hypervisor image hv.elf32 (build it with 'make', or pass --hv FILE)");
		run_free_vms(&r);
		return RUN_USAGE;
	}
	if (run_read_hv(&r) || open_output(&r)) {
		run_cleanup(&r);
		run_free_vms(&r);
		return RUN_USAGE;
	}

	int status;
	if (run_check_tools()) {
		status = RUN_HV_FAILED;
	} else if (run_prepare(&r) || run_bochs(&r)) {
		status = RUN_HV_FAILED;
	} else {
		report_stops(&r);
		status = run_exit_status(&r);
		if (r.output && run_trace(&r))
			status = status == RUN_OK ? RUN_HV_FAILED : status;
	}
	if (r.interrupted && status == RUN_OK)
		status = RUN_HV_FAILED;
	hvt_writer_discard(r.writer); /* run_trace closed it, unless the run failed before */
	run_cleanup(&r);
	run_free_vms(&r);
	return hvt_finish_stdout("hvrun", status, RUN_HV_FAILED);
}
