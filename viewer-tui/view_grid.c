/*
 * view_grid.c - the screen as a grid of characters and attributes. The panels draw here; the
 * curses layer copies the grid to the terminal and the headless mode prints its text, so both
 * show exactly the same thing.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

int grid_resize(struct view_grid *g, int rows, int cols)
{
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	char *ch = malloc((size_t)rows * cols);
	unsigned char *at = malloc((size_t)rows * cols);
	if (!ch || !at) {
		free(ch);
		free(at);
		return -1;
	}
	grid_free(g);
	g->rows = rows;
	g->cols = cols;
	g->ch = ch;
	g->at = at;
	grid_clear(g);
	return 0;
}

void grid_free(struct view_grid *g)
{
	free(g->ch);
	free(g->at);
	g->ch = NULL;
	g->at = NULL;
}

void grid_clear(struct view_grid *g)
{
	memset(g->ch, ' ', (size_t)g->rows * g->cols);
	memset(g->at, VA_NORMAL, (size_t)g->rows * g->cols);
}

int grid_put(struct view_grid *g, int y, int x, int w, int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (y < 0 || y >= g->rows || x < 0 || x >= g->cols)
		return 0;
	int end = w > 0 && x + w < g->cols ? x + w : g->cols, n = 0;
	for (const char *p = buf; *p && x + n < end; p++, n++) {
		/* only printable ASCII reaches the terminal: text from the guest is sanitized before,
		 * this is the last line of defence */
		char c = *p >= 0x20 && *p < 0x7f ? *p : '.';
		g->ch[y * g->cols + x + n] = c;
		g->at[y * g->cols + x + n] = (unsigned char)attr;
	}
	return n;
}

void grid_attr(struct view_grid *g, int y, int x, int w, int attr)
{
	if (y < 0 || y >= g->rows)
		return;
	for (int i = x < 0 ? 0 : x; i < x + w && i < g->cols; i++)
		g->at[y * g->cols + i] = (unsigned char)attr;
}

void grid_dump(const struct view_grid *g, FILE *f)
{
	for (int y = 0; y < g->rows; y++) {
		int n = g->cols;
		while (n > 0 && g->ch[y * g->cols + n - 1] == ' ')
			n--;
		fprintf(f, "%.*s\n", n, g->ch + (size_t)y * g->cols);
	}
}
