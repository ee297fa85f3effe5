# tracer/ - libhvtrace (record encoder/decoder, .hvt writer and reader, trace disk import and
# its capture converter, synthetic traces) and the hvtrace tool. Included from the top-level
# Makefile.
#
# A program that reads traces uses only the public headers include/retrovisor/hvtrace.h and
# hvtool.h (hvtrace_writer.h to write them): compile with $(HVTRACE_CFLAGS), link with
# $(HVTRACE_LIBS). The tool, hvrun and the examples build that way, without -Itracer, so they
# cannot reach the library's private headers; only the library's own rules (and the tools and
# tests that exercise its encoder) add -Itracer.
#
#   make build/bin/hvtrace      the tool
#   make check-fuzz             the fuzzers for FUZZ_TIME (60) s in all: the reader (2/3) on seeds
#                               made by `hvtrace synth`, the capture converter (1/3) on seeds made
#                               by tracer/fuzz/capture_seeds.c; then the replay engine on fuzzed
#                               guest code for FUZZ_REPLAY_TIME (15) s

TRACER_LIB := $(BUILD)/lib/libhvtrace.a
TRACER_OBJDIR := $(BUILD)/obj/tracer
TRACER_LIB_SRCS := $(wildcard tracer/*.c)
TRACER_CLI_SRCS := $(wildcard tracer/cli/*.c)
TRACER_LIB_OBJS := $(patsubst tracer/%.c,$(TRACER_OBJDIR)/%.o,$(TRACER_LIB_SRCS))
TRACER_CLI_OBJS := $(patsubst tracer/cli/%.c,$(TRACER_OBJDIR)/cli/%.o,$(TRACER_CLI_SRCS))
XML2_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || xml2-config --cflags)
XML2_LIBS := $(shell pkg-config --libs libxml-2.0 2>/dev/null || xml2-config --libs)
TRACER_LDLIBS := -lzstd -lz $(XML2_LIBS) -pthread
HVTRACE_CFLAGS := $(HOST_CFLAGS)
HVTRACE_LIBS := $(TRACER_LIB) -lzstd -lz -pthread
HOST_LIBS_ALL += $(TRACER_LIB)

$(TRACER_OBJDIR)/%.o: tracer/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itracer $(XML2_CFLAGS) -MMD -MP -c -o $@ $<

# hvtrace itself: the public headers only.
$(TRACER_OBJDIR)/cli/%.o: tracer/cli/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HVTRACE_CFLAGS) $(XML2_CFLAGS) -MMD -MP -c -o $@ $<

-include $(TRACER_LIB_OBJS:.o=.d) $(TRACER_CLI_OBJS:.o=.d)

$(TRACER_LIB): $(TRACER_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN)/hvtrace: $(TRACER_CLI_OBJS) $(TRACER_LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(TRACER_CLI_OBJS) $(HVTRACE_LIBS) $(XML2_LIBS) $(HOST_LDFLAGS)

host: $(BIN)/hvtrace

# The hostile-trace maker of tests/system/hostile-inputs.sh (tracer/fuzz/trace_hostile.c).
$(BUILD)/tests/trace_hostile: tracer/fuzz/trace_hostile.c $(TRACER_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itracer -o $@ $< $(TRACER_LIB) $(TRACER_LDLIBS) $(HOST_LDFLAGS)
host: $(BUILD)/tests/trace_hostile

# The fuzzers build the library sources themselves with clang's libFuzzer instrumentation.
FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_TIME ?= 60
FUZZ_CAPTURE_TIME := $(shell expr $(FUZZ_TIME) / 3)
FUZZ_READER_TIME := $(shell expr $(FUZZ_TIME) - $(FUZZ_CAPTURE_TIME))
FUZZ_FLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -Iinclude -Itracer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(FUZZ_DIR)/fuzz_%: tracer/fuzz/fuzz_%.c $(wildcard tracer/fuzz/*.h) $(TRACER_LIB_SRCS) $(wildcard tracer/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(TRACER_LIB_SRCS) -lzstd -lz

# The replay engine on fuzzed guest code (tracer/fuzz/fuzz_replay.c): the engine's sources and the
# device models it uses (hv/hvdev.mk) built with the fuzzer's instrumentation, Unicorn and
# Capstone as they are. check-fuzz runs it for FUZZ_REPLAY_TIME (15) s; check-fuzz-replay for
# FUZZ_TIME, for longer runs by hand.
FUZZ_REPLAY_TIME ?= 15
FUZZ_REPLAY_RUN = $(FUZZ_DIR)/fuzz_replay -max_len=4097 -rss_limit_mb=2048 -timeout=10 \
	-artifact_prefix=$(FUZZ_DIR)/replay- $(FUZZ_DIR)/replay-corpus
$(FUZZ_DIR)/fuzz_replay: tracer/fuzz/fuzz_replay.c $(TRACER_LIB_SRCS) $(wildcard tracer/*.h) $(wildcard replay/*.c replay/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ireplay -Ihv $(shell pkg-config --cflags unicorn capstone 2>/dev/null) -o $@ $< \
		$(TRACER_LIB_SRCS) $(wildcard replay/*.c) $(HVDEV_SRCS) -lzstd -lz \
		$(shell pkg-config --libs unicorn capstone 2>/dev/null || echo -lunicorn -lcapstone)
check-fuzz-replay: $(FUZZ_DIR)/fuzz_replay
	@mkdir -p $(FUZZ_DIR)/replay-corpus
	$(FUZZ_REPLAY_RUN) -max_total_time=$(FUZZ_TIME)

$(FUZZ_DIR)/capture_seeds: tracer/fuzz/capture_seeds.c tracer/fuzz/fuzz_capture.h $(wildcard include/retrovisor/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $<

# Seeds: small valid traces (plain and zstd, one and several VMs) and capture streams; crashes
# land in $(FUZZ_DIR) (reader-*/capture-* prefixes).
check-fuzz: $(FUZZ_DIR)/fuzz_reader $(FUZZ_DIR)/fuzz_capture $(FUZZ_DIR)/capture_seeds $(BIN)/hvtrace \
		$(FUZZ_DIR)/fuzz_replay
	@rm -rf $(FUZZ_DIR)/seeds $(FUZZ_DIR)/capture-seeds
	@mkdir -p $(FUZZ_DIR)/seeds $(FUZZ_DIR)/corpus $(FUZZ_DIR)/capture-seeds $(FUZZ_DIR)/capture-corpus
	$(BIN)/hvtrace synth --exits 40 --vms 1 -o $(FUZZ_DIR)/seeds/one.hvt
	$(BIN)/hvtrace synth --exits 300 --vms 3 --seed 7 -o $(FUZZ_DIR)/seeds/three.hvt
	$(BIN)/hvtrace synth --exits 300 --vms 2 --zstd 3 --seed 9 -o $(FUZZ_DIR)/seeds/zstd.hvt
	$(BIN)/hvtrace synth --exits 3000 --vms 2 --chunk 65536 -o $(FUZZ_DIR)/seeds/chunks.hvt
	$(FUZZ_DIR)/capture_seeds $(FUZZ_DIR)/capture-seeds
	$(FUZZ_DIR)/fuzz_reader -max_total_time=$(FUZZ_READER_TIME) -max_len=65536 -rss_limit_mb=2048 \
		-artifact_prefix=$(FUZZ_DIR)/reader- $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds
	$(FUZZ_DIR)/fuzz_capture -max_total_time=$(FUZZ_CAPTURE_TIME) -max_len=131072 -rss_limit_mb=2048 \
		-artifact_prefix=$(FUZZ_DIR)/capture- $(FUZZ_DIR)/capture-corpus $(FUZZ_DIR)/capture-seeds
	@mkdir -p $(FUZZ_DIR)/replay-corpus
	$(FUZZ_REPLAY_RUN) -max_total_time=$(FUZZ_REPLAY_TIME)
