# gdb/ - the GDB remote protocol layer (rsp.c, freestanding, shared with the hypervisor's live
# stub), the target descriptions (tdesc.c, from regs_desc.h), and the replay stub's target layer
# (replay_*.c, linked into hvreplay as `hvreplay gdb`). Included from the top-level Makefile.
#
#   make replay-gdb TRACE=file.hvt [VM=n]   the stub and a gdb attached to it (docs/debugger.md)

GDB_OBJDIR := $(BUILD)/obj/gdb
GDB_LIB := $(BUILD)/lib/libgdbrsp.a
GDB_LIB_SRCS := gdb/rsp.c gdb/tdesc.c
GDB_LIB_OBJS := $(patsubst gdb/%.c,$(GDB_OBJDIR)/%.o,$(GDB_LIB_SRCS))
HOST_LIBS_ALL += $(GDB_LIB)

# The protocol layer must stay freestanding (the hypervisor links it): -ffreestanding, and
# gdb-freestanding-check fails if it references anything beyond the mem* the hypervisor has.
$(GDB_LIB_OBJS): $(GDB_OBJDIR)/%.o: gdb/%.c $(wildcard gdb/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -ffreestanding -Igdb -c -o $@ $<

$(GDB_LIB): $(GDB_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

.PHONY: gdb-freestanding-check replay-gdb
gdb-freestanding-check: $(GDB_LIB_OBJS)
	@undef=$$(nm -u $(GDB_LIB_OBJS) | awk 'NF == 2 { print $$2 }' | grep -v -E '^(memset|memcpy|memmove|memcmp|__(a|ub)san_.*|__asan_.*)$$' | sort -u); \
	if [ -n "$$undef" ]; then echo "gdb/rsp.c, gdb/tdesc.c must be freestanding; they use: $$undef"; exit 1; fi

UNIT_GDB_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/check_gdb*.c))
$(UNIT_GDB_BINS): CHECK_CFLAGS += -Igdb
$(UNIT_GDB_BINS): $(GDB_LIB) $(wildcard gdb/*.h)
check-unit: gdb-freestanding-check
