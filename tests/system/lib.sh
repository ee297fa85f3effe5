# lib.sh - helpers for the system tests (sourced). Each test prints "ok - what" or
# "not ok - what" lines; run-all.sh counts them.
BIN=${BIN:-build/bin}
GUESTS=${GUESTS:-build/guests}
OUT=${OUT:-out/system}
mkdir -p "$OUT"

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

# check COND_STATUS WHAT [LOG]: report, and on failure show the tail of LOG.
check() {
	local st=$1 what=$2 log=${3:-}
	if [ "$st" = 0 ]; then
		ok "$what"
	else
		not_ok "$what"
		[ -n "$log" ] && [ -f "$log" ] && sed 's/^/    | /' "$log" | tail -n 15
	fi
}
