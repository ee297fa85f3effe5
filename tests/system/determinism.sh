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

# The trace disk's transport does not show in the trace: bus-master DMA (the default, two
# buffers in flight) and programmed I/O give the same file, over a run of about a hundred
# capture chunks.
"$BIN/hvrun" -q -o "$OUT/det-storm-dma.hvt" "$GUESTS/exit-storm.bin" >/dev/null 2>"$OUT/det-storm.log" &&
	"$BIN/hvrun" -q --trace-pio -o "$OUT/det-storm-pio.hvt" "$GUESTS/exit-storm.bin" >/dev/null 2>>"$OUT/det-storm.log"
check $? "determinism: exit-storm recorded by DMA and by PIO" "$OUT/det-storm.log"
cmp "$OUT/det-storm-dma.hvt" "$OUT/det-storm-pio.hvt" >>"$OUT/det-storm.log" 2>&1
check $? "determinism: the DMA and PIO traces are byte-identical" "$OUT/det-storm.log"
