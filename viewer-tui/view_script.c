/*
 * view_script.c - headless mode: play a key script against a grid of a given size and print the
 * screen after each line, the way tig tests itself. No terminal is involved: the grid is what
 * the curses layer would copy to the screen.
 *
 * A script is one step per line ('#' starts a comment line). A line's characters are keys, as
 * typed; <Name> is a special key: <Enter> <Esc> <Up> <Down> <Left> <Right> <Home> <End> <PgUp>
 * <PgDn> <Tab> <BS> <C-c> <C-l>; <Resize WxH> changes the window's size and <Click X,Y> is
 * mouse button 1 at column X, row Y (from 0). A '<' that does not
 * start one of these is the key '<'.
 *
 * --timing prints how long each step took (its keys and the screen after them) on standard
 * error, for make bench; never for a test.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "view.h"

static const struct {
	const char *name;
	int key;
} names[] = {
	{"Enter", VK_ENTER}, {"Esc", VK_ESC},   {"Up", VK_UP},     {"Down", VK_DOWN}, {"Left", VK_LEFT},
	{"Right", VK_RIGHT}, {"Home", VK_HOME}, {"End", VK_END},   {"PgUp", VK_PGUP}, {"PgDn", VK_PGDN},
	{"Tab", VK_TAB},     {"BS", VK_BACKSPACE}, {"C-c", VK_CTRL_C}, {"C-l", VK_CTRL_L},
};

/* The next key of a script line at *p (advanced); 0 at the end; VK_RESIZE with *w, *h. */
int view_script_key(const char **p, int *w, int *h)
{
	const char *s = *p;
	if (!*s || *s == '\n')
		return 0;
	if (*s == '<') {
		const char *e = strchr(s, '>');
		if (e) {
			size_t n = (size_t)(e - s - 1);
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (strlen(names[i].name) == n && !strncmp(s + 1, names[i].name, n)) {
					*p = e + 1;
					return names[i].key;
				}
			if (sscanf(s, "<Resize %dx%d>", w, h) == 2) {
				*p = e + 1;
				return VK_RESIZE;
			}
			if (sscanf(s, "<Click %d,%d>", w, h) == 2) { /* (x, y), counted from 0 */
				*p = e + 1;
				return VK_CLICK;
			}
		}
	}
	*p = s + 1;
	return (unsigned char)*s;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int dump(struct view_model *m, struct view_grid *g, const char *dir, unsigned step, const char *line)
{
	view_draw(m, g);
	if (!dir) {
		printf("--- %u: %s\n", step, line);
		grid_dump(g, stdout);
		return ferror(stdout) ? -1 : 0;
	}
	char path[1024];
	snprintf(path, sizeof(path), "%s/%03u.txt", dir, step);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	grid_dump(g, f);
	return fclose(f);
}

int view_script_run(struct view_model *m, const char *script, const char *dir, int cols, int rows, FILE *timing,
		    char *why, size_t whylen)
{
	FILE *f = fopen(script, "r");
	struct view_grid g = {0};
	char line[1024];
	unsigned step = 0;
	int rc = 0;
	if (!f) {
		snprintf(why, whylen, "%s: %s", script, strerror(errno));
		return -1;
	}
	if (dir && mkdir(dir, 0777) < 0 && errno != EEXIST) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		fclose(f);
		return -1;
	}
	if (grid_resize(&g, rows, cols) < 0 || dump(m, &g, dir, step++, "(open)") < 0)
		goto io;
	while (!m->quit && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		const char *p = line;
		int key, w = cols, h = rows;
		double t0 = now_ms();
		while (!m->quit && (key = view_script_key(&p, &w, &h))) {
			if (key == VK_RESIZE && grid_resize(&g, h, w) < 0)
				goto io;
			if (key == VK_CLICK) {
				m->click_x = w;
				m->click_y = h;
			}
			view_key(m, key);
		}
		if (dump(m, &g, dir, step++, line) < 0)
			goto io;
		/* for make bench (scripts/bench.sh): the keys and the screen after them */
		if (timing)
			fprintf(timing, "step %u: %.3f ms (%s)\n", step - 1, now_ms() - t0, line);
	}
	goto out;
io:
	snprintf(why, whylen, "writing the screens: %s", strerror(errno));
	rc = -1;
out:
	fclose(f);
	grid_free(&g);
	return rc;
}
