#!/bin/bash
# qemu-novmx.sh - on a CPU without VMX (QEMU's TCG) the hypervisor says which feature is missing
# and ends the run with a non-zero status instead of hanging.
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "ok - qemu-novmx # SKIP qemu-system-x86_64 is not installed"
	exit 0
fi
rm -f "$OUT/qemu.e9"
timeout 30 qemu-system-x86_64 -nographic -no-reboot -m 64 -display none -monitor none -serial none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -debugcon "file:$OUT/qemu.e9" \
	-kernel build/hv/hv.elf32 >"$OUT/qemu.log" 2>&1
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ]
check $? "qemu: the hypervisor ends the run with a non-zero status ($rc) instead of hanging" "$OUT/qemu.log"
grep -q "no VMX (CPUID.1:ECX\[5\] = 0)" "$OUT/qemu.e9"
check $? "qemu: the hypervisor names the missing feature" "$OUT/qemu.e9"
