/*
 * view_curses.c - the only file that talks to ncurses: the terminal in and out, keys, colours,
 * resize, and the terminal restored however hvview ends.
 *
 * The grid (view_grid.c) is copied to the screen as it is, so what a user sees is what the
 * headless tests compare. Colours follow https://no-color.org: NO_COLOR set and not empty, or a
 * terminal without colours, gives attributes only (bold, reverse, underline, dim).
 *
 * Signals: Ctrl-C (SIGINT) sets the cancel flag the engine reads between chunks (a long move
 * stops and the position stays where it was); when nothing runs it quits. A crash signal
 * (SEGV, BUS, FPE, ILL, ABRT) and TERM, HUP, QUIT restore the terminal, then take their default
 * action (a core dump stays possible). endwin() in a handler is what htop and tig do too: the
 * process is ending, and a terminal left in raw mode is the worse outcome.
 */
#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "view.h"

static volatile sig_atomic_t got_int, in_curses;
static struct view_model *sig_model;
static attr_t amap[VA_COUNT];

static void on_int(int sig)
{
	(void)sig;
	got_int = 1;
	if (sig_model)
		atomic_store(&sig_model->cancel, 1);
}

static void on_fatal(int sig)
{
	if (in_curses)
		endwin();
	in_curses = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void set_attrs(void)
{
	const char *nc = getenv("NO_COLOR");
	int color = (!nc || !*nc) && has_colors();
	amap[VA_NORMAL] = A_NORMAL;
	amap[VA_BAR] = A_REVERSE;
	amap[VA_TITLE] = A_BOLD | A_UNDERLINE;
	amap[VA_CURRENT] = A_REVERSE | A_BOLD;
	amap[VA_CHANGED] = A_BOLD;
	amap[VA_DIM] = A_DIM;
	amap[VA_BREAK] = A_BOLD | A_UNDERLINE;
	amap[VA_WARN] = A_BOLD;
	if (!color)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_CYAN, -1);
	init_pair(2, COLOR_YELLOW, -1);
	init_pair(3, COLOR_RED, -1);
	init_pair(4, COLOR_BLUE, -1);
	init_pair(5, COLOR_BLACK, COLOR_CYAN);
	amap[VA_BAR] = COLOR_PAIR(5);
	amap[VA_TITLE] = A_BOLD | COLOR_PAIR(1);
	amap[VA_CHANGED] = A_BOLD | COLOR_PAIR(2);
	amap[VA_DIM] = COLOR_PAIR(4);
	amap[VA_BREAK] = A_BOLD | COLOR_PAIR(3);
	amap[VA_WARN] = A_BOLD | COLOR_PAIR(3);
}

static void blit(const struct view_grid *g)
{
	for (int y = 0; y < g->rows && y < LINES; y++) {
		move(y, 0);
		for (int x = 0; x < g->cols && x < COLS;) {
			int a = g->at[y * g->cols + x], n = 1;
			while (x + n < g->cols && x + n < COLS && g->at[y * g->cols + x + n] == a)
				n++;
			attrset(amap[a]);
			addnstr(g->ch + y * g->cols + x, n);
			x += n;
		}
	}
	attrset(A_NORMAL);
	refresh();
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Between chunks of a long move: Esc cancels, and now and then a line says it is working. */
static void poll_keys(struct view_model *m)
{
	static double last;
	nodelay(stdscr, TRUE);
	int c = getch();
	nodelay(stdscr, FALSE);
	if (c == 27 || c == 3)
		atomic_store(&m->cancel, 1);
	else if (c != ERR)
		ungetch(c); /* typed ahead: keep it for after the move */
	double t = now();
	if (t - last > 0.2) {
		last = t;
		attrset(A_BOLD);
		mvprintw(LINES - 2, 0, "working... (Esc or Ctrl-C cancels)");
		clrtoeol();
		attrset(A_NORMAL);
		refresh();
	}
}

static int translate(int c)
{
	switch (c) {
	case KEY_UP:
		return VK_UP;
	case KEY_DOWN:
		return VK_DOWN;
	case KEY_LEFT:
		return VK_LEFT;
	case KEY_RIGHT:
		return VK_RIGHT;
	case KEY_HOME:
		return VK_HOME;
	case KEY_END:
		return VK_END;
	case KEY_PPAGE:
		return VK_PGUP;
	case KEY_NPAGE:
		return VK_PGDN;
	case KEY_BACKSPACE:
		return VK_BACKSPACE;
	case KEY_ENTER:
	case '\r':
		return VK_ENTER;
	case KEY_RESIZE:
		return VK_RESIZE;
	}
	return c >= 0 && c < 0x100 ? c : 0;
}

int view_curses_run(struct view_model *m, char *why, size_t whylen)
{
	struct sigaction sa = {0}, fa = {0};
	sa.sa_handler = on_int; /* no SA_RESTART: getch returns at once */
	sigaction(SIGINT, &sa, NULL);
	fa.sa_handler = on_fatal;
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM, SIGHUP, SIGQUIT};
	for (unsigned i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &fa, NULL);
	sig_model = m;
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		snprintf(why, whylen, "cannot use this terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	in_curses = 1;
	if (COLS < VIEW_MIN_COLS || LINES < VIEW_MIN_ROWS) {
		int c = COLS, l = LINES;
		endwin();
		in_curses = 0;
		delscreen(scr);
		snprintf(why, whylen, "the window is %dx%d; hvview needs at least %dx%d", c, l, VIEW_MIN_COLS,
			 VIEW_MIN_ROWS);
		return -1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	set_attrs();
	m->poll = poll_keys;
	struct view_grid g = {0};
	grid_resize(&g, LINES, COLS);
	while (!m->quit) {
		view_draw(m, &g);
		erase();
		blit(&g);
		got_int = 0;
		int c = getch();
		if (got_int) { /* Ctrl-C with nothing running: quit */
			break;
		}
		if (c == ERR)
			continue;
		if (c == KEY_MOUSE) {
			MEVENT me;
			c = 0;
			if (getmouse(&me) == OK) {
				if (me.bstate & BUTTON1_CLICKED) {
					m->click_x = me.x;
					m->click_y = me.y;
					view_key(m, VK_CLICK);
				} else
					c = me.bstate & BUTTON4_PRESSED ? KEY_UP : me.bstate & BUTTON5_PRESSED ? KEY_DOWN : 0;
			}
		}
		int k = translate(c);
		if (k == VK_RESIZE || (g.rows != LINES || g.cols != COLS))
			grid_resize(&g, LINES, COLS);
		if (k == VK_CTRL_L)
			clearok(curscr, TRUE);
		if (k)
			view_key(m, k);
		if (got_int) { /* Ctrl-C cancelled what was running: stay */
			got_int = 0;
			atomic_store(&m->cancel, 0);
		}
	}
	grid_free(&g);
	endwin();
	in_curses = 0;
	delscreen(scr);
	return 0;
}
