# gdb/ - the GDB remote protocol layer (rsp.c, freestanding, shared with the hypervisor's live
# stub), the target descriptions (tdesc.c, from regs_desc.h), and the replay stub's target layer
# (replay_*.c, linked into hvreplay as `hvreplay gdb`). Included from the top-level Makefile.
#
#   make replay-gdb TRACE=file.hvt [VM=n]   the stub and a gdb attached to it (docs/debugger.md)

GDB_OBJDIR := $(BUILD)/obj/gdb
GDB_LIB := $(BUILD)/lib/libgdbrsp.a
GDB_LIB_SRCS := gdb/rsp.c gdb/tdesc.c
GDB_LIB_OBJS := $(patsubst gdb/%.c,$(GDB_OBJDIR)/%.o,$(GDB_LIB_SRCS))
GDB_REPLAY_LIB := $(BUILD)/lib/libgdbreplay.a
# the replay target layer (below) needs the protocol layer: it comes first
HOST_LIBS_ALL += $(GDB_REPLAY_LIB) $(GDB_LIB)

# The protocol layer must stay freestanding (the hypervisor links it): -ffreestanding, and
# gdb-freestanding-check fails if it references anything beyond the mem* the hypervisor has.
$(GDB_LIB_OBJS): $(GDB_OBJDIR)/%.o: gdb/%.c $(wildcard gdb/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -ffreestanding -Igdb -MMD -MP -c -o $@ $<

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
$(UNIT_GDB_BINS): $(GDB_LIB) $(GDB_REPLAY_LIB) $(wildcard gdb/*.h)
check-unit: gdb-freestanding-check

# The replay stub's target layer and socket, linked into hvreplay (`hvreplay gdb`). They are users
# of the public replay header like hvreplay itself (no -Ireplay, -Itracer).
GDB_REPLAY_SRCS := gdb/replay_target.c gdb/replay_monitor.c gdb/replay_server.c
GDB_REPLAY_OBJS := $(patsubst gdb/%.c,$(GDB_OBJDIR)/%.o,$(GDB_REPLAY_SRCS))
$(GDB_REPLAY_OBJS): $(GDB_OBJDIR)/%.o: gdb/%.c $(wildcard gdb/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HVREPLAY_CFLAGS) -Igdb -MMD -MP -c -o $@ $<
$(GDB_REPLAY_LIB): $(GDB_REPLAY_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^
-include $(GDB_LIB_OBJS:.o=.d) $(GDB_REPLAY_OBJS:.o=.d)
REPLAY_CLI_OBJS += $(GDB_REPLAY_LIB) $(GDB_LIB)
$(BIN)/hvreplay: $(GDB_REPLAY_LIB) $(GDB_LIB)

# The stub and a gdb attached to it, in one command.
VM ?=
replay-gdb: $(BIN)/hvreplay
	@test -n "$(TRACE)" || { echo "usage: make replay-gdb TRACE=file.hvt [VM=n]"; exit 64; }
	@scripts/replay-gdb.sh $(BIN)/hvreplay "$(TRACE)" $(VM)

# The protocol layer on fuzzed client bytes (gdb/fuzz_rsp.c); check-fuzz runs it for
# FUZZ_RSP_TIME s on seeds of real gdb packets.
FUZZ_RSP_TIME ?= 10
$(FUZZ_DIR)/fuzz_rsp: gdb/fuzz_rsp.c $(GDB_LIB_SRCS) $(wildcard gdb/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Igdb -o $@ $< $(GDB_LIB_SRCS)
.PHONY: check-fuzz-rsp
check-fuzz-rsp: $(FUZZ_DIR)/fuzz_rsp
	@rm -rf $(FUZZ_DIR)/rsp-seeds
	@mkdir -p $(FUZZ_DIR)/rsp-seeds $(FUZZ_DIR)/rsp-corpus
	@printf '+$$qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+#c9$$vCont?#49$$g#67' >$(FUZZ_DIR)/rsp-seeds/start
	@printf '$$m7c00,40#fd$$X7c00,4:}]}\003ab#00$$Z2,7bfc,4#00$$vCont;s:1;c#00\003$$bc#c5' >$(FUZZ_DIR)/rsp-seeds/run
	@printf '$$qXfer:features:read:target.xml:0,ffb#79$$qRcmd,68656c70#fc$$a*"#00$$P10=0011*!#00' >$(FUZZ_DIR)/rsp-seeds/query
	$(FUZZ_DIR)/fuzz_rsp -max_total_time=$(FUZZ_RSP_TIME) -max_len=4096 -rss_limit_mb=2048 \
		-artifact_prefix=$(FUZZ_DIR)/rsp- $(FUZZ_DIR)/rsp-corpus $(FUZZ_DIR)/rsp-seeds
check-fuzz: check-fuzz-rsp
