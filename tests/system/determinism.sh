#!/bin/bash
# determinism.sh - the same guest recorded twice gives byte-identical traces (Bochs with
# clock: sync=none and a fixed time0 is deterministic, see shared/BOCHS-NOTES.md).
. "$(dirname "$0")/lib.sh"

for name in hypercall pm32; do
	opts=$(cat "guest-samples/$name.opts" 2>/dev/null)
	# shellcheck disable=SC2086
	"$BIN/hvrun" -q -o "$OUT/det-$name-1.hvt" $opts "$GUESTS/$name.bin" >/dev/null 2>"$OUT/det-$name.log" &&
		"$BIN/hvrun" -q -o "$OUT/det-$name-2.hvt" $opts "$GUESTS/$name.bin" >/dev/null 2>>"$OUT/det-$name.log"
	check $? "determinism: $name recorded twice" "$OUT/det-$name.log"
	cmp "$OUT/det-$name-1.hvt" "$OUT/det-$name-2.hvt" >>"$OUT/det-$name.log" 2>&1
	check $? "determinism: the two $name traces are byte-identical" "$OUT/det-$name.log"
done
