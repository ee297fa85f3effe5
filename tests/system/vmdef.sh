#!/bin/bash
# vmdef.sh - VM definitions in XML (docs/vm-definitions.md): a system of two samples boots with
# both consoles labelled; the same VMs from two domain files; the manifest and modules that
# devices, scripted input and the system instruction limit become; bad definitions and
# options get status 64 and a FILE:LINE: <element> message, before any Bochs.
. "$(dirname "$0")/lib.sh"

D="$OUT/vmdef"
rm -rf "$D" && mkdir -p "$D"
G=$(cd "$GUESTS" && pwd)
HVRUN=$(cd "$BIN" && pwd)/hvrun

domain() { # NAME IMAGE [EXTRA XML]
	cat <<-XML
	<domain>
	  <name>$1</name>
	  <memory unit="MiB">1</memory>
	  <os><image>$2</image><entry mode="real"/></os>
	  ${3:-}
	</domain>
	XML
}

{
	echo '<system>'
	domain hello "$G/hello.bin"
	domain cpuid "$G/cpuid.bin" '<cpu weight="3"/>'
	echo '</system>'
} >"$D/pair.xml"
domain hello "$G/hello.bin" >"$D/hello.xml"
domain cpuid "$G/cpuid.bin" >"$D/cpuid.xml"

# 1. A system of two VMs.
"$BIN/hvrun" --timeout 120 -o "$D/pair.hvt" "$D/pair.xml" >"$D/pair.log" 2>&1
rc=$?
check $([ "$rc" = 0 ]; echo $?) "system of two VMs: hvrun exits $rc (want 0)" "$D/pair.log"
for line in "[hello] Hello from a Retrovisor guest" "[hello] PASS hello" \
	"[cpuid] cpuid: signature RetrovisorHV" "[cpuid] PASS cpuid"; do
	grep -qF -- "$line" "$D/pair.log"
	check $? "system of two VMs: console shows '$line'" "$D/pair.log"
done
"$BIN/hvtrace" info "$D/pair.hvt" >"$D/pair.info" 2>&1
grep -q "^VMs: *2" "$D/pair.info" && grep -q "vm0  hello" "$D/pair.info" &&
	grep -q "vm1  cpuid .*weight=3" "$D/pair.info"
check $? "system of two VMs: the trace holds both VMs' configurations" "$D/pair.info"
"$BIN/hvtrace" check "$D/pair.hvt" >"$D/pair.check" 2>&1
check $? "system of two VMs: hvtrace check says the trace is healthy" "$D/pair.check"

# 2. The same VMs from two domain files; the default trace name is the first file's.
(cd "$D" && "$HVRUN" --timeout 120 hello.xml cpuid.xml) >"$D/two.log" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -qF "[hello] PASS hello" "$D/two.log" && grep -qF "[cpuid] PASS cpuid" "$D/two.log"
check $? "two domain files: both VMs run, labelled, hvrun exits $rc" "$D/two.log"
[ -s "$D/out/hello.hvt" ]
check $? "two domain files: the trace goes to out/hello.hvt" "$D/two.log"

# 3. What the hypervisor is given: keep the run directory and look at the ISO's files.
kept_dir() { sed -n 's/^hvrun: run directory kept: //p' "$1"; }
cat >"$D/devices.xml" <<XML
<system instructions="123456">
  <domain>
    <name>ticker</name>
    <memory>64</memory>
    <os><image>$G/hello.bin</image></os>
    <devices><serial><input>ab&#10;</input></serial><timer model="pit"/></devices>
  </domain>
  <domain>
    <name>plain</name>
    <memory>64</memory>
    <os><image>$G/cpuid.bin</image></os>
  </domain>
