#!/bin/bash
# gdb-replay-robust.sh - the replay stub against a client that is not gdb (python3 over TCP):
# bad checksums, malformed and unknown packets, an oversize packet, garbage between packets,
# refused writes, no-ack mode, Ctrl-C during a long continue and a long reverse-continue (the
# position returns to where it started), a client that disconnects mid-packet, one that never
# sends anything. After each, the stub answers the next client: it keeps serving.
. "$(dirname "$0")/lib.sh"
GDIR="$OUT/gdb-replay"
mkdir -p "$GDIR"
trace=replay/testdata/long64.hvt

if ! command -v python3 >/dev/null; then
	echo "ok - SKIP gdb-replay-robust: no python3"
	exit 0
fi

# --chunk 16: the stub polls the socket for Ctrl-C every 16 guest instructions, so a 0x03 sent
# right after `c` is seen before the run ends, whatever the machine's speed.
# (the old port file goes first: the background stub truncates it only when it starts, after
# the loop below may have read it)
rm -f "$GDIR/robust-stub.out" "$GDIR/evil-stub.out"
"$BIN/hvreplay" gdb --chunk 16 --idle-timeout 2 "$trace" >"$GDIR/robust-stub.out" 2>"$GDIR/robust-stub.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
PORT=$(stub_port "$GDIR/robust-stub.out" $pid)

timeout 120 python3 - "$PORT" >"$GDIR/robust.log" 2>&1 <<'PY'
import socket, sys, time

port = int(sys.argv[1])

