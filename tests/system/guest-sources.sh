#!/bin/bash
# guest-sources.sh - the guest samples take every x86 constant from include/retrovisor/x86_arch.h
# (through $GUESTS/x86.inc, guests.mk), with the value the C side sees, and define none again.
# No Bochs: the generated file, the assembler and the C compiler only.
. "$(dirname "$0")/lib.sh"
D="$OUT/guest-sources"
mkdir -p "$D"
INC="$GUESTS/x86.inc"

names=$(sed -n 's/^\t\.equ \([A-Z0-9_]*\), .*/\1/p' "$INC" 2>/dev/null)
n=$(echo "$names" | grep -c .)
echo "$names" | grep -qx CR0_PG && echo "$names" | grep -qx EFER_LME && echo "$names" | grep -qx MSR_IA32_EFER &&
	echo "$names" | grep -qx PTE_PS
check $? "x86.inc holds the constants of x86_arch.h ($n of them, CR0_PG, EFER_LME, MSR_IA32_EFER, PTE_PS among them)"

# Every value as the assembler computes it from x86.inc, and as C computes it from the header.
{
	echo "#include \"x86.inc\""
	for s in $names; do echo "	.quad $s"; done
} >"$D/probe.S"
{
	echo "#include <stdio.h>"
	echo "#include \"retrovisor/x86_arch.h\""
	echo "int main(void) {"
	for s in $names; do echo "	printf(\"%016llx\\n\", (unsigned long long)($s));"; done
	echo "	return 0; }"
} >"$D/probe.c"
cc -E -x assembler-with-cpp -I"$GUESTS" "$D/probe.S" -o "$D/probe.s" 2>"$D/log" &&
	as --32 -o "$D/probe.o" "$D/probe.s" 2>>"$D/log" &&
	objcopy -O binary -j .text "$D/probe.o" "$D/probe.bin" 2>>"$D/log" &&
	od -An -tx8 -w8 -v "$D/probe.bin" | tr -d ' ' >"$D/as.txt" &&
	cc -Iinclude -o "$D/probe" "$D/probe.c" 2>>"$D/log" && "$D/probe" >"$D/c.txt" &&
	diff "$D/c.txt" "$D/as.txt" >>"$D/log" && [ "$(wc -l <"$D/as.txt")" = "$n" ]
check $? "each of the $n constants has the same value in the guests' assembler as in C" "$D/log"

# No sample or guest header writes one of them down again.
again=$(for s in $names; do grep -lE "^[[:space:]]*\.(equ|set|equiv)[[:space:]]+$s[[:space:]]*," \
	guest-samples/*.S guest-samples/*.h replay/testdata/*.S 2>/dev/null | sed "s/\$/: $s/"; done)
[ -z "$again" ]
check $? "no guest source defines an x86_arch.h constant again${again:+: $again}"
