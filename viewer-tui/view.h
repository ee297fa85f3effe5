/*
 * view.h - hvview's model (the trace, the position, the commands; no curses) and the character
 * grid it draws into.
 *
 * The viewer is built on the public headers only (retrovisor/hvreplay.h, hvtrace.h): the replay
 * engine does the decoding, the stepping and the searching; this code keeps a position, turns
 * keys into engine calls and lays text out. Layers, as in tig and htop:
 *   view_model.c, view_nav.c, view_who.c   state and commands (unit-tested without a terminal)
 *   view_draw.c, view_panels.c             the screen as text + attributes in a struct view_grid
 *   view_script.c                          headless mode: a key script, a dump after each step
 *   view_curses.c                          the only file that talks to ncurses
 */
#ifndef VIEW_H
#define VIEW_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "retrovisor/hvreplay.h"
#include "view_keys.h"

/* ---- the grid: rows x cols cells of one ASCII character and one attribute ---------------- */
enum view_attr {
	VA_NORMAL,
	VA_BAR,     /* the position bar and the key line */
	VA_TITLE,   /* a panel's title */
	VA_CURRENT, /* the current exit, instruction */
	VA_CHANGED, /* a register changed by the last move, a byte written recently */
	VA_DIM,     /* context: instructions already executed */
	VA_BREAK,   /* a breakpoint */
	VA_WARN,    /* a divergence, a difference, an error message */
	VA_COUNT
};
struct view_grid {
	int rows, cols;
	char *ch;
	unsigned char *at;
};
int grid_resize(struct view_grid *g, int rows, int cols);
void grid_free(struct view_grid *g);
void grid_clear(struct view_grid *g);
/* Text at (y, x), clipped to the grid and to width w (w <= 0: to the right edge); returns the
 * columns written. */
