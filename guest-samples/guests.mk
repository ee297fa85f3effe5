# guest-samples/guests.mk - builds every sample guest into $(BUILD)/guests/<name>.bin.
#
# A sample is <name>.S (assembly, through the C preprocessor) plus <name>.opts (the hvrun options
# it needs) and, when it can pass alone, <name>.test (what the system test expects); it is found
# by its .S file (ping and pong have no .test: they only pass together, in a system test).
# The load address comes from the --load option in <name>.opts (0x7C00, the BIOS boot address,
# if there is none), so the image is linked where the hypervisor will put it.
#
# Build: cpp -> GNU as --32 (one ELF32 object, .code16/.code32/.code64 inside) -> ld --oformat
# binary with guest.ld. The assembler is GNU as even when CC is clang, so the macros in
# guest.h mean the same thing everywhere.

GUEST_DIR := guest-samples
GUEST_OUT := $(BUILD)/guests
GUEST_AS ?= as
GUEST_LD ?= ld
GUEST_NAMES := $(sort $(basename $(notdir $(wildcard $(GUEST_DIR)/*.S))))
GUEST_BINS := $(GUEST_NAMES:%=$(GUEST_OUT)/%.bin)
GUEST_CPPFLAGS := -nostdinc -I$(GUEST_DIR) -I$(GUEST_OUT)

# $(call guest_load,name): the load address named in name.opts, or 0x7C00.
guest_load = $(or $(shell sed -n 's/.*--load[ =]*\(0x[0-9a-fA-F]*\).*/\1/p' \
	$(GUEST_DIR)/$(1).opts 2>/dev/null),0x7C00)

guests: $(GUEST_BINS)

$(GUEST_OUT):
	mkdir -p $@

# The hypercall numbers and CPUID signature as assembler constants, generated from the one
# header the hypervisor uses (see hypercall.inc.in).
$(GUEST_OUT)/hypercall.inc: $(GUEST_DIR)/hypercall.inc.in include/retrovisor/hypercall.h \
		| $(GUEST_OUT)
	$(CC) -E -P -x c -Iinclude $< | tr ';' '\n' | sed -n 's/^ *GUEST_ASM //p' \
		| sed -e 's/H\([CV]\)_x_/H\1_/' -e 's/\(0x[0-9a-fA-F]*\)u/\1/g' > $@.tmp
	mv $@.tmp $@

# The x86 architectural constants (CR0_PG, EFER_LME, PTE_PS, MSR_IA32_EFER, ...) as assembler
# constants, from their one home include/retrovisor/x86_arch.h: every object-like #define of
# that file whose value is a constant expression, with the C suffixes (1ull) dropped.
$(GUEST_OUT)/x86.inc: include/retrovisor/x86_arch.h | $(GUEST_OUT)
	$(CC) -E -dD -Iinclude $< | awk '/^# [0-9]+ "/ { f = $$3; next } \
		f ~ /x86_arch\.h"$$/ && $$1 == "#define" && $$2 ~ /^[A-Z][A-Z0-9_]*$$/ && NF > 2 \
		{ v = $$0; sub(/^#define [A-Z0-9_]+ +/, "", v); print "\t.equ " $$2 ", " v }' \
		| sed -E 's/\b(0[xX][0-9a-fA-F]+|[0-9]+)([uU][lL]{0,2}|[lL]{1,2}[uU]?)\b/\1/g' \
		| grep -v ', .*[g-wyz]' > $@.tmp
	mv $@.tmp $@

$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.S $(GUEST_OUT)/hypercall.inc $(GUEST_OUT)/x86.inc | $(GUEST_OUT)
	$(CC) -E -x assembler-with-cpp $(GUEST_CPPFLAGS) -DGUEST_NAME='"$*"' \
		-MMD -MP -MF $(GUEST_OUT)/$*.d -MT $@ $< -o $(GUEST_OUT)/$*.s
	$(GUEST_AS) --32 -o $@ $(GUEST_OUT)/$*.s

$(GUEST_OUT)/%.bin: $(GUEST_OUT)/%.o $(GUEST_DIR)/guest.ld $(GUEST_DIR)/%.opts
	$(GUEST_LD) -m elf_i386 -T $(GUEST_DIR)/guest.ld --defsym=LOAD_ADDR=$(call guest_load,$*) \
		--oformat binary -o $@ $<

-include $(GUEST_NAMES:%=$(GUEST_OUT)/%.d)
