#!/bin/bash
# readme.sh - README.md shows what exists: the output lines of its "make run" example are lines
# the demo prints today (run as `make run` does: hvrun, hvtrace info, hvtrace stat), every
# build/bin tool and hvtrace command it names exists, every `make` target it names is one, its
# links stay inside the repository and point at files, and it names every page of docs/.
. "$(dirname "$0")/lib.sh"
RDIR="$OUT/readme"
mkdir -p "$RDIR"

# the "What you see" block: from "$ make run" to the first command after it
awk '/^    \$ make run$/ { on = 1; next } on && /^    \$ / { exit } on { print }' README.md |
	sed 's/^    //' >"$RDIR/shown.txt"
[ -s "$RDIR/shown.txt" ]
check $? "README shows the output of make run" "$RDIR/shown.txt"

if "$BIN/hvrun" -o "$RDIR/demo.hvt" "$GUESTS/demo.bin" >"$RDIR/run.log" 2>&1; then
	"$BIN/hvtrace" info "$RDIR/demo.hvt" >>"$RDIR/run.log" 2>&1
	"$BIN/hvtrace" stat "$RDIR/demo.hvt" >>"$RDIR/run.log" 2>&1
	sed -i "s|$RDIR/demo.hvt|out/demo.hvt|" "$RDIR/run.log"
	# every shown line but the elisions ("...", "... # comment") is a line of the real output
	: >"$RDIR/missing.txt"
	while IFS= read -r line; do
		[[ $line == ...* || -z $line ]] && continue
		grep -qxF -- "$line" "$RDIR/run.log" || echo "not printed today: $line" >>"$RDIR/missing.txt"
	done <"$RDIR/shown.txt"
	[ ! -s "$RDIR/missing.txt" ]
	check $? "README's make run output is what the demo prints today" "$RDIR/missing.txt"
else
	check 1 "the demo runs (for README's example)" "$RDIR/run.log"
fi

# the tools and hvtrace commands it names
: >"$RDIR/tools.txt"
for tool in $(grep -o 'build/bin/[a-z]*' README.md | sort -u); do
	[ -x "$BIN/${tool#build/bin/}" ] || echo "no such tool: $tool" >>"$RDIR/tools.txt"
done
"$BIN/hvtrace" --help >"$RDIR/hvtrace-help.txt" 2>&1
for cmd in $(grep -o 'hvtrace [a-z]*' README.md | awk '{ print $2 }' | sort -u); do
	grep -q "^  $cmd " "$RDIR/hvtrace-help.txt" || echo "no such hvtrace command: $cmd" >>"$RDIR/tools.txt"
done
for cmd in $(sed -n 's/.*(info, \(.*\): \[docs.*/\1/p' README.md | tr -d ',' | tr ' ' '\n'); do
	grep -q "^  $cmd " "$RDIR/hvtrace-help.txt" || echo "no such hvtrace command: $cmd" >>"$RDIR/tools.txt"
done
[ ! -s "$RDIR/tools.txt" ]
check $? "every tool and hvtrace command README names exists" "$RDIR/tools.txt"

# the make targets its commands use (make -n: print, do not run)
: >"$RDIR/targets.txt"
for t in $(grep -o '^    \$ make [a-z-]*\|`make [a-z-]*' README.md | awk '{ print $NF }' | sort -u); do
	make -n "$t" TRACE=out/demo.hvt GUEST=demo >/dev/null 2>&1 || echo "no make target: $t" >>"$RDIR/targets.txt"
done
[ ! -s "$RDIR/targets.txt" ]
check $? "every make target README names exists" "$RDIR/targets.txt"

# links: inside the repository, to files that are there; every docs/ page named
: >"$RDIR/links.txt"
grep -o '](http[^)]*)' README.md >>"$RDIR/links.txt"
for f in $(grep -o '](\([^)#]*\))' README.md | sed 's/^](\(.*\))$/\1/'); do
	[ -e "$f" ] || echo "no such file: $f" >>"$RDIR/links.txt"
done
for d in docs/*.md; do
	grep -qF "($d)" README.md || echo "not linked from README: $d" >>"$RDIR/links.txt"
done
[ ! -s "$RDIR/links.txt" ]
check $? "README links only files of the repository, and every page of docs/" "$RDIR/links.txt"
