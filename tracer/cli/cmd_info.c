/*
 * cmd_info.c - `hvtrace info`: what a trace holds and whether it is healthy.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/hvtool.h"
#include "hvtrace.h"

static void help(FILE *f)
{
	fprintf(f, "usage: hvtrace info FILE\n\n"
		   "Print the file header, the recorder section, the VMX capability MSRs, each VM's\n"
		   "configuration, the numbers of events, exits and guest instructions, and the file's health.\n");
}

/* SDM Vol. 3D, Appendix A: the VMX capability MSRs from 0x480. */
static const char *const vmx_msr_names[HVT_VMX_MSR_COUNT] = {
	"IA32_VMX_BASIC", "IA32_VMX_PINBASED_CTLS", "IA32_VMX_PROCBASED_CTLS", "IA32_VMX_EXIT_CTLS",
	"IA32_VMX_ENTRY_CTLS", "IA32_VMX_MISC", "IA32_VMX_CR0_FIXED0", "IA32_VMX_CR0_FIXED1",
	"IA32_VMX_CR4_FIXED0", "IA32_VMX_CR4_FIXED1", "IA32_VMX_VMCS_ENUM", "IA32_VMX_PROCBASED_CTLS2",
	"IA32_VMX_EPT_VPID_CAP", "IA32_VMX_TRUE_PINBASED_CTLS", "IA32_VMX_TRUE_PROCBASED_CTLS",
	"IA32_VMX_TRUE_EXIT_CTLS", "IA32_VMX_TRUE_ENTRY_CTLS", "IA32_VMX_VMFUNC",
	"IA32_VMX_PROCBASED_CTLS3", "IA32_VMX_EXIT_CTLS2",
};

static void show_recorder(struct hvt_reader *r)
{
	int i = hvt_reader_section_find(r, HVT_SEC_RECORDER, HVT_NO_VM);
	uint8_t *d;
	size_t n;
	struct hvt_err err;

	if (i < 0 || hvt_reader_section_load(r, (uint32_t)i, 1 << 20, &d, &n, &err)) {
		printf("recorder:     %s\n", i < 0 ? "(none)" : "(unreadable)");
		return;
	}
	printf("recorder:\n");
	for (char *line = (char *)d, *nl; line && *line; line = nl) {
		nl = strchr(line, '\n');
		char safe[4 * 1024 + 1]; /* recorder text comes from the trace: sanitized */
		if (nl)
			*nl++ = 0;
		printf("  %s\n", hvt_sanitize_str(safe, sizeof(safe), line));
	}
	free(d);
}

static void show_vmxcaps(struct hvt_reader *r)
{
	int i = hvt_reader_section_find(r, HVT_SEC_VMXCAPS, HVT_NO_VM);
	uint64_t msr[HVT_VMX_MSR_COUNT] = { 0 };
	uint8_t *d;
	size_t n;
	struct hvt_err err;

	if (i < 0 || hvt_reader_section_load(r, (uint32_t)i, 4096, &d, &n, &err)) {
		printf("vmx caps:     %s\n", i < 0 ? "(none)" : "(unreadable)");
		return;
	}
	memcpy(msr, d, n < sizeof(msr) ? n : sizeof(msr));
	free(d);
	printf("vmx caps:\n");
	for (unsigned k = 0; k < HVT_VMX_MSR_COUNT; k++)
		if (msr[k])
			printf("  %#x %-30s %#018llx\n", HVT_VMX_MSR_FIRST + k, vmx_msr_names[k],
			       (unsigned long long)msr[k]);
	if (msr[0])
		printf("  (VMCS revision %#x, region %u bytes)\n", (unsigned)(msr[0] & 0x7fffffff),
		       (unsigned)(msr[0] >> 32 & 0x1fff));
}

