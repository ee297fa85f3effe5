/*
 * boot_info.c - read the Multiboot2 (GRUB) or Multiboot1 (QEMU -kernel) information structure.
 * Multiboot2: a list of 8-byte-aligned tags {type, size}; type 3 = module, 6 = memory map,
 * 0 = end. Multiboot1: flags bit 3 = modules, bit 6 = memory map (mmap entries are prefixed by
 * their own size).
 */
#include "boot_info.h"

#include "lib.h"

#define MB1_BOOT_MAGIC 0x2badb002u
#define MB2_BOOT_MAGIC 0x36d76289u

static void note_ram(struct boot_info *bi, uint64_t base, uint64_t len)
{
	if (base >= 0x100000000ull)
		return;
	if (base + len > 0x100000000ull)
		len = 0x100000000ull - base;
	if (len > bi->mem_hi - bi->mem_lo) {
		bi->mem_lo = base;
		bi->mem_hi = base + len;
	}
}

static void add_module(struct boot_info *bi, uint64_t start, uint64_t end, const char *cmd)
{
	if (bi->nmodules == BOOT_MAX_MODULES) {
		hv_printf("hv: more than %d boot modules, ignoring '%s'", BOOT_MAX_MODULES, cmd);
		return;
	}
	bi->modules[bi->nmodules++] = (struct boot_module){start, end, cmd};
}

static void parse_mb2(uint32_t info, struct boot_info *bi)
{
	uint32_t total = *(uint32_t *)(uint64_t)info;
	uint8_t *p = (uint8_t *)(uint64_t)info + 8, *end = (uint8_t *)(uint64_t)info + total;

	bi->loader = "multiboot2";
	while (p + 8 <= end) {
		uint32_t type = ((uint32_t *)p)[0], size = ((uint32_t *)p)[1];
		if (type == 0 || size < 8)
			break;
		if (type == 3) {
			uint32_t *m = (uint32_t *)p;
			add_module(bi, m[2], m[3], (const char *)(p + 16));
		} else if (type == 6) {
			uint32_t entry_size = ((uint32_t *)p)[2];
			for (uint8_t *e = p + 16; e + 24 <= p + size; e += entry_size)
				if (*(uint32_t *)(e + 16) == 1)
					note_ram(bi, *(uint64_t *)e, *(uint64_t *)(e + 8));
		}
		p += ALIGN_UP(size, 8);
	}
}

static void parse_mb1(uint32_t info, struct boot_info *bi)
{
	uint32_t *mb = (uint32_t *)(uint64_t)info;

	bi->loader = "multiboot1";
	if (mb[0] & (1u << 3)) {
		uint32_t *m = (uint32_t *)(uint64_t)mb[6];
		for (uint32_t i = 0; i < mb[5]; i++, m += 4)
			add_module(bi, m[0], m[1], m[2] ? (const char *)(uint64_t)m[2] : "");
	}
	if (mb[0] & (1u << 6)) {
		uint8_t *e = (uint8_t *)(uint64_t)mb[12], *end = e + mb[11];
		while (e < end) {
			uint32_t size = *(uint32_t *)e;
			if (*(uint32_t *)(e + 20) == 1)
				note_ram(bi, *(uint64_t *)(e + 4), *(uint64_t *)(e + 12));
			e += size + 4;
		}
	} else if (mb[0] & 1u) {
		note_ram(bi, 0x100000, (uint64_t)mb[2] * 1024);
	}
}

int boot_info_parse(uint32_t magic, uint32_t info, struct boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	if (magic == MB2_BOOT_MAGIC)
		parse_mb2(info, bi);
	else if (magic == MB1_BOOT_MAGIC)
		parse_mb1(info, bi);
	else {
		hv_printf("hv: not started by a multiboot loader (magic %x)", magic);
		return -1;
	}
	return 0;
}

const struct boot_module *boot_module_find(const struct boot_info *bi, const char *name)
{
	for (int i = 0; i < bi->nmodules; i++) {
		const char *c = bi->modules[i].cmdline;
		/* the command line may carry a path first ("/boot/x name"): match the last word */
		const char *last = c;
		for (const char *s = c; *s; s++)
			if (*s == ' ')
				last = s + 1;
		if (!strcmp(last, name))
			return &bi->modules[i];
	}
	return 0;
}
