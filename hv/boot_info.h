/* boot_info.h - what the boot loader handed over: modules and usable memory. */
#ifndef HV_BOOT_INFO_H
#define HV_BOOT_INFO_H

#include <stdint.h>

#define BOOT_MAX_MODULES 48 /* the manifest, 16 images, 16 inputs, and room */

struct boot_module {
	uint64_t start, end; /* physical, [start, end) */
	const char *cmdline;  /* the name GRUB's module2 line gave it */
};

struct boot_info {
	const char *loader; /* "multiboot2" or "multiboot1" */
	int nmodules;
	struct boot_module modules[BOOT_MAX_MODULES];
	uint64_t mem_lo, mem_hi; /* the largest usable RAM range below 4 GiB */
};

/* Returns 0, or -1 with a message printed when the magic or the structure is not understood. */
int boot_info_parse(uint32_t magic, uint32_t info, struct boot_info *bi);
const struct boot_module *boot_module_find(const struct boot_info *bi, const char *name);

#endif
