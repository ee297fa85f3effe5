/*
 * view_keys.h - hvview's keys, listed once.
 *
 * The `?` screen, `hvview --help` and the key section of docs/viewer.md are all generated from
 * this list (the last by `hvview --keys-markdown`; tests/unit/check_view_keys.c and
 * tests/system/hvview.sh pin the three to it). A key is a byte (printable ASCII, or a control
 * character) or one of the VK_ codes below, which the curses layer and the key-script reader
 * produce from the terminal's special keys.
 *
 * X(COMMAND, key, second key or 0, "keys as shown", "what it does")
 */
#ifndef VIEW_KEYS_H
#define VIEW_KEYS_H

enum view_vkey {
	VK_CTRL_C = 3,
	VK_TAB = 9,
	VK_ENTER = 10,
	VK_CTRL_L = 12,
	VK_ESC = 27,
	VK_UP = 0x101,
	VK_DOWN,
	VK_LEFT,
	VK_RIGHT,
	VK_HOME,
	VK_END,
	VK_PGUP,
	VK_PGDN,
	VK_BACKSPACE,
	VK_RESIZE, /* the window changed size (the script's <Resize WxH>) */
	VK_CLICK   /* mouse button 1 at (view_model.click_x, click_y) (the script's <Click X,Y>) */
};

#define VIEW_KEY_LIST(X)                                                                                      \
	X(STEP_FWD, 'l', VK_RIGHT, "l, Right", "step one instruction forward (an exit counts as one)")          \
	X(STEP_BACK, 'h', VK_LEFT, "h, Left", "step one instruction backward")                                  \
	X(EXIT_NEXT, 'j', VK_DOWN, "j, Down", "next exit of this VM (of the filtered reason, if any)")          \
	X(EXIT_PREV, 'k', VK_UP, "k, Up", "previous exit of this VM")                                           \
	X(SAME_NEXT, ']', 0, "]", "next exit of the same reason as the current one")                           \
	X(SAME_PREV, '[', 0, "[", "previous exit of the same reason")                                          \
	X(CONT_FWD, 'c', 0, "c", "continue forward to a breakpoint or watchpoint")                             \
	X(CONT_BACK, 'C', 0, "C", "continue backward to a breakpoint or watchpoint")                           \
	X(BREAK, 'b', 0, "b", "set or clear a breakpoint at the current instruction")                          \
	X(WATCH, 'w', 0, "w", "watch writes to a linear address (prompt: ADDR [LEN]; empty clears)")           \
	X(GOTO, 'g', 0, "g", "go to: an exit event number, N% of the trace, or tN (instruction count N)")      \
	X(START, VK_HOME, 0, "Home", "go to the start of this VM")                                            \
	X(WHO_REG, 'r', 0, "r", "who set this register? (prompt: name) goes to the instruction or exit")       \
	X(WHO_BYTE, 'W', 0, "W", "who wrote this byte? (prompt: linear address) goes to the write")            \
	X(MEMORY, 'x', 0, "x", "show memory at a linear address (pADDR: guest-physical; empty hides)")         \
	X(SEARCH, '/', 0, "/", "search forward: REASON, port N, addr A, or text STRING (console)")             \
	X(SEARCH_NEXT, 'n', 0, "n", "repeat the search forward")                                               \
	X(SEARCH_PREV, 'N', 0, "N", "repeat the search backward")                                              \
	X(PRINTED, 'p', 0, "p", "go to the exit that printed console line N (prompt; or click the line)")      \
	X(FILTER, 'f', 0, "f", "filter the exit list: vm N, reason R, or off")                                 \
	X(MARK, 'm', 0, "m", "bookmark the current position")                                                  \
	X(NEXT_MARK, '\'', 0, "'", "go to the next bookmark")                                                  \
	X(BACK, '<', 0, "<", "back to the previous place visited")                                             \
	X(FORWARD, '>', 0, ">", "forward again")                                                               \
	X(SWITCH_VM, 'v', VK_TAB, "v, Tab", "switch to the next VM (all VMs as of the current exit)")          \
	X(OTHER, 'o', 0, "o", "two recordings: the other one (A or B), at the same event")                   \
	X(SYSREGS, 's', 0, "s", "show or hide segments, control registers and descriptor tables")              \
	X(REDRAW, VK_CTRL_L, 0, "Ctrl-L", "redraw the screen")                                                 \
	X(HELP, '?', 0, "?", "this list of keys (any key closes it)")                                          \
	X(CANCEL, VK_ESC, 0, "Esc", "cancel a prompt; while something long runs, cancel it (so does Ctrl-C)")  \
	X(QUIT, 'q', VK_CTRL_C, "q, Ctrl-C", "quit")

enum view_cmd {
	VCMD_NONE,
#define VIEW_KEY_ENUM(cmd, k1, k2, keys, what) VCMD_##cmd,
	VIEW_KEY_LIST(VIEW_KEY_ENUM)
#undef VIEW_KEY_ENUM
	VCMD_COUNT
};

struct view_key_info {
	enum view_cmd cmd;
	int key, key2;
	const char *keys, *what;
};
extern const struct view_key_info view_keys[];
extern const unsigned view_nkeys;
/* The command a key runs, VCMD_NONE when none. */
enum view_cmd view_key_cmd(int key);

#endif
