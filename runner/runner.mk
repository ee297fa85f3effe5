# runner/ - hvrun, the host program that boots the hypervisor under Bochs.
RUNNER_SRCS := $(wildcard runner/*.c)
RUNNER_OBJS := $(patsubst runner/%.c,$(BUILD)/obj/runner/%.o,$(RUNNER_SRCS))

host: $(BIN)/hvrun

$(BUILD)/obj/runner/%.o: runner/%.c runner/run.h $(wildcard include/retrovisor/*.h tracer/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c -o $@ $<

$(BIN)/hvrun: $(RUNNER_OBJS) $(TRACER_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $(RUNNER_OBJS) $(TRACER_LIB) -lzstd -lz $(HOST_LDFLAGS)
