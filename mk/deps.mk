# The Debian packages Retrovisor needs, installed by `make deps` (and quietly by run/check).
DEB_PKGS := bochs bochsbios vgabios grub-pc-bin grub-common xorriso mtools \
	gcc make binutils pkg-config check libsubunit-dev zlib1g-dev libzstd-dev libxml2-dev \
	libxml2-utils libncurses-dev libunicorn-dev libcapstone-dev gdb tmux clang libclang-rt-14-dev \
	qemu-system-x86

deps:
	@scripts/deps.sh $(DEB_PKGS)

deps-quiet:
	@scripts/deps.sh --quiet $(DEB_PKGS)
