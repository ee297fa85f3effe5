#!/bin/sh
# deps.sh [--quiet] PKG... - install the Debian packages that are missing.
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
quiet=0
[ "$1" = "--quiet" ] && { quiet=1; shift; }
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	[ $quiet = 1 ] || echo "deps: all packages are installed"
	exit 0
fi
echo "deps: missing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root: apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2 || { echo "deps: apt-get install failed" >&2; exit 1; }