def frame(payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return b"$" + payload + b"#%02x" % (sum(payload) & 255)

def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    return s

def recv_until(s, pred, limit=20):
    data = b""
    end = time.time() + limit
    while not pred(data):
        if time.time() > end:
            break
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data

def packet(data):
    """the payload of the first whole packet in data that is not console output (O, sent ahead
    of a stop reply), or None"""
    i = 0
    while True:
        i = data.find(b"$", i)
        j = data.find(b"#", i + 1)
        if i < 0 or j < 0 or len(data) < j + 3:
            return None
        p = data[i + 1:j].decode("latin-1")
        if not (p.startswith("O") and p != "OK"):
            return p
        i = j + 3

def ask(s, payload, ack=True):
    s.sendall(frame(payload))
    data = recv_until(s, lambda d: packet(d) is not None)
    if ack and not data.startswith(b"+"):
        return "NO ACK: %r" % data[:40]
    if not ack and data.startswith(b"+"):
        return "ACK IN NO-ACK MODE"
    return packet(data)

def report(ok, what, detail=""):
    print(("ok - " if ok else "not ok - ") + what)
    if not ok and detail:
        print("    | " + str(detail)[:300])

s = connect()
# a bad checksum: '-' and nothing else
s.sendall(b"$g#00")
d = recv_until(s, lambda d: len(d) >= 1, 5)
report(d == b"-", "bad checksum: answered '-'", d)
r = ask(s, "qSupported:multiprocess+;swbreak+;hwbreak+")
report(r is not None and "ReverseContinue+" in r and "ReverseStep+" in r and "qXfer:features:read+" in r,
       "qSupported: ReverseContinue+, ReverseStep+, qXfer:features:read+", r)
report(ask(s, "qFooBar:1") == "", "an unknown packet: the empty reply")
report(ask(s, "vMustReplyEmpty") == "", "vMustReplyEmpty: the empty reply")
report((ask(s, "m7c00") or "").startswith("E"), "a malformed packet (m without a length): an error reply")
report((ask(s, "m1ffffffffffffffff,1") or "").startswith("E"), "an address of 17 hex digits: an error reply")
report(ask(s, "vCont?") == "vCont;c;C;s;S", "vCont? lists c, C, s, S")
report(ask(s, "qAttached") == "1", "qAttached: 1")
for p in ("M7c00,1:00", "P0=0000000000000000", "G00", "X7c00,1:a"):
    report((ask(s, p) or "").startswith("E"), "a write (%s...) is refused: the past is read-only" % p[0])
report(ask(s, "m7c00,2") == "6656", "m7c00,2: the guest's first bytes")
report(ask(s, "c7c00") not in (None, "") and ask(s, "c7c00").startswith("E"), "c with an address: refused")
# oversize: 20000 bytes in one packet; then the connection still works
s.sendall(b"$" + b"a" * 20000 + b"#00")
d = recv_until(s, lambda d: len(d) >= 1, 5)
report(d == b"-", "an oversize packet: dropped with '-'", d[:40])
s.sendall(b"garbage\x01\x02")
r = ask(s, "?")
report(r is not None and r.startswith("T05"), "garbage between packets is ignored; ? answers T05", r)
# Ctrl-C during a long continue: the stop is T02 and the position has not changed
s.sendall(frame("vCont;c") + b"\x03")
d = recv_until(s, lambda d: packet(d) is not None)
r = packet(d)
report(r is not None and r.startswith("T02"), "Ctrl-C during continue: T02", d[:60])
g0 = ask(s, "p8")  # eip: the i386 layout of real mode
report(g0 == "007c0000", "... and the position is where the continue started (rip 0x7c00)", g0)
# a long reverse-continue from the end, interrupted: back where it started
r = ask(s, "vCont;c")
report(r is not None and "replaylog:end" in r, "continue to the end of history: replaylog:end (not W)", r)
end_rip = ask(s, "p8")
s.sendall(frame("bc") + b"\x03")
d = recv_until(s, lambda d: packet(d) is not None)
report((packet(d) or "").startswith("T02"), "Ctrl-C during reverse-continue: T02", d[:60])
report(ask(s, "p8") == end_rip, "... and the position returns to where it started (the end)")
r = ask(s, "bc")
report(r is not None and "replaylog:begin" in r, "reverse-continue to the start: replaylog:begin", r)
r = ask(s, "bs")
report(r is not None and "replaylog:begin" in r, "reverse-step at the start: replaylog:begin", r)
# no-ack mode
report(ask(s, "QStartNoAckMode") == "OK", "QStartNoAckMode: OK")
s.sendall(b"+")
report(ask(s, "qC", ack=False) == "QC1", "no-ack mode: qC answered without '+'")
s.sendall(b"$g#00")
d = recv_until(s, lambda d: len(d) >= 1, 1)
report(d == b"", "no-ack mode: a bad checksum gets no '-'", d)
s.close()

# a client that disconnects in the middle of a packet; the next one is served
s = connect()
s.sendall(b"$m7c0")
s.close()
s = connect()
r = ask(s, "?")
report(r is not None and r.startswith("T05"), "after a client left mid-packet, the next is served", r)
s.close()

# a client that never sends anything is dropped when another connects
silent = connect()
time.sleep(0.3)
s = connect()
r = ask(s, "?")
report(r is not None and r.startswith("T05"), "a silent client does not block the next one", r)
s.close()
silent.settimeout(20)
try:
    d = silent.recv(10)
except OSError:
    d = b""
report(d == b"", "... and the silent one was disconnected")
silent.close()

# a client silent after connecting is dropped after --idle-timeout (2 s here; bounded at 20 s)
silent = connect()
silent.settimeout(20)
try:
    d = silent.recv(10)
except socket.timeout:
    d = b"timeout"
except OSError:
    d = b""
report(d == b"", "a client that never speaks is dropped after the idle timeout", d)
s = connect()
r = ask(s, "?")
report(r is not None and r.startswith("T05"), "the stub keeps serving", r)
s.close()
PY
st=$?
cat "$GDIR/robust.log"
[ $st = 0 ] && kill -0 $pid 2>/dev/null
check $? "the stub is still running after all of it" "$GDIR/robust-stub.err"

# a VM name with ESC, BEL and a right-to-left override (tracer/fuzz/trace_hostile.c): gdb shows
# it in `info threads` and `monitor vm`, sanitized as every tool shows trace text
HOSTILE=${HOSTILE:-$(dirname "$BIN")/tests/trace_hostile}
if "$HOSTILE" name replay/testdata/demo.hvt "$GDIR/evil-name.hvt" 2>"$GDIR/evil.log"; then
	"$BIN/hvreplay" gdb --once "$GDIR/evil-name.hvt" >"$GDIR/evil-stub.out" 2>>"$GDIR/evil.log" &
	epid=$!
	EPORT=$(stub_port "$GDIR/evil-stub.out" $epid)
	timeout 60 python3 - "$EPORT" >"$GDIR/evil.out" 2>&1 <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
def ask(p):
    p = p.encode()
    s.sendall(b"$" + p + b"#%02x" % (sum(p) & 255))
    d = b""
    while d.count(b"#") < 1 or len(d) < d.rfind(b"#") + 3:
        d += s.recv(65536)
    return d[d.find(b"$") + 1:d.rfind(b"#")].decode("latin-1")
for q in ("qThreadExtraInfo,1", "qRcmd," + b"vm".hex()):
    print(bytes.fromhex(ask(q)).decode("latin-1"))
ask("D")
PY
	wait $epid
	grep -q 'VM 0 e\\x1b\[1mvil\\x07\\xe2\\x80\\xae' "$GDIR/evil.out" && grep -q '(e\\x1b\[1mvil\\x07\\xe2\\x80\\xae)' "$GDIR/evil.out" &&
		! grep -q $'\x1b' "$GDIR/evil.out"
	check $? "a VM name with ESC, BEL, a bidi override: shown as \\xHH in thread names and monitor vm" "$GDIR/evil.out"
else
	not_ok "trace_hostile name: made a trace with a hostile VM name"
fi
