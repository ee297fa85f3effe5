#!/bin/bash
# replay-gdb.sh HVREPLAY TRACE [VM] - `make replay-gdb`: start the replay stub on a free port of
# 127.0.0.1, attach gdb to it with gdb/retrovisor.py (the architecture follows the guest's CPU
# mode), and stop the stub when gdb exits. Extra gdb arguments: GDB_ARGS="...".
set -u
hvreplay=$1 trace=$2 vm=${3:-}
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
# In a session of its own: the Ctrl-C typed at gdb (to interrupt a long continue, which gdb
# forwards as 0x03) must not reach the stub as SIGINT too. Not a group leader here, so setsid
# does not fork and $! is the stub's pid.
setsid "$hvreplay" gdb ${vm:+--vm "$vm"} "$trace" >"$dir/out" 2>"$dir/err" &
pid=$!
port=
for _ in $(seq 300); do # indexing a large trace's exits takes a moment
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/out")
	[ -n "$port" ] && break
	kill -0 $pid 2>/dev/null || { cat "$dir/err" >&2; exit 2; }
	sleep 0.1
done
[ -n "$port" ] || { echo "replay-gdb: the stub did not start" >&2; exit 4; }
echo "replay-gdb: hvreplay gdb serves $trace on 127.0.0.1:$port ('monitor help' lists the time-travel commands)"
# shellcheck disable=SC2086
gdb -q -nx -x "$(dirname "$0")/../gdb/retrovisor.py" -ex "target remote 127.0.0.1:$port" ${GDB_ARGS:-}
