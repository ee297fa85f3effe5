# hv/ - the hypervisor: freestanding 64-bit C, linked at 1 MiB, converted to ELF32 for the
# multiboot loaders (GRUB's multiboot2 and QEMU's multiboot1 both want a 32-bit ELF).

HV_BUILD := build/hv
HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-asynchronous-unwind-tables -fno-builtin \
	-Iinclude -Ihv
HV_C := $(wildcard hv/*.c)
HV_S := $(wildcard hv/*.S)
# The GDB protocol layer (gdb/rsp.c) and register descriptions (gdb/tdesc.c) are freestanding and
# shared with the replay stub: the live stub (hv/gdb_stub.c) links them too, built with hv's flags.
HV_GDB_C := gdb/rsp.c gdb/tdesc.c
HV_OBJS := $(patsubst %.c,$(HV_BUILD)/%.o,$(notdir $(HV_C))) $(patsubst %.S,$(HV_BUILD)/%.o,$(notdir $(HV_S))) \
	$(patsubst gdb/%.c,$(HV_BUILD)/gdb-%.o,$(HV_GDB_C))
HV_ELF := $(HV_BUILD)/hv.elf
HV_ELF32 := $(HV_BUILD)/hv.elf32

hv: $(HV_ELF32)

$(HV_BUILD)/%.o: hv/%.c $(wildcard hv/*.h include/retrovisor/*.h) | $(HV_BUILD)
	$(CC) $(HV_CFLAGS) -c -o $@ $<
$(HV_BUILD)/gdb-%.o: gdb/%.c $(wildcard gdb/*.h) | $(HV_BUILD)
	$(CC) $(HV_CFLAGS) -Igdb -c -o $@ $<
$(HV_BUILD)/gdb_%.o: HV_CFLAGS += -Igdb
$(HV_BUILD)/%.o: hv/%.S | $(HV_BUILD)
	$(CC) $(HV_CFLAGS) -c -o $@ $<
$(HV_ELF): $(HV_OBJS) hv/linker.ld
	$(LD) -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T hv/linker.ld -o $@ $(HV_OBJS)
$(HV_ELF32): $(HV_ELF)
	objcopy -O elf32-i386 $< $@
$(HV_BUILD):
	mkdir -p $@
include hv/hvdev.mk
