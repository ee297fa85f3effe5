# System tests: boot the hypervisor under Bochs (and QEMU for the no-VMX path), check consoles,
# exit statuses and traces. Each script prints "ok - ..." / "not ok - ..." lines.
SYSTEM_TESTS := $(sort $(wildcard tests/system/*.sh))
SYSTEM_TESTS := $(filter-out tests/system/lib.sh,$(SYSTEM_TESTS))

check-system: all replay-guests
	@for t in $(SYSTEM_TESTS); do echo "# $$t"; BIN=$(BIN) GUESTS=$(BUILD)/guests bash $$t; done
