#!/bin/bash
# hvview-tty.sh - hvview in a real terminal: sessions under tmux (a server of its own, an
# 80x24 window), keys sent with send-keys, the screen read with capture-pane. Checks that the
# terminal is restored (icanon and echo back on, the shell's screen back) after q, after Ctrl-C,
# after a crash signal, and when the window is too small at the start; that resizing below
# 80x24 says how big it must be and growing back redraws; that NO_COLOR means no colour.
# Waits poll the screen with a generous limit: nothing here depends on speed.
. "$(dirname "$0")/lib.sh"
if ! command -v tmux >/dev/null; then
	ok "# SKIP hvview in a terminal: no tmux"
	exit 0
fi
VDIR="$OUT/hvview-tty"
mkdir -p "$VDIR"
VDIR=$(cd "$VDIR" && pwd)
HVVIEW=$(cd "$(dirname "$BIN/hvview")" && pwd)/hvview
TRACE=$(pwd)/replay/testdata/demo.hvt
SOCK=hvview-test-$$
T() { tmux -L "$SOCK" "$@"; }
trap 'tmux -L "$SOCK" kill-server 2>/dev/null' EXIT

# start NAME COLS ROWS [ENV=VALUE...]: hvview in a new session; afterwards the shell prints its
# exit status and the terminal's icanon/echo settings (as stty -a shows them)
start() {
	local name=$1 cols=$2 rows=$3
	shift 3
	rm -f "$VDIR/$name.pid"
	cat >"$VDIR/$name.sh" <<-EOS
		#!/bin/bash
		bash -c 'echo \$\$ >"$VDIR/$name.pid"; exec env $* TERM=screen "$HVVIEW" "$TRACE"'
		echo "rc=\$?"
		stty -a | tr ' ;' '\n\n' | grep -x -e '-\?icanon' -e '-\?echo' | tr '\n' ' '; echo "<- tty"
		sleep 600
	EOS
	T new-session -d -s "$name" -x "$cols" -y "$rows" "bash $VDIR/$name.sh"
}
# wait_for NAME TEXT: poll the pane (up to 60 s) until it shows TEXT
wait_for() {
	for _ in $(seq 300); do
		T capture-pane -p -t "$1" >"$VDIR/$1.pane" 2>/dev/null
		grep -qF -- "$2" "$VDIR/$1.pane" && return 0
		sleep 0.2
	done
	return 1
}
restored() { grep -q '^icanon echo <- tty' "$VDIR/$1.pane"; }

start quit 80 24
wait_for quit "demo.hvt VM 0 demo" && T send-keys -t quit j && wait_for quit "at exit 1 of 573 events"
check $? "in tmux: opens at the start, j goes to the first exit" "$VDIR/quit.pane"
T send-keys -t quit q && wait_for quit "<- tty" && grep -q "^rc=0$" "$VDIR/quit.pane" && restored quit && ! grep -q "demo.hvt VM 0" "$VDIR/quit.pane"
check $? "q: exit 0, terminal restored (icanon, echo, the shell's screen)" "$VDIR/quit.pane"

start ctrlc 80 24
wait_for ctrlc "demo.hvt VM 0 demo" && T send-keys -t ctrlc C-c && wait_for ctrlc "<- tty" && grep -q "^rc=0$" "$VDIR/ctrlc.pane" && restored ctrlc
check $? "Ctrl-C: exit 0, terminal restored" "$VDIR/ctrlc.pane"

start crash 80 24
wait_for crash "demo.hvt VM 0 demo" && kill -SEGV "$(cat "$VDIR/crash.pid")" && wait_for crash "<- tty" && grep -q "^rc=139$" "$VDIR/crash.pane" && restored crash
check $? "SIGSEGV: the signal's own status (139), terminal restored first" "$VDIR/crash.pane"

start small 60 20
wait_for small "<- tty" && grep -q "^rc=4$" "$VDIR/small.pane" && grep -q "needs at least 80x24" "$VDIR/small.pane" && restored small
check $? "a 60x20 window at the start: says it needs 80x24, exit 4, terminal restored" "$VDIR/small.pane"

start resize 80 24
wait_for resize "demo.hvt VM 0 demo" && T resize-window -t resize -x 70 -y 20 &&
	wait_for resize "needs a window of at least 80x24 (this one is 70x20)" &&
	T resize-window -t resize -x 100 -y 30 && wait_for resize "demo.hvt VM 0 demo" &&
	T send-keys -t resize q && wait_for resize "<- tty" && grep -q "^rc=0$" "$VDIR/resize.pane" && restored resize
check $? "resize: below 80x24 it says how big it must be; growing back redraws" "$VDIR/resize.pane"

# colour: SGR colour codes (30-37, 40-47, 38;5, 48;5) only without NO_COLOR
has_colour() { T capture-pane -e -p -t "$1" | grep -qE $'\e\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5|48;5)[;m]'; }
start colour 80 24
wait_for colour "demo.hvt VM 0 demo" && has_colour colour
check $? "colours on a colour terminal" "$VDIR/colour.pane"
start nocolour 80 24 NO_COLOR=1
wait_for nocolour "demo.hvt VM 0 demo" && ! has_colour nocolour
check $? "NO_COLOR=1: no colour at all (attributes only)" "$VDIR/nocolour.pane"
