#!/bin/bash
# gdb-live-robust.sh - the live GDB stub against a hostile or broken client, byte by byte (a
# small Python client, no gdb): bad checksums, an oversize packet, garbage, unknown and
# malformed packets, Ctrl-C while the VM runs, more breakpoints than debug registers, refused
# register writes (before the first exit with the trace on; a selector), reads outside memory, and a client that detaches and then
# vanishes in the middle of a packet. The stub must answer each one and keep serving; the run
# must end normally and its trace verify (Bochs, writing to the closed socket, must not die of
# SIGPIPE). Then a client that connects and sends nothing: the VM stays held, its neighbour
# still runs to the end. Every run is bounded by `timeout`.
. "$(dirname "$0")/lib.sh"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PORT=$(free_port)
T=$OUT/gdb-live-robust
rm -f "$T.hvt"
timeout 200 "$BIN/hvrun" --timeout 180 --gdb "$PORT" --insn-limit 20000000 -o "$T.hvt" "$GUESTS/hog.bin" >"$T.log" 2>&1 &
HVRUN=$!
timeout 180 python3 - "$PORT" >"$T.client" 2>&1 <<'EOF'
import socket, sys, time

port = int(sys.argv[1])
deadline = time.time() + 60
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.2)
s.settimeout(60)
buf = b""

def frame(p):
    return b"$" + p + b"#%02x" % (sum(p) & 0xff)

def recv_byte():
    global buf
    while not buf:
        d = s.recv(4096)
        if not d:
            raise EOFError("the stub closed the connection")
        buf += d
    b, buf = buf[:1], buf[1:]
    return b

def reply(ack=True):
    """The next reply packet's payload (skipping the '+' ack in ack mode)."""
    c = recv_byte()
    if ack:
        assert c == b"+", "expected an ack, got %r" % c
        c = recv_byte()
    while c != b"$":
        c = recv_byte()
    p = b""
    while True:
        c = recv_byte()
        if c == b"#":
            break
        p += c
    cs = recv_byte() + recv_byte()
    assert int(cs, 16) == sum(p) & 0xff, "bad checksum from the stub"
    return p

def check(what, cond):
    print(("ok - " if cond else "not ok - ") + "robust: " + what)

s.sendall(b"+" + frame(b"?"))
check("the first stop is before the first instruction (T05)", reply().startswith(b"T05"))
s.sendall(b"$g#00")
check("a bad checksum is answered '-'", recv_byte() == b"-")
s.sendall(b"$" + b"A" * 6000 + b"#00")
check("an oversize packet is answered '-'", recv_byte() == b"-")
s.sendall(b"xyz" + frame(b"qRetrovisorNoSuchPacket"))
check("garbage is ignored and an unknown packet gets the empty reply", reply() == b"")
s.sendall(frame(b"mzz,qq"))
check("a malformed packet gets an error", reply().startswith(b"E"))
s.sendall(frame(b"m7ffffff0000,4"))
check("memory that is not there gets an error", reply().startswith(b"E"))
s.sendall(frame(b"m7c00,4"))
check("memory reads still work after all that", len(reply()) == 8)
s.sendall(frame(b"P0=0100000000000000"))
check("a register write before the VM's first exit is refused while tracing (no exit to record it at)",
      reply().startswith(b"E"))
s.sendall(frame(b"P12=10000000"))  # cs (register 18 of the amd64 layout), 4 bytes
check("a segment register write is refused", reply().startswith(b"E"))
answers = []
for a in (0x7c00, 0x7c01, 0x7c02, 0x7c03, 0x7c04):
    s.sendall(frame(b"Z0,%x,1" % a))
    answers.append(reply())
check("four breakpoints fit in DR0-DR3, a fifth is refused", answers[:4] == [b"OK"] * 4 and answers[4].startswith(b"E"))
for a in (0x7c00, 0x7c01, 0x7c02, 0x7c03):
    s.sendall(frame(b"z0,%x,1" % a))
    reply()
s.sendall(frame(b"QStartNoAckMode"))
check("no-ack mode", reply() == b"OK")
# Ctrl-C right behind the resume, in one write: no timing, it reaches the stub a byte-time
# (of the emulated 115200 baud) after the packet, while the VM runs (or is about to).
s.sendall(frame(b"vCont;c") + b"\x03")
st = reply(ack=False)
check("Ctrl-C stops the running VM (T02)", st.startswith(b"T02"))
s.sendall(frame(b"g"))
g = reply(ack=False)
check("the registers after Ctrl-C (%d bytes of hex)" % len(g), len(g) > 500 and g[:2] != b"xx")
s.sendall(frame(b"D"))
check("detach", reply(ack=False) == b"OK")
# Vanish: a request whose long reply goes to a closed socket, then half a packet.
s.sendall(frame(b"g") + b"$m7c00,")
s.close()
EOF
cat "$T.client"
grep -q '^not ok\|Error\|Traceback' "$T.client" && sed 's/^/    | /' "$T.client" | tail -n 15
wait $HVRUN
check $? "robust: the run ends normally after the client detached and vanished" "$T.log"
grep -q 'stopped: instruction limit' "$T.log"
check $? "robust: the VM ran on to its instruction limit" "$T.log"
"$BIN/hvreplay" verify "$T.hvt" >"$T.verify" 2>&1
check $? "robust: the trace verifies" "$T.verify"

# ---- a client that connects and sends nothing ----------------------------------------------------
PORT=$(free_port)
T=$OUT/gdb-live-silent
G=$(cd "$GUESTS" && pwd)
cat >"$T.xml" <<EOF
<system>
  <domain><name>held</name><memory unit="MiB">1</memory><os><image>$G/hello.bin</image></os></domain>
  <domain><name>ticker</name><memory unit="MiB">1</memory><os><image>$G/gdb-ticker.bin</image></os></domain>
</system>
EOF
timeout 200 "$BIN/hvrun" --no-trace --timeout 180 --gdb "$PORT" "$T.xml" >"$T.log" 2>&1 &
HVRUN=$!
timeout 180 python3 - "$PORT" "$T.log" >"$T.client" 2>&1 <<'EOF'
import socket, sys, time
deadline = time.time() + 60
while True:
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.2)
# connected and silent until the neighbour has finished (a bounded wait), then let the held VM go
for _ in range(600):
    if "[ticker] PASS" in open(sys.argv[2], errors="replace").read():
        break
    time.sleep(0.2)
print("held while silent" if "[held] Hello" not in open(sys.argv[2], errors="replace").read() else "ran while silent")
s.sendall(b"$D#44")
s.recv(16)
s.close()
EOF
wait $HVRUN
st=$?
[ $st = 0 ] && grep -q '^held while silent$' "$T.client" && grep -q '^\[ticker\] PASS gdb-ticker' "$T.log" &&
	grep -q '^\[held\] Hello' "$T.log"
check $? "silent: a client that sends nothing holds only its VM, the neighbour runs to its end; after D both end normally" "$T.log"
