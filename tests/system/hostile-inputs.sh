#!/bin/bash
# hostile-inputs.sh - a corpus of hostile inputs for the host tools, each with the exit status
# and the message it must get (docs/reliability.md lists the classes): special files (FIFOs,
# devices, directories, pipes) where files are expected, outputs that would destroy a device or
# an input, standard output that cannot be written, traces whose bytes are whole but whose
# records contradict what they declare, strings with terminal controls, options out of range,
# paths that a shell would have run. Every output must be printable text (no raw control byte,
# nothing from 0x80 up) and free of sanitizer reports (check-san-tools.sh runs this file with
# the ASan+UBSan tools). Statuses: include/retrovisor/exit_status.h.
. "$(dirname "$0")/lib.sh"
HOSTILE=${HOSTILE:-$(dirname "$BIN")/tests/trace_hostile}
D="$OUT/hostile-inputs"
rm -rf "$D"
mkdir -p "$D"
L="$D/out.log"
LIMIT=${HOSTILE_TIMEOUT:-120} # seconds: a guard against hangs (a FIFO opened blocking), not a measure

# printable: only tab, newline and ASCII 0x20-0x7E, and no sanitizer report
printable() {
	[ "$(LC_ALL=C tr -d '\t\n\040-\176' <"$1" | wc -c)" = 0 ] && ! grep -q "Sanitizer\|runtime error" "$1"
}
# expect WANT PATTERN CMD...: CMD's status is WANT, its stdout+stderr hold PATTERN, all printable
expect() {
	local want=$1 pat=$2 rc
	shift 2
	timeout "$LIMIT" "$@" >"$L" 2>&1
	rc=$?
	[ "$rc" = "$want" ] && grep -qF -- "$pat" "$L" && printable "$L"
	check $? "$(printf '%q ' "${@##*/}")-> status $want, '$pat' (got $rc)" "$L"
}
# expect_full WANT PATTERN CMD...: the same with stdout on /dev/full (stderr checked)
expect_full() {
	local want=$1 pat=$2 rc
	shift 2
	timeout "$LIMIT" "$@" >"$FULLDEV" 2>"$L"
	rc=$?
	[ "$rc" = "$want" ] && grep -qF -- "$pat" "$L" && printable "$L"
	check $? "$(printf '%q ' "${@##*/}")>full -> status $want, '$pat' (got $rc)" "$L"
}

# ---- material: a recorded trace (hello, with an instruction limit), a synthetic one ----------
T="$D/hello.hvt"
"$BIN/hvrun" -q --insn-limit 1000000 -o "$T" "$GUESTS/hello.bin" >"$L" 2>&1
check $? "hostile inputs: hello recorded as the base trace" "$L"
"$BIN/hvtrace" synth --exits 200 --vms 2 -o "$D/synth.hvt" >"$L" 2>&1
check $? "hostile inputs: a synthetic two-VM trace" "$L"
mkfifo "$D/fifo"
mkdir "$D/dir"
# The devices the outputs aim at. As root, private nodes of /dev/null and /dev/full: a tool that
# regressed would replace those with a regular file, not the system's (renaming over /dev/full
# needs write access to /dev, so as any other user the real ones are safe to aim at).
NULLDEV=/dev/null FULLDEV=/dev/full
if [ "$(id -u)" = 0 ] && mknod -m 666 "$D/null" c 1 3 2>/dev/null && mknod -m 666 "$D/full" c 1 7 2>/dev/null; then
	NULLDEV=$D/null FULLDEV=$D/full
fi
cp "$GUESTS/hello.bin" "$D/img.bin"
printf '<system><domain><name>a</name><memory>64</memory><os><image>img.bin</image></os></domain></system>\n' \
	>"$D/def.xml"
printf '<system><include file="fifo"/></system>\n' >"$D/inc-fifo.xml"
printf '<system><domain><name>a</name><memory>64</memory><os><image>fifo</image></os></domain></system>\n' \
	>"$D/img-fifo.xml"

# ---- special files where a regular file is expected: refused at once, said in words ----------
for tool in "hvtrace info" "hvtrace check" "hvreplay verify"; do
	expect 64 "a FIFO, not a regular file: traces must be seekable regular files" $BIN/$tool "$D/fifo"
	expect 64 "a character device, not a regular file" $BIN/$tool /dev/zero
	expect 64 "a directory, not a regular file" $BIN/$tool "$D/dir"
	expect 64 "No such file" $BIN/$tool "$D/absent.hvt"
done
cat "$T" | expect 64 "traces must be seekable regular files" "$BIN/hvtrace" info /dev/stdin
expect 64 "guest images must be seekable regular files" "$BIN/hvrun" "$D/fifo"
expect 64 "hypervisor images must be seekable regular files" "$BIN/hvrun" --hv /dev/zero "$D/img.bin"
expect 64 "hypervisor images must be seekable regular files" "$BIN/hvrun" --hv "$D/fifo" "$D/img.bin"
expect 64 "VM definitions must be seekable regular files" "$BIN/hvrun" --check "$D/inc-fifo.xml"
expect 64 "guest images must be seekable regular files" "$BIN/hvrun" --check "$D/img-fifo.xml"

# ---- outputs that would destroy a device or an input ------------------------------------------
cp "$T" "$D/keep.hvt"
expect 64 "this file is also an input" "$BIN/hvtrace" export --xml -o "$D/keep.hvt" "$D/keep.hvt"
ln -f "$D/keep.hvt" "$D/link.hvt"
expect 64 "this file is also an input" "$BIN/hvtrace" export --xml -o "$D/link.hvt" "$D/keep.hvt"
cmp -s "$T" "$D/keep.hvt"
check $? "hostile inputs: the trace is unchanged after export -o onto itself"
expect 64 "not a regular file: refusing to replace it" "$BIN/hvtrace" export --xml -o "$NULLDEV" "$T"
expect 64 "not a regular file: refusing to replace it" "$BIN/hvtrace" synth -o "$FULLDEV"
expect 64 "this file is also an input" "$BIN/hvrun" -o "$D/img.bin" "$D/img.bin"
expect 64 "this file is also an input" "$BIN/hvrun" -o "$D/def.xml" "$D/def.xml"
expect 64 "not a regular file: refusing to replace it" "$BIN/hvrun" -o "$NULLDEV" "$D/img.bin"
cmp -s "$GUESTS/hello.bin" "$D/img.bin" && [ -c "$NULLDEV" ] && [ -c "$FULLDEV" ]
check $? "hostile inputs: the image is unchanged, $NULLDEV and $FULLDEV are still devices"

# ---- standard output that cannot be written: status 4 and a message -------------------------
for sub in info check stat dump; do
	expect_full 4 "standard output: No space left on device" $BIN/hvtrace $sub "$T"
done
expect_full 4 "hvtrace: standard output: " "$BIN/hvtrace" export --xml "$T"
! grep -q "I/O error" "$L"
check $? "hostile inputs: libxml2's own messages are not printed" "$L"
expect_full 4 "standard output" "$BIN/hvtrace" diff "$T" "$D/keep.hvt"
expect_full 4 "standard output" "$BIN/hvtrace" --help
expect_full 4 "standard output" "$BIN/hvreplay" verify "$T"
expect_full 4 "standard output" "$BIN/hvrun" --schema
expect_full 4 "standard output" "$BIN/hvrun" --check "$D/def.xml"

# ---- traces whose CRCs are right but whose records contradict what they declare --------------
"$HOSTILE" mem4g "$T" "$D/mem4g.hvt" &&
	"$HOSTILE" late "$T" "$D/late.hvt" &&
	"$HOSTILE" reason=127 "$T" "$D/r127.hvt" &&
	"$HOSTILE" reason=0 "$T" "$D/r0.hvt" &&
	"$HOSTILE" name "$T" "$D/name.hvt" &&
	"$HOSTILE" recorder "$T" "$D/recorder.hvt" &&
	"$HOSTILE" note "$T" "$D/note.hvt" &&
	"$HOSTILE" chunk-reserved "$T" "$D/chunk-res.hvt" &&
	"$HOSTILE" chunk-nocrc "$T" "$D/chunk-nocrc.hvt" &&
	"$HOSTILE" chunk-vm "$T" "$D/chunk-vm.hvt" &&
	"$HOSTILE" chunk-icount "$T" "$D/chunk-icount.hvt" &&
	"$HOSTILE" configs=20000 "$T" "$D/configs.hvt"
check $? "hostile inputs: trace_hostile made its traces"
expect 2 "4294967296 bytes of memory; a VM has 64 KiB to 1024 MiB" "$BIN/hvtrace" check "$D/mem4g.hvt"
expect 2 "not replayable: VM 0: 4294967296 bytes of memory" "$BIN/hvreplay" verify "$D/mem4g.hvt"
expect 2 "past its limit of 1000000" "$BIN/hvtrace" check "$D/late.hvt"
expect 2 "not replayable: event" "$BIN/hvreplay" verify "$D/late.hvt"
expect 0 "health:       damaged: event" "$BIN/hvtrace" info "$D/late.hvt" # the verdict check gives
expect 2 "reserved bytes not zero" "$BIN/hvtrace" check "$D/chunk-res.hvt"
expect 2 "no payload CRC (flag clear)" "$BIN/hvtrace" check "$D/chunk-nocrc.hvt"
expect 2 "chunk 0 at offset 1712: its header says VM 1 at instruction 0 is current, the events before it leave VM 0 at 0" "$BIN/hvtrace" check "$D/chunk-vm.hvt"
expect 2 "its header says VM 0 at instruction 5 is current" "$BIN/hvtrace" check "$D/chunk-icount.hvt"
expect 2 "not replayable: chunk 0" "$BIN/hvreplay" verify "$D/chunk-icount.hvt"
cat "$T" "$T" >"$D/twice.hvt"
expect 2 "VM 0 is configured twice" "$BIN/hvtrace" check "$D/configs.hvt"
expect 0 "... 19985 more configurations" "$BIN/hvtrace" info "$D/configs.hvt" # one pass, not a search per VM
expect 2 "bytes after the footer (another trace appended?)" "$BIN/hvtrace" check "$D/twice.hvt"
expect 2 "exit reason 127 is not a VMX basic exit reason" "$BIN/hvtrace" check "$D/r127.hvt"
expect 2 "exit reason 127 is not a VMX basic exit reason" "$BIN/hvreplay" verify "$D/r127.hvt"
expect 2 "EXCEPTION_NMI is an asynchronous exit, yet RIP advanced" "$BIN/hvtrace" check "$D/r0.hvt"
expect 2 "EXCEPTION_NMI is an asynchronous exit" "$BIN/hvreplay" verify "$D/r0.hvt"

# ---- strings from a trace with terminal controls: shown escaped, XML stays well-formed --------
expect 0 'e\x1b[1mvil\x07\xe2\x80\xae' "$BIN/hvtrace" info "$D/name.hvt"
expect 0 'VM 0 (e\x1b[1mvil\x07\xe2\x80\xae): ' "$BIN/hvreplay" verify "$D/name.hvt"
expect 0 'emulator=\x1b]0;pwned\x07 \xc2\x9b2J' "$BIN/hvtrace" info "$D/recorder.hvt"
expect 0 'bell\x07 esc\x1b[2J c1\x9b bad\xff\xfe' "$BIN/hvtrace" dump "$D/note.hvt"
for t in name recorder note; do
	"$BIN/hvtrace" export --xml -o "$D/$t.xml" "$D/$t.hvt" >"$L" 2>&1 && xmllint --noout "$D/$t.xml" >>"$L" 2>&1 &&
		printable "$D/$t.xml"
	check $? "hostile inputs: export --xml of the $t trace is well-formed printable XML" "$L"
done

# ---- options: checked, the option and the reason named ---------------------------------------
expect 64 "--vm 1: the trace has no such VM (its VMs: 0)" "$BIN/hvreplay" verify --vm 1 "$T"
expect 64 "--vm: '-1' is not a number" "$BIN/hvreplay" verify --vm -1 "$T"
expect 64 "--vm: '4294967296' is too large (at most 15)" "$BIN/hvreplay" verify --vm 4294967296 "$T"
expect 64 "unknown option --bogus" "$BIN/hvreplay" verify --bogus "$T"
expect 64 "--count: '0' is too small (at least 1)" "$BIN/hvreplay" seek --count 0 "$T"
expect 64 "--from 100 is after --to 5" "$BIN/hvreplay" itrace --from 100 --to 5 "$T"
expect 64 "--from 100 is after --to 5" "$BIN/hvtrace" dump --from 100 --to 5 "$T"
expect 64 "--vm 5: " "$BIN/hvtrace" dump --vm 5 "$D/synth.hvt"
expect 64 "--vm 5: " "$BIN/hvtrace" stat --vm 5 "$D/synth.hvt"
expect 0 " 10 vm1 " "$BIN/hvtrace" dump --from 010 --to 10 "$D/synth.hvt" # decimal, as in XML
expect 64 "--load: '-1' is not a number" "$BIN/hvrun" --load -1 "$D/img.bin"
expect 64 "--entry: '-1' is not a number" "$BIN/hvrun" --entry -1 "$D/img.bin"
expect 64 "--insn-limit: '-1' is not a number" "$BIN/hvrun" --insn-limit -1 "$D/img.bin"
expect 64 "--mem: '18014398509482048K' is too large" "$BIN/hvrun" --mem 18014398509482048K "$D/img.bin"
expect 64 "--mem: '010K' is too small" "$BIN/hvrun" --mem 010K "$D/img.bin"
expect 64 "is not a VM name" "$BIN/hvrun" --name $'../e\x1b[1mvil' "$D/img.bin"
expect 64 "is not a Bochs CPU model name" "$BIN/hvrun" --cpu $'x\nromimage: file=/etc/passwd' "$D/img.bin"
expect 64 "--timeout: '0' is too small" "$BIN/hvrun" --timeout 0 "$D/img.bin"

# ---- a long replay can be interrupted: itrace writes more than a pipe holds to one nobody reads;
# once it has written its first line it is running, and SIGTERM (what Ctrl-C's SIGINT does too;
# a background job of a script ignores SIGINT) ends it with status 4 and a message
mkfifo "$D/out.fifo"
"$BIN/hvreplay" itrace "$T" >"$D/out.fifo" 2>"$L" &
pid=$!
exec 3<"$D/out.fifo"
read -r _ <&3
kill -TERM $pid
wait $pid
rc=$?
exec 3<&-
[ "$rc" = 4 ] && grep -q "hvreplay: interrupted" "$L"
check $? "hostile inputs: hvreplay itrace interrupted mid-replay: status 4 and says so (got $rc)" "$L"

# ---- paths a shell would have run: TMPDIR with quotes and a command ----------------------------
Q="$(cd "$D" && pwd)/q';touch PWNED;'"
mkdir -p "$Q"
B=$(cd "$BIN" && pwd) G=$(cd "$GUESTS" && pwd)
(cd "$D" && TMPDIR="$Q" "$B/hvrun" -q --no-trace "$G/hello.bin") >"$L" 2>&1
rc=$?
[ "$rc" = 0 ] && [ ! -e "$D/PWNED" ] && [ ! -e PWNED ] && [ -z "$(ls -A "$Q")" ] && printable "$L"
check $? "hostile inputs: TMPDIR holding ';touch PWNED;' runs nothing and is cleaned (status $rc)" "$L"
