#!/bin/bash
# hvrun-errors.sh - bad input gets a clear message and the usage status (64), never a run.
. "$(dirname "$0")/lib.sh"

expect_error() { # WHAT STATUS PATTERN -- ARGS...
	local what=$1 want=$2 pattern=$3
	shift 4
	"$BIN/hvrun" "$@" >"$OUT/err.out" 2>"$OUT/err.log"
	local rc=$?
	[ "$rc" = "$want" ] && grep -q -- "$pattern" "$OUT/err.log"
	check $? "hvrun $what: status $rc, says '$pattern'" "$OUT/err.log"
}

head -c 2000000 /dev/zero >"$OUT/big.bin"
: >"$OUT/empty.bin"
expect_error "with a missing image" 64 "cannot open guest image" -- /nonexistent/guest.bin
expect_error "with an empty image" 64 "is empty" -- "$OUT/empty.bin"
expect_error "with an image larger than memory" 64 "does not fit" -- "$OUT/big.bin"
expect_error "with an unknown option" 64 "unrecognized option" -- --frobnicate "$GUESTS/hello.bin"
expect_error "with a bad --mem" 64 "not a number" -- --mem lots "$GUESTS/hello.bin"
expect_error "with --mem out of range" 64 "--mem: '16K' is too small" -- --mem 16K "$GUESTS/hello.bin"
expect_error "with a bad --mode" 64 "is not real or pm32" -- --mode v86 "$GUESTS/hello.bin"
expect_error "with a real-mode entry above 64 KiB" 64 "below 64 KiB" -- --entry 0x20000 "$GUESTS/hello.bin"
expect_error "without an image" 64 "no guest image given" --
PATH=/nonexistent "$BIN/hvrun" "$GUESTS/hello.bin" >/dev/null 2>"$OUT/err.log"
rc=$?
[ "$rc" = 4 ] && grep -q "bochs is not installed" "$OUT/err.log"
check $? "hvrun with no bochs on the PATH: status $rc, names the package" "$OUT/err.log"
"$BIN/hvrun" --help | grep -q "usage: hvrun"
check $? "hvrun --help prints the usage"
"$BIN/hvrun" --timeout 1 "$GUESTS/hello.bin" -o "$OUT/timeout.hvt" >/dev/null 2>"$OUT/err.log"
rc=$?
[ "$rc" = 3 ] && grep -q "timeout" "$OUT/err.log"
check $? "hvrun --timeout 1 stops Bochs with status 3 and says so" "$OUT/err.log"
"$BIN/hvrun" -q --no-trace --cpu no_such_model "$GUESTS/hello.bin" >/dev/null 2>"$OUT/err.log"
rc=$?
kept=$(sed -n 's/^hvrun: run directory kept: //p' "$OUT/err.log")
[ "$rc" = 4 ] && grep -q "Bochs ended before starting the machine: bochsrc:[0-9]*: " "$OUT/err.log" &&
	[ -n "$kept" ] && [ -f "$kept/bochs.stderr" ]
check $? "hvrun --cpu no_such_model: status $rc, Bochs's own reason and a log that exists" "$OUT/err.log"
case $kept in /*/hvrun.*) rm -rf "$kept" ;; esac
