# replay/ - libhvreplay (the deterministic replay engine, on Unicorn and Capstone) and the
# hvreplay tool. Included from the top-level Makefile.
#
#   make build/bin/hvreplay     the tool
#   make bench-replay           replay/bench.sh: verify vs recording time, seek times, memory

REPLAY_LIB := $(BUILD)/lib/libhvreplay.a
REPLAY_OBJDIR := $(BUILD)/obj/replay
REPLAY_LIB_SRCS := $(wildcard replay/*.c)
REPLAY_CLI_SRCS := $(wildcard replay/cli/*.c)
REPLAY_LIB_OBJS := $(patsubst replay/%.c,$(REPLAY_OBJDIR)/%.o,$(REPLAY_LIB_SRCS))
REPLAY_CLI_OBJS := $(patsubst replay/cli/%.c,$(REPLAY_OBJDIR)/cli/%.o,$(REPLAY_CLI_SRCS))
REPLAY_CFLAGS := $(shell pkg-config --cflags unicorn capstone 2>/dev/null)
REPLAY_LDLIBS := $(shell pkg-config --libs unicorn capstone 2>/dev/null || echo -lunicorn -lcapstone)
HOST_LIBS_ALL += $(REPLAY_LIB)
# The public header include/retrovisor/hvreplay.h: compile with $(HVREPLAY_CFLAGS), link with
# $(HVREPLAY_LIBS) (the engine, the device models, the trace library, Unicorn and Capstone). No -Ireplay, -Itracer:
# a program built so (examples/replay-*.c) cannot reach the engine's private headers.
HVREPLAY_CFLAGS = $(HVTRACE_CFLAGS)
HVREPLAY_LIBS = $(REPLAY_LIB) $(HVDEV_LIB) $(HVTRACE_LIBS) $(REPLAY_LDLIBS)
# Unit tests link $(HOST_LIBS_ALL) in order: libhvreplay needs libhvtrace after it, then the
# emulator and disassembler; libhvdev (hv/hvdev.mk) gives it the UART model. (Works whether this
# file is included before or after unit.mk.)
UNIT_LIBS += $(REPLAY_LIB) $(HVDEV_LIB) $(TRACER_LIB) $(REPLAY_LDLIBS) -lzstd -lz
$(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/check_replay*.c)): $(REPLAY_LIB) $(HVDEV_LIB) $(TRACER_LIB) \
	$(wildcard replay/*.h)

$(REPLAY_OBJDIR)/%.o: replay/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Ireplay -Ihv $(REPLAY_CFLAGS) -MMD -MP -c -o $@ $<

# hvreplay is a user of the public header like any other program: no -Ireplay, -Itracer.
$(REPLAY_OBJDIR)/cli/%.o: replay/cli/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HVREPLAY_CFLAGS) -MMD -MP -c -o $@ $<

-include $(REPLAY_LIB_OBJS:.o=.d) $(REPLAY_CLI_OBJS:.o=.d)

$(REPLAY_LIB): $(REPLAY_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN)/hvreplay: $(REPLAY_CLI_OBJS) $(REPLAY_LIB) $(HVDEV_LIB) $(TRACER_LIB)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(REPLAY_CLI_OBJS) $(REPLAY_LIB) $(HVDEV_LIB) $(TRACER_LIB) $(REPLAY_LDLIBS) $(TRACER_LDLIBS) $(HOST_LDFLAGS)

host: $(BIN)/hvreplay

# Test guests of the replay tests (replay/testdata/*.S), built like the samples.
REPLAY_GUESTS := $(patsubst replay/testdata/%.S,$(BUILD)/guests/replay-%.bin,$(wildcard replay/testdata/*.S))
$(BUILD)/guests/replay-%.bin: replay/testdata/%.S $(BUILD)/guests/hypercall.inc $(BUILD)/guests/x86.inc \
		guest-samples/guest.h
	@mkdir -p $(dir $@)
	$(CC) -E -x assembler-with-cpp -nostdinc -Iguest-samples -I$(BUILD)/guests -DGUEST_NAME='"$*"' \
		$< -o $(BUILD)/guests/replay-$*.s
	as --32 -o $(BUILD)/guests/replay-$*.o $(BUILD)/guests/replay-$*.s
	ld -m elf_i386 -T guest-samples/guest.ld --defsym=LOAD_ADDR=0x7C00 --oformat binary -o $@ \
		$(BUILD)/guests/replay-$*.o
replay-guests: $(REPLAY_GUESTS)

.PHONY: bench-replay replay-guests
bench-replay: all $(BIN)/hvreplay replay-guests
	@replay/bench.sh

# The trace corrupter of the system test (tests/system/replay.sh).
$(BUILD)/tests/trace_corrupt: replay/tools/trace_corrupt.c $(TRACER_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itracer -o $@ $< $(TRACER_LIB) $(TRACER_LDLIBS) $(HOST_LDFLAGS)
host: $(BUILD)/tests/trace_corrupt
