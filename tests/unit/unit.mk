# Unit tests: every tests/unit/check_<module>.c becomes one Check binary, linked against the host
# libraries. `make check-unit` runs them all; SAN=1 builds and runs them under ASan+UBSan.

UNIT_SRCS := $(wildcard tests/unit/check_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
UNIT_LIBS := $(HOST_LIBS_ALL) $(UNIT_LIBS) $(CHECK_LIBS) -lzstd -lz -lm

# A test of a component's internals adds that component's private directory, and only its own
# (UNIT_PRIV_CFLAGS, set per test below); a test of a public API (retrovisor/*.h) adds nothing.
$(BUILD)/tests/check_%: tests/unit/check_%.c $(wildcard tests/unit/check_*.h) $(HOST_LIBS_ALL) | $(BUILD)/tests
	$(CC) $(HOST_CFLAGS) $(UNIT_PRIV_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(UNIT_LIBS) $(HOST_LDFLAGS)

# The trace library's encoder, decoder, bounds and capture converter (tracer/*.h).
$(BUILD)/tests/check_trace_% $(BUILD)/tests/check_capture $(BUILD)/tests/check_capture_%: UNIT_PRIV_CFLAGS += -Itracer
# The replay engine's internals: replay/rp_priv.h, which itself includes hv/ headers (the UART model)
# (check_replay, and any check_replay_* that includes it).
$(BUILD)/tests/check_replay $(BUILD)/tests/check_replay_%: UNIT_PRIV_CFLAGS += -Ireplay -Ihv
# hvrun's internals (runner/run.h, vmdef.h).
$(BUILD)/tests/check_vmdef $(BUILD)/tests/check_exit_status: UNIT_PRIV_CFLAGS += -Irunner
# The device models and the VMCS layer of the hypervisor (hv/*.h).
$(addprefix $(BUILD)/tests/check_,uart pit pic bus vmcs): UNIT_PRIV_CFLAGS += -Ihv

$(BUILD)/tests:
	mkdir -p $@

unit-bins: $(UNIT_BINS)

# Runs each binary; CK_FORK keeps one crashing test from hiding the others.
check-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; CK_FORK=yes $$t; done
