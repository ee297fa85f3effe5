#!/bin/bash
# hostile-io.sh - attacks through string I/O and the page walk (issue 9, items 4, 5 and 9): each
# guest alone and beside the cpuid neighbour (lib.sh, hostile). INS and OUTS exit before they
# touch memory, so the hypervisor's emulation must make every check the CPU would: the guests'
# own #GP/#PF handlers check the fault, CR2, the error code and RCX/RSI/RDI.
. "$(dirname "$0")/lib.sh"

# Real mode: an address-size-32 REP INSB past ES's 64 KiB limit -> #GP after 16 bytes.
hostile hostile-ins-limit 0 "shutdown hypercall" "hostile-ins-limit: #GP, ECX 0x00000010 EDI 0x00010000" \
	"PASS hostile-ins-limit"

# CR0.WP = 1: a supervisor REP INSB into a read-only page -> #PF, error code 3. Replay finds the
# CR2 the hypervisor gave the injected #PF again (docs/replay.md).
hostile hostile-ins-wp 0 "shutdown hypercall" "hostile-ins-wp: ERROR_CODE 0x00000003 (want 0x00000003)" \
	"PASS hostile-ins-wp"

# Ring 3 with IOPL 3: REP OUTSB out of, and REP INSB into, a supervisor-only page -> #PF 5 / 7,
# delivered from ring 3 to ring 0 (replayed through the TSS stack).
hostile hostile-outs-user 0 "shutdown hypercall" "hostile-outs-user: ERROR_CODE 0x00000005 (want 0x00000005)" \
	"PASS hostile-outs-user"
hostile hostile-ins-user 0 "shutdown hypercall" "hostile-ins-user: ERROR_CODE 0x00000007 (want 0x00000007)" \
	"PASS hostile-ins-user"

# PSE-36: REP OUTSB through a 4 MiB page at guest-physical 4 GiB stops the VM, and the stop says
# so the way an EPT violation does: the access, the guest-physical address, status 1 (read).
hostile hostile-pse36 2 "access outside its memory (status 1, detail 100000000)" \
	"hv: VM 0 (hostile-pse36): read at guest-physical 100000000 outside its 1024 KiB"

# HLT with interrupts on and no interrupt that can come (no timer; a timer whose IRQ 0 is
# masked): the stop says so, not "halted with interrupts disabled".
hostile hostile-sti-hlt 2 "waiting for an event that can never come" "hostile-sti-hlt: sti; hlt with no timer"
hostile hostile-sti-hlt-pit 2 "waiting for an event that can never come" "hostile-sti-hlt-pit: IRQ 0 masked, sti; hlt"
