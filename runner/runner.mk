# runner/ - hvrun, the host program that boots the hypervisor under Bochs.
#
# Everything but main() (hvrun.c) also goes into libhvrun.a, which the unit tests link
# (tests/unit/check_vmdef.c). The schema runner/schema/retrovisor.xsd is assembled into the
# binary (vmdef_schema.S), so hvrun needs no file beside it at run time.
RUNNER_SRCS := $(wildcard runner/*.c) $(wildcard runner/*.S)
RUNNER_OBJS := $(patsubst runner/%,$(BUILD)/obj/runner/%.o,$(basename $(RUNNER_SRCS)))
RUNNER_LIB := $(BUILD)/lib/libhvrun.a
RUNNER_LIB_OBJS := $(filter-out $(BUILD)/obj/runner/hvrun.o,$(RUNNER_OBJS))
RUNNER_XML2_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || xml2-config --cflags)
RUNNER_XML2_LIBS := $(shell pkg-config --libs libxml-2.0 2>/dev/null || xml2-config --libs)

# The unit tests link every host library; libhvrun.a uses libhvtrace.a, so it goes first.
HOST_LIBS_ALL := $(RUNNER_LIB) $(HOST_LIBS_ALL)
$(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/check_vmdef*.c)): UNIT_LIBS += $(RUNNER_XML2_LIBS)

host: $(BIN)/hvrun

$(BUILD)/obj/runner/%.o: runner/%.c $(wildcard runner/*.h) $(wildcard include/retrovisor/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(RUNNER_XML2_CFLAGS) -c -o $@ $<

$(BUILD)/obj/runner/%.o: runner/%.S runner/schema/retrovisor.xsd
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

$(RUNNER_LIB): $(RUNNER_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN)/hvrun: $(BUILD)/obj/runner/hvrun.o $(RUNNER_LIB) $(TRACER_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $(BUILD)/obj/runner/hvrun.o $(RUNNER_LIB) $(TRACER_LIB) $(RUNNER_XML2_LIBS) \
		-lzstd -lz $(HOST_LDFLAGS)

# make gdb GUEST=name [GDB_PORT=p]: the guest under hvrun --gdb (its trace in out/NAME.hvt) and a
# gdb attached to it (docs/debugger-live.md), which follows the guest's CPU mode (gdb/retrovisor.py). hvrun runs in its own session (setsid), so Ctrl-C
# in gdb stops the guest, not the run.
GDB_PORT ?= 1234
.PHONY: gdb
gdb: all
	@mkdir -p $(OUT)
	setsid $(BIN)/hvrun --gdb $(GDB_PORT) -o $(OUT)/$(GUEST).hvt $(BUILD)/guests/$(GUEST).bin \
		$(shell cat guest-samples/$(GUEST).opts 2>/dev/null) & \
	gdb -nx -q -ex 'set tcp connect-timeout 60' -ex 'set remotetimeout 60' -x gdb/retrovisor.py \
		-ex 'target remote 127.0.0.1:$(GDB_PORT)' -ex rv-sync; \
	wait