</system>
XML
"$BIN/hvrun" --keep --no-trace --timeout 120 "$D/devices.xml" >"$D/devices.log" 2>&1
run=$(kept_dir "$D/devices.log")
if [ -n "$run" ] && [ -d "$run/iso/boot" ]; then
	printf 'ab\n' | cmp -s - "$run/iso/boot/vm0.input" && [ ! -e "$run/iso/boot/vm1.input" ]
	check $? "<input>: module vm0.input holds the bytes; no module for a VM without input"
	grep -q "module2 /boot/vm0.input vm0.input" "$run/iso/boot/grub/grub.cfg"
	check $? "<input>: grub.cfg loads vm0.input" "$run/iso/boot/grub/grub.cfg"
	m="$run/iso/boot/manifest.bin"
	# header: insn_limit at 24; VM n at 32 + 96n, its flags at +88
	[ "$(od -An -t u8 -j 24 -N 8 "$m" | tr -d ' ')" = 123456 ]
	check $? "<system instructions>: manifest insn_limit = 123456"
	[ "$(od -An -t u4 -j $((32 + 88)) -N 4 "$m" | tr -d ' ')" = 1 ] &&
		[ "$(od -An -t u4 -j $((32 + 96 + 88)) -N 4 "$m" | tr -d ' ')" = 0 ]
	check $? "<timer model=pit>: HVT_VM_PIT in VM 0's flags only"
	rm -rf "$run"
else
	not_ok "hvrun --keep left a run directory" && sed 's/^/    | /' "$D/devices.log" | tail -n 15
fi
"$BIN/hvrun" --keep --no-trace --timeout 120 --input 'x\ty\n\x41' "$G/hello.bin" >"$D/input.log" 2>&1
run=$(kept_dir "$D/input.log")
printf 'x\ty\nA' | cmp -s - "$run/iso/boot/vm0.input" && grep -qF "PASS hello" "$D/input.log"
check $? "--input on a bare image: module vm0.input holds the unescaped bytes; the guest runs" "$D/input.log"
[ -n "$run" ] && rm -rf "$run"

# 4. Bad definitions and options: status 64, FILE:LINE: <element>, no Bochs.
expect_error() { # WHAT PATTERN ARGS...
	local what=$1 pattern=$2
	shift 2
	"$BIN/hvrun" "$@" >"$D/err.out" 2>"$D/err.log"
	local rc=$?
	[ "$rc" = 64 ] && grep -qF -- "$pattern" "$D/err.log"
	check $? "hvrun $what: status $rc, says '$pattern'" "$D/err.log"
}
printf '<domain>\n  <name>x</name>\n  <memory>64</memory>\n  <os><image>%s</image></os>\n  <floppy/>\n</domain>\n' \
	"$G/hello.bin" >"$D/unknown.xml"
expect_error "with an unknown element" "$D/unknown.xml:5: <floppy>: This element is not expected" "$D/unknown.xml"
printf '<system>\n%s\n%s\n</system>\n' "$(domain twin "$G/hello.bin")" "$(domain twin "$G/cpuid.bin")" >"$D/twins.xml"
expect_error "with two VMs of one name" "$D/twins.xml:9: <name>: VM name 'twin' is already used" "$D/twins.xml"
printf '<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<domain/>\n' >"$D/xxe.xml"
expect_error "with an external entity" "$D/xxe.xml:2: <!DOCTYPE domain>" "$D/xxe.xml"
expect_error "with a missing definition" "cannot read VM definition" "$D/nothing.xml"
expect_error "with --mem and XML" "--mem is for a bare guest image" --mem 2M "$D/pair.xml"
expect_error "with an image and XML" "not both" "$G/hello.bin" "$D/pair.xml"
expect_error "with a bad --input escape" "unknown escape" --input 'a\q' "$G/hello.bin"

# 5. --check and --schema.
"$BIN/hvrun" --check "$D/pair.xml" >"$D/check.out" 2>&1 && grep -q "^1 *cpuid .* 3 uart" "$D/check.out"
check $? "hvrun --check lists the VMs" "$D/check.out"
"$BIN/hvrun" --schema | cmp -s - runner/schema/retrovisor.xsd
check $? "hvrun --schema prints the schema it was built with"
if command -v xmllint >/dev/null; then
	xmllint --noout --nonet --schema runner/schema/retrovisor.xsd "$D/pair.xml" "$D/devices.xml" \
		runner/examples/two-vms.xml >"$D/xmllint.log" 2>&1
	check $? "xmllint agrees the test systems and runner/examples/two-vms.xml are valid" "$D/xmllint.log"
fi
