# retrovisor.py - gdb follows a Retrovisor guest across CPU modes (docs/debugger.md).
#
# gdb reads a target description once and takes its architecture from it; gdb 13 refuses
# `set architecture i8086` or `i386` under an x86-64 description, and even under an i386 one its
# disassembler keeps the description's mode. So at every stop (and after every monitor command,
# which may move in time) this asks the stub for the CPU mode ("monitor mode": real, protected,
# long, from CR0.PE and CS's code size), and when it needs another architecture, tells the stub
# to serve that description ("monitor arch i8086|i386|i386:x86-64") and makes gdb re-read it
# ("unset tdesc filename"). Then `x/i $pc`, `stepi` and breakpoints read right in every mode.
#
# Load it with `gdb -x gdb/retrovisor.py -ex 'target remote 127.0.0.1:PORT'` (make replay-gdb
# does); `rv-sync` runs it by hand.
import gdb

_busy = False


def _mode():
    """(mode, architecture needed, architecture served) from the stub, or None.

    The answer is the line "mode: MODE NEED SERVED ..."; it is searched for because the text
    gdb captures may begin with the end of the previous monitor command's output."""
    try:
        out = gdb.execute("monitor mode", to_string=True)
    except gdb.error:
        return None
    for line in reversed(out.splitlines()):
        words = line.split()
        if len(words) >= 4 and words[0] == "mode:":
            return words[1], words[2], words[3]
    return None


def rv_sync():
    global _busy
    if _busy:
        return
    _busy = True
    try:
        m = _mode()
        if m is None:
            return
        mode, need, served = m
        if need != served:
            gdb.execute("monitor arch " + need, to_string=True)
            gdb.execute("unset tdesc filename", to_string=True)
        # a monitor command may have moved in time: registers and frames are read again
        gdb.execute("maintenance flush register-cache", to_string=True)
    finally:
        _busy = False


def _on_stop(event):
    rv_sync()


class RvSync(gdb.Command):
    """Ask the Retrovisor stub for the CPU mode and set gdb's architecture from it."""

    def __init__(self):
        super().__init__("rv-sync", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        rv_sync()
        m = _mode()
        if m and from_tty:
            print("mode %s, architecture %s" % (m[0], m[1]))


RvSync()
gdb.events.stop.connect(_on_stop)
# after a monitor command (goto, next-exit, vm ...): the position or the VM may have changed
gdb.execute("define hookpost-monitor\nrv-sync\nend")
# a first sync once connected (no stop event for the connection itself)
gdb.events.new_objfile  # (kept for old gdbs without events.connection)
if hasattr(gdb.events, "new_inferior"):
    pass
gdb.execute("set pagination off")
