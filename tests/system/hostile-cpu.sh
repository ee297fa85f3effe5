#!/bin/bash
# hostile-cpu.sh - guests that attack through the CPU's own state (issue 9, part A): XCR0 values
# the CPU refuses, control-register and EFER changes a CPU answers with #GP. Each runs alone and
# beside a neighbour (hostile() in lib.sh): the guest itself says PASS when it took the fault it
# should, the neighbour still PASSes, and both traces check and replay.
. "$(dirname "$0")/lib.sh"

hostile hostile-xsetbv 0 'shutdown' 'XCR0=0x27 (opmask without ZMM): #GP as expected' \
	'XCR0=0xE7 (AVX-512) accepted' 'PASS hostile-xsetbv'
