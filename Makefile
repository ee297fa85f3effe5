# Retrovisor - top-level Makefile.
#
#   make            build everything (hypervisor, guest samples, host tools)
#   make run        boot the demo guest under Bochs, record its trace, show it
#   make check      every test: unit (plain and ASan+UBSan), fuzz (bounded), system (Bochs)
#   make bench      performance figures (docs/performance.md)
#   make deps       install the Debian packages the project needs
#
# Host tools build into build/ (build/san/ for the sanitizer build), run output goes to out/.
# Each component keeps its rules in its own fragment, included below.

BUILD ?= build
BIN := $(BUILD)/bin
OUT ?= out
SAN ?= 0

CC ?= cc
HOST_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -Iinclude -Itracer
HOST_LDFLAGS :=
ifeq ($(SAN),1)
BUILD := build/san
BIN := $(BUILD)/bin
HOST_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_LDFLAGS += -fsanitize=address,undefined
endif

.PHONY: all host guests hv run check check-unit check-san check-system check-fuzz bench deps clean
all: hv guests host

include mk/deps.mk
include tracer/tracer.mk
include hv/hv.mk
include guest-samples/guests.mk
include runner/runner.mk
include replay/replay.mk
include gdb/gdb.mk
include tests/unit/unit.mk
include tests/system/system.mk
include examples/examples.mk

GUEST ?= demo
run: deps-quiet all
	$(BIN)/hvrun -o $(OUT)/$(GUEST).hvt $(BUILD)/guests/$(GUEST).bin $(shell cat guest-samples/$(GUEST).opts 2>/dev/null)
	$(BIN)/hvtrace info $(OUT)/$(GUEST).hvt
	$(BIN)/hvtrace stat $(OUT)/$(GUEST).hvt
	@echo "(the whole trace: $(BIN)/hvtrace dump $(OUT)/$(GUEST).hvt)"

# Every test, with one summary line at the end ("N passed, N failed").
check: deps-quiet
	@scripts/check-all.sh

clean:
	rm -rf build out

# Performance figures (never pass/fail: the machine is shared and noisy).
bench: all replay-guests
	@scripts/bench.sh
