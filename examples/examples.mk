# examples/ - short programs that use only the public headers of the libraries
# (include/retrovisor/hvtrace.h): the APIs' living documentation. Each examples/<name>.c builds
# into $(BUILD)/examples/<name> with the same flags a program outside this tree would use, and
# `make check-examples` (part of `make check`) runs them on recorded traces (examples/check.sh).

EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLE_BINS := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRCS))

$(BUILD)/examples/%: examples/%.c $(TRACER_LIB) include/retrovisor/hvtrace.h
	@mkdir -p $(dir $@)
	$(CC) $(HVTRACE_CFLAGS) -o $@ $< $(HVTRACE_LIBS) $(HOST_LDFLAGS)

# examples/replay-*.c use the replay engine's public header (include/retrovisor/hvreplay.h).
$(BUILD)/examples/replay-%: examples/replay-%.c $(REPLAY_LIB) $(HVDEV_LIB) $(TRACER_LIB) include/retrovisor/hvreplay.h \
		include/retrovisor/hvtrace.h
	@mkdir -p $(dir $@)
	$(CC) $(HVREPLAY_CFLAGS) -o $@ $< $(HVREPLAY_LIBS) $(HOST_LDFLAGS)

examples: $(EXAMPLE_BINS)
host: examples

.PHONY: examples check-examples
check-examples: $(EXAMPLE_BINS) $(BUILD)/tests/trace_hostile $(BIN)/hvtrace
	@BIN=$(BIN) EXAMPLES=$(BUILD)/examples TESTS=$(BUILD)/tests bash examples/check.sh
