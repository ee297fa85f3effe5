#!/bin/bash
# fresh-clone.sh - what a new user does first: clone, then `make run`. It must build everything
# and record the demo's trace, with no out/ or build/ folder to start from (hvrun makes the
# folders it writes to). Nothing of this checkout's build is used: the clone builds its own, with
# the variables of the calling make (BIN, GUESTS, MAKEFLAGS, ...) removed. Tests what is committed.
. "$(dirname "$0")/lib.sh"

D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
LOG="$OUT/fresh-clone.log"

git clone -q . "$D/p" >"$LOG" 2>&1
check $? "fresh clone: git clone of this checkout" "$LOG"

[ ! -e "$D/p/out" ] && [ ! -e "$D/p/build" ]
check $? "fresh clone: starts without out/ or build/"

(cd "$D/p" && env -u BIN -u GUESTS -u OUT -u BUILD -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make run) >>"$LOG" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "PASS demo" "$LOG" && ! grep -q "cannot create" "$LOG"
check $? "fresh clone: make run passes the demo (status $rc)" "$LOG"

[ -s "$D/p/out/demo.hvt" ] && grep -q "health: *ok" "$LOG"
check $? "fresh clone: make run wrote out/demo.hvt, and hvtrace info says it is healthy" "$LOG"