static void show_vms(struct hvt_reader *r)
{
	static const char *const modes[] = { "real", "prot32", "long64" };
	unsigned nvm = 0, shown = 0;
	uint32_t memory = 0, state = 0; /* one bit per VM: one pass, not a search per VM */
	uint32_t state_sec[HVT_MAX_VMS] = { 0 };

	for (uint32_t i = 0; i < hvt_reader_nsections(r); i++) {
		const struct hvt_section_info *s = hvt_reader_section(r, i);
		nvm += s->type == HVT_SEC_VM_CONFIG;
		if (s->vm < HVT_MAX_VMS && s->type == HVT_SEC_VM_MEMORY)
			memory |= 1u << s->vm;
		if (s->vm < HVT_MAX_VMS && s->type == HVT_SEC_VM_STATE) {
			state |= 1u << s->vm;
			state_sec[s->vm] = i;
		}
	}
	printf("VMs:          %u\n", nvm);
	for (uint32_t i = 0; i < hvt_reader_nsections(r); i++) {
		const struct hvt_section_info *s = hvt_reader_section(r, i);
		struct hvt_vm_config c;
		struct hvt_err err;
		char name[33], safe[33 * 4 + 1];

		if (s->type != HVT_SEC_VM_CONFIG)
			continue;
		if (shown++ == HVT_MAX_VMS) { /* a trace holds at most 16 VMs: check says what is wrong */
			printf("  ... %u more configurations\n", nvm - HVT_MAX_VMS);
			break;
		}
		if (hvt_reader_section_struct(r, i, &c, sizeof(c), &err))
			continue;
		memcpy(name, c.name, 32);
		name[32] = 0;
		hvt_sanitize_str(safe, sizeof(safe), name);
		printf("  vm%-2u %-12s mode=%s mem=%llu KiB load=%#llx entry=%#llx image=%llu bytes crc=%08x weight=%u",
		       c.id, safe, c.mode < 3 ? modes[c.mode] : "?", (unsigned long long)(c.mem_size >> 10),
		       (unsigned long long)c.load_addr, (unsigned long long)c.entry,
		       (unsigned long long)c.image_size, c.image_crc, c.weight);
		if (c.insn_limit)
			printf(" limit=%llu", (unsigned long long)c.insn_limit);
		printf("%s%s", c.id < HVT_MAX_VMS && (memory >> c.id & 1) ? " +memory" : "",
		       c.id < HVT_MAX_VMS && (state >> c.id & 1) ? " +state" : "");
		/* trace minor 2: the x87/SSE state the VM starts with */
		if (c.id < HVT_MAX_VMS && (state >> c.id & 1)) {
			struct hvt_vm_state st;
			if (!hvt_reader_section_struct(r, state_sec[c.id], &st, sizeof(st), &err) &&
			    hvt_reader_section(r, state_sec[c.id])->raw_size >= sizeof(st))
				printf(" fcw=%#x fsw=%#x ftw=%#x mxcsr=%#x xcr0=%#llx", st.fcw, st.fsw, st.ftw, st.mxcsr,
				       (unsigned long long)st.xcr0);
		}
		printf("\n");
	}
}

int cmd_info(int argc, char **argv)
{
	const struct hvt_reader_info *in;
	struct hvt_reader *r;
	struct hvt_scan *s;
	struct hvt_err err = { 0 };
	uint64_t exits = 0, insns = 0;
	int c, rc, st;

	if ((c = parse_file_only(argc, argv, help)) >= 0)
		return c;
	if ((rc = open_trace(argv[optind], &r, 1)))
		return rc;
	in = hvt_reader_info(r);
	printf("file:         %s (%llu bytes)\n", argv[optind], (unsigned long long)in->file_size);
	printf("format:       %u.%u, required features: %s, flags: %s\n", in->hdr.major, in->hdr.minor,
	       in->hdr.required & HVT_REQ_ZSTD ? "zstd" : "none",
	       in->hdr.flags & HVT_FILE_COMPLETE ? "complete" : "incomplete recording");
	printf("sections:     %u (%u bytes before the first chunk)\n", in->hdr.nsections, in->hdr.header_size);
	show_recorder(r);
	show_vmxcaps(r);
	show_vms(r);
	s = calloc(1, sizeof(*s));
	st = s ? stat_scan(r, s, &err) : HVT_ENOMEM;
	if (s && st == HVT_OK)
		for (unsigned v = 0; v < HVT_MAX_VMS; v++) {
			insns += s->icount[v];
			for (unsigned k = 0; k < HVT_REASON_SLOTS; k++)
				exits += s->exits[v][k];
		}
	printf("events:       %llu in %zu chunks (index %s)\n", (unsigned long long)in->nevents, in->nchunks,
	       in->index_from_footer ? "from the footer" : "rebuilt by scanning");
	if (st == HVT_OK) {
		printf("exits:        %llu\n", (unsigned long long)exits);
		printf("instructions: %llu\n", (unsigned long long)insns);
		printf("bytes/exit:   %.2f\n", exits ? (double)in->file_size / (double)exits : 0.0);
	}
	uint64_t nev;
	int whole = st == HVT_OK ? check_whole(r, &nev, &err) : st;
	if (st == HVT_OK && whole != HVT_OK) /* the same verdict as `hvtrace check` */
		printf("health:       damaged: %s\n", err.msg);
	else if (st != HVT_OK)
		printf("health:       damaged: %s\n", err.msg);
	else if (in->problem.code)
		printf("health:       %s: %s\n", in->damaged ? "damaged" : "truncated", in->problem.msg);
	else
		printf("health:       ok\n");
	free(s);
	hvt_reader_close(r);
	return st == HVT_OK ? 0 : exit_code(st);
}
