/*
 * run.h - hvrun, the runner: from guest images to a Bochs run of the hypervisor to a .hvt file.
 *
 *   run_prepare   (run_image.c)  manifest, GRUB ISO, trace disk and bochsrc in a run directory
 *   run_bochs     (run_bochs.c)  start Bochs, stream the framed debug port, enforce the timeout
 *   run_trace     (run_trace.c)  the trace disk plus what the runner knows, as one .hvt file
 *   vmdef_load    (vmdef.c)      VM definitions in XML (runner/schema/retrovisor.xsd) -> VMs
 *   run_err ...   (run_util.c)   messages, files, the --input escapes
 */
#ifndef RUNNER_RUN_H
#define RUNNER_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "retrovisor/exit_status.h"
#include "retrovisor/manifest.h"
#include "retrovisor/trace_format.h"

/* hvrun's exit status: what the run as a whole came to (retrovisor/exit_status.h). */
#define RUN_OK RV_EXIT_OK                /* every VM ended normally */
#define RUN_GUEST_FAILED RV_EXIT_NO      /* a guest reported failure (shutdown, non-zero status) */
#define RUN_GUEST_STOPPED RV_EXIT_BROKEN /* the hypervisor stopped a guest (fault, bad access, ...) */
#define RUN_TIMEOUT RV_EXIT_TIMEOUT      /* the run did not end within --timeout */
#define RUN_HV_FAILED RV_EXIT_FAILED     /* the hypervisor or Bochs could not run, an output failed */
#define RUN_USAGE RV_EXIT_USAGE          /* bad command line or input files */

#define RUN_INPUT_MAX 65536 /* bytes of scripted UART input per VM */
/* A VM's memory: what --mem and <memory> accept, and what a trace may claim (replay allocates it). */
#define RUN_VM_MEM_MIN (64u << 10)
#define RUN_VM_MEM_MAX HVT_VM_MEM_MAX
/* Bochs 2.7 emulates at most 2048 MiB ("megs"); the hypervisor keeps 64 of them (run_image.c). */
#define RUN_BOCHS_MEGS_MAX 2048
#define RUN_HV_MEGS 64

/*
 * Bochs's clock, as every run sets it (the bochsrc, run_image.c) and as its trace records it
 * (the RECORDER section, run_trace.c): ips instructions per emulated second, and emulated time
 * driven by instructions alone (sync=none) from a fixed start (time0, 2000-01-01 00:00 UTC), so
 * that two runs of the same guests are the same run (shared/BOCHS-NOTES.md, determinism.sh).
 */
#define RUN_BOCHS_IPS "50000000"
#define RUN_BOCHS_SYNC "none"
#define RUN_BOCHS_TIME0 "946684800"

struct run_vm {
	struct hvt_vm_config cfg;
	char *image_path;      /* malloc'd */
	uint8_t *image;
	size_t image_size;
	uint8_t *input;        /* scripted UART input: module vm<N>.input; NULL: none */
	size_t input_size;
	char *def_file;        /* where the VM was defined (XML), for messages; NULL: command line */
	int def_line;
	char *bus_send;        /* <bus>: the VMs it may send to, one name a line; NULL: every VM */
	int bus_line;
	uint32_t send_to;      /* bus_send resolved (vmdef_resolve_bus): bit j, may send to VM j */
	/* filled while running */
	int stopped;
	unsigned why;
	uint64_t status, detail;
};

struct hvt_writer;

struct run {
	/* options */
	const char *output;    /* .hvt path, NULL: no trace */
	struct hvt_writer *writer; /* open on output from before the run (hvrun.c); NULL: none */
	double timeout;        /* seconds */
	const char *cpu_model;
	const char *hv_path;   /* hv.elf32 */
	uint8_t *hv;           /* its bytes, read before the run (run_read_hv) */
	size_t hv_size;
	int keep;              /* keep the run directory */
	int quiet;
	int zstd_level;
	uint64_t trace_mib;    /* trace disk size */
	int trace_pio;         /* the hypervisor writes the trace disk by PIO, not DMA */
	uint64_t insn_limit;   /* all VMs together (<system instructions=...>), 0: none */
	uint32_t test_panic_insns; /* test only: --hv-test-panic-insns (manifest.h), 0: none */
	int test_panic_twice;      /* test only: --hv-test-panic-twice */
	unsigned gdb_port;     /* --gdb PORT: a GDB stub on 127.0.0.1:PORT (hv/gdb.h), 0: none */
	unsigned gdb_vm;       /* --gdb-vm N: the VM it debugs */
	/* VMs */
	int nvms;
	struct run_vm vm[HVT_MAX_VMS];
	/* state */
	char dir[256];        /* run directory */
	int hv_done;           /* the hypervisor's D line was seen */
	int hv_status;
	int timed_out;
	int interrupted;
	int bochs_status;
};

int run_read_hv(struct run *r);
int run_prepare(struct run *r);
int run_bochs(struct run *r);
int run_trace(struct run *r);
void run_cleanup(struct run *r);
void run_free_vms(struct run *r);

/* Shared helpers (run_util.c; run_in_path in run_bochs.c). */
void run_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int run_write_file(const char *path, const void *data, size_t len);
int run_in_path(const char *prog);
/* Run argv (PATH searched) in dir with stdout and stderr to log (NULL: /dev/null): its exit
 * status, 127 if it could not start, 128 if killed, -1 if fork failed. */
/* run_gdb.c: hvrun --gdb, the host's debugger port relayed into Bochs's network namespace. */
int gdb_listen(unsigned port);        /* 127.0.0.1:port bound and listening, or -1 (said why) */
int gdb_netns(void);                  /* this process into a new network namespace, loopback up */
void gdb_relay(int lfd, unsigned port) __attribute__((noreturn));
int run_exec(const char *dir, const char *log, char *const argv[]);
int run_remove_tree(const char *dir);
int run_unescape(const char *s, uint8_t **out, size_t *len, char *why, size_t whylen);

#endif