int grid_put(struct view_grid *g, int y, int x, int w, int attr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void grid_attr(struct view_grid *g, int y, int x, int w, int attr);
/* The text of every row, trailing blanks dropped. */
void grid_dump(const struct view_grid *g, FILE *f);

/* ---- the model ----------------------------------------------------------------------------- */
enum view_screen { VS_MAIN, VS_HELP, VS_DIVERGENCE, VS_DIFF };
enum view_prompt { VP_NONE, VP_GOTO, VP_WHO_REG, VP_WHO_BYTE, VP_MEMORY, VP_SEARCH, VP_FILTER, VP_WATCH, VP_PRINTED };

#define VIEW_MAX_BP 32
#define VIEW_MAX_MARKS 32
#define VIEW_HISTORY 64
#define VIEW_MEM_ROWS 32
#define VIEW_MAP_ROWS 512 /* rows of the screen a click can choose */

struct view_place {
	unsigned vm; /* index into the timeline's VMs */
	uint64_t t;
};

/* One side of the viewer: a trace with one replay session per VM on one clock. */
struct view_trace {
	char path[512], name[128]; /* name: the file's base name, sanitized */
	struct rp_timeline *tl;
	unsigned nvms;
	unsigned ids[HVT_MAX_VMS];  /* the VMs' ids, in the timeline's order */
	char vmnames[HVT_MAX_VMS][32];
	struct hvt_reader *r;      /* for the exit list (never the engine's reader) */
	struct hvt_cursor *cu;
	uint64_t nevents;
	uint64_t serial;           /* which opening of a trace this is (1, 2, ...): names it in caches */
	int truncated;
	char truncation[256];
};

struct view_model {
	struct view_trace a, b;    /* b: the second recording (two-recordings screen) */
	int have_b;
	unsigned cur;              /* current VM (index) */
	struct rp_state st, prev;  /* now, and before the last move (change highlight) */
	int have_prev;
	enum view_screen screen, back_screen;
	enum view_prompt prompt;
	char pbuf[128];
	size_t plen;
	char msg[320];
	int msg_warn;
	int show_sys;
	unsigned help_top;          /* first key shown on the help screen */
	/* stops */
	uint64_t bp[VIEW_MAX_BP];
	unsigned nbp;
	struct rp_watch wp;
	int have_wp;
	/* the memory panel */
	int mem_on, mem_phys;
	uint64_t mem_addr;
	uint8_t mem_before[VIEW_MEM_ROWS * 16]; /* the panel's bytes before the last command */
	uint8_t mem_before_ok[VIEW_MEM_ROWS];    /* per row: read (mapped) */
	/* search and filter */
	char search[128];
	int filt_vm, filt_reason;  /* -1: all */
	/* bookmarks and the places visited */
	struct view_place marks[VIEW_MAX_MARKS];
	unsigned nmarks, next_mark;
	struct view_place hist[VIEW_HISTORY];
	unsigned nhist, hpos;
	/* the divergence screen and the two-recordings screen */
	int have_div;
	unsigned div_vm;
	struct rp_divergence div;
	struct rp_state div_st;    /* the replay CPU where it diverged: the engine's, read before any move */
	int div_have_rec;          /* the trace's exit at div.event was read: */
	unsigned div_rec_reason;
	uint64_t div_rec_icount, div_rec_qual, div_rec_gpa;
	uint64_t div_rec_regs[HVT_NREGS];
	struct rp_insn div_hist[RP_HISTORY_MAX]; /* div.hist as the disassembly panel shows it */
	struct rp_insn div_next;   /* the instruction at the replay CPU's PC (len 0: none decoded) */
	unsigned div_top;          /* first line of the divergence screen shown (it scrolls) */
	uint64_t diff_event;       /* first event where a and b part ways */
	int diff_end;              /* 1: a ends there, 2: b ends there, 0: both go on */
	/* long operations: progress and cancel */
	atomic_int cancel;
	void (*poll)(struct view_model *m); /* called between chunks; may set cancel (Esc) */
	void *ui;
	int quit;
	/* what each screen row shows, for the mouse: an exit (its event number) or a console line */
	struct {
		uint8_t kind; /* 0 nothing, 1 an exit, 2 a console line */
		uint64_t v;
	} rowmap[VIEW_MAP_ROWS];
	int click_x, click_y;
	int console_x; /* the console panel's first column (it shares rows with the exit panel) */
};

/* Open one trace (rp_timeline), at the start of its first VM. */
int view_open(struct view_model *m, const char *path, struct hvt_err *err);
/* A second recording: opens the two-recordings screen at their first difference. */
int view_open_second(struct view_model *m, const char *path, struct hvt_err *err);
/* Replay every VM to find where replay and recording disagree: the divergence screen. RP_OK
 * when nothing diverges (the main screen, with a message). */
int view_find_divergence(struct view_model *m, rp_progress_fn progress, void *ctx, struct hvt_err *err);
void view_close(struct view_model *m);

/* One key; m->quit is set by q. */
void view_key(struct view_model *m, int key);
/* The screen into g (any size; a message when it is too small). */
#define VIEW_MIN_COLS 80
#define VIEW_MIN_ROWS 24
void view_draw(struct view_model *m, struct view_grid *g);

/* ---- internals shared by the model's files ------------------------------------------------ */
struct rp_session *view_sess(struct view_model *m);
void view_refresh(struct view_model *m);                   /* re-read the state after a move */
void view_msg(struct view_model *m, int warn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void view_remember(struct view_model *m);                  /* push the current place on the history */
int view_goto_place(struct view_model *m, const struct view_place *p);
int view_goto_event(struct view_model *m, uint64_t event);
void view_run_command(struct view_model *m, enum view_cmd c);
void view_prompt_done(struct view_model *m, enum view_prompt p, const char *text);
int view_search(struct view_model *m, const char *q, int dir);
int view_who_reg(struct view_model *m, const char *name);
int view_who_byte(struct view_model *m, const char *addr);
int view_console_line(struct view_model *m, uint64_t line);
struct rp_control view_control(struct view_model *m);
/* The length of the next line of s at most w columns wide, cut at a blank where there is one
 * (view_panels.c; view_wrap draws with it). */
int view_wrap_cut(const char *s, int w);
/* The divergence screen (view_div.c). */
void view_div_draw(struct view_model *m, struct view_grid *g);
/* One line about an exit: "out 0x3f8 al=0x41 'A'", "msr 0x1b", "console_write" ... */
void view_exit_line(char *buf, size_t n, unsigned reason, uint64_t qual, uint64_t gpa, const uint64_t *regs);
int view_parse_u64(const char *s, uint64_t *v);
const char *view_mode_name(const struct rp_state *st);
void view_print_keys(FILE *f, int markdown);
const char *view_prompt_label(enum view_prompt p);
void view_start_prompt(struct view_model *m, enum view_prompt p);
void view_mem_snapshot(struct view_model *m);
int view_exit_of(struct view_model *m, int dir, int reason, int step_over);
/* The first event where two traces differ (the comparison of `hvtrace diff`). */
int view_diff_first(struct hvt_reader *a, struct hvt_reader *b, uint64_t *event, int *end, struct hvt_err *err);

#endif
