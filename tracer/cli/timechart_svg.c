/*
 * timechart_svg.c - `hvtrace timechart`'s SVG writer: the model of timechart.h (exits per pixel
 * column, per VM and reason; bands, switches, injections, stops) as one self-contained SVG
 * document that opens in a browser and prints, in colour or grey (cmd_timechart.c says how the
 * model is filled, docs/hvtrace.md what the reader sees).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/hvtool.h"
#include "timechart.h"

/* ---- styles: colour and pattern per reason, by frequency -------------------------------- */
static const char *const colours[] = { /* ten hues of different lightness (Tableau 10) */
	"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#edc948",
	"#b07aa1", "#76b7b2", "#ff9da7", "#9c755f", "#bab0ac",
};
#define NCOLOURS (sizeof(colours) / sizeof(colours[0]))
static const char *const marks[] = { /* drawn over the colour in a 6x6 tile */
	"", "M0 1.5H6M0 4.5H6", "M0 6L6 0M-1 1L1 -1M5 7L7 5", "M1.5 0V6M4.5 0V6",
	"M0 0L6 6M-1 5L1 7M5 -1L7 1", "M1.5 1.5h.01M4.5 4.5h.01", "M0 3H6M3 0V6",
};
#define NMARKS (sizeof(marks) / sizeof(marks[0]))

/* ---- layout ------------------------------------------------------------------------------ */
#define ROW_H 36       /* exit stack height */
#define BAND_H 5       /* "holds the CPU" band above it */
#define LANE_H 9       /* injections and stops below it */
#define ROW_PITCH (BAND_H + 2 + ROW_H + 2 + LANE_H + 14)
#define LEFT 170       /* row labels */
#define TOP 78

/* ---- drawing ---------------------------------------------------------------------------- */
/* 1234567 -> "1.23M" */
static const char *si(char *buf, size_t n, double v)
{
	static const char *const suf[] = { "", "k", "M", "G", "T", "P" };
	unsigned i = 0;

	while (v >= 1000 && i + 1 < sizeof(suf) / sizeof(suf[0])) {
		v /= 1000;
		i++;
	}
	snprintf(buf, n, "%.3g%s", v, suf[i]);
	return buf;
}

static void defs(FILE *f, const struct chart *c)
{
	fprintf(f, "<defs>\n<style>text{font-family:sans-serif;font-size:12px;fill:#000}"
		   ".t{font-size:18px;font-weight:bold}.s{fill:#444}.ax{stroke:#000;stroke-width:1}"
		   ".grid{stroke:#ccc;stroke-width:.5}.band{fill:#333}.sw{fill:#000}.inj{fill:#fff;stroke:#000}"
		   ".stop{fill:#000}</style>\n");
	for (unsigned i = 0; i < c->nstyles; i++) {
		unsigned m = (i + i / NCOLOURS) % NMARKS;
		fprintf(f, "<pattern id=\"p%u\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\">"
			   "<rect width=\"6\" height=\"6\" fill=\"%s\"/>", i, colours[i % NCOLOURS]);
		if (marks[m][0])
			fprintf(f, "<path d=\"%s\" stroke=\"#000\" stroke-opacity=\".55\" stroke-width=\"%s\"/>",
				marks[m], m == 5 ? "1.6\" stroke-linecap=\"round" : "1");
		fprintf(f, "</pattern>\n");
	}
	fprintf(f, "</defs>\n");
}

/*
 * A column's stack, in tenths of a pixel from the top of the row: style i covers [y0, y1) of
 * span[i] (y0 == y1: absent). The styles go in legend order, so a reason keeps its place.
 */
struct span {
	uint16_t y0, y1;
};

static void stack(const struct chart *c, const struct row *rw, unsigned x, struct span *out)
{
	const uint32_t *n = rw->counts + (size_t)x * c->nstyles;
	uint64_t total = rw->cols[x].exits, cum = 0;

	for (unsigned i = 0; i < c->nstyles; i++) {
		out[i].y0 = total ? (uint16_t)(cum * ROW_H * 10 / total) : 0;
		cum += n[i];
		out[i].y1 = total ? (uint16_t)(cum * ROW_H * 10 / total) : 0;
	}
}

#define HOVER 10 /* columns per hover zone: its title gives their counts */
#define MARK_W 6 /* a marker's width: closer ones merge */

static void zone_title(FILE *f, const struct chart *c, const struct row *rw, unsigned x0, unsigned x1)
{
	uint64_t n = 0, first = UINT64_MAX, last = 0;
	char a[16], b[16], nb[HVT_NAME_BUF];
	unsigned shown = 0;

	for (unsigned x = x0; x <= x1; x++)
		if (rw->cols[x].exits) {
			n += rw->cols[x].exits;
			if (first == UINT64_MAX)
				first = rw->cols[x].first;
			last = rw->cols[x].last;
		}
	fprintf(f, "<title>VM %u: %llu exit%s, events %llu-%llu, t %s-%s:", rw->vm, (unsigned long long)n,
		n == 1 ? "" : "s", (unsigned long long)first, (unsigned long long)last,
		si(a, sizeof(a), (double)c->total * x0 / c->w), si(b, sizeof(b), (double)c->total * (x1 + 1) / c->w));
	for (unsigned i = 0; i < c->nstyles; i++) {
		uint64_t k = 0;
		for (unsigned x = x0; x <= x1; x++)
			k += rw->counts[(size_t)x * c->nstyles + i];
		if (!k)
			continue;
		if (shown++ == 5) {
			fprintf(f, " ...");
			break;
		}
		fprintf(f, " %s %llu", hvt_reason_name(c->reason_of[i], nb), (unsigned long long)k);
	}
	fprintf(f, "</title>");
}

/*
 * The exits of a row: one path per reason, a rectangle per run of neighbouring columns where
 * that reason's part of the stack is the same (on a real trace, long stretches of one reason).
 */
static int draw_exits(FILE *f, const struct chart *c, const struct row *rw, unsigned ey)
{
	size_t ns = c->nstyles ? c->nstyles : 1;
	struct span *sp = malloc(sizeof(*sp) * ns * c->w);

	if (!sp)
		return HVT_ENOMEM;
	for (unsigned x = 0; x < c->w; x++)
		stack(c, rw, x, sp + (size_t)x * ns);
	for (unsigned i = 0; i < c->nstyles; i++) {
		int open = 0;
		for (unsigned x = 0, e; x < c->w; x = e + 1) {
			const struct span *a = &sp[(size_t)x * ns + i];
			e = x;
			if (a->y1 == a->y0)
				continue;
			while (e + 1 < c->w && !memcmp(a, &sp[(size_t)(e + 1) * ns + i], sizeof(*a)))
				e++;
			if (!open++)
				fprintf(f, "<path fill=\"url(#p%u)\" d=\"", i);
			fprintf(f, "M%u %gh%uv%gh-%uz", LEFT + x, ey + a->y0 / 10.0, e - x + 1, (a->y1 - a->y0) / 10.0,
				e - x + 1);
		}
		if (open)
			fprintf(f, "\"/>\n");
	}
	free(sp);
	/* hover zones, invisible, on top */
	for (unsigned x = 0; x < c->w; x += HOVER) {
		unsigned e = x + HOVER - 1 < c->w ? x + HOVER - 1 : c->w - 1, any = 0;
		for (unsigned k = x; k <= e; k++)
			any |= rw->cols[k].exits;
		if (!any)
			continue;
		fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"#fff\" fill-opacity=\"0\">",
			LEFT + x, ey, e - x + 1, ROW_H);
		zone_title(f, c, rw, x, e);
		fprintf(f, "</rect>\n");
	}
	return HVT_OK;
}

static int draw_row(FILE *f, const struct chart *c, const struct row *rw, unsigned y)
{
	unsigned ey = y + BAND_H + 2, ly = ey + ROW_H + 2;
	char nb[HVT_NAME_BUF], sb[HVT_NAME_BUF];

	fprintf(f, "<g class=\"vm\" data-vm=\"%u\" data-exits=\"%llu\" data-injects=\"%llu\" data-switches=\"%llu\">\n",
		rw->vm, (unsigned long long)rw->exits, (unsigned long long)rw->injects,
		(unsigned long long)rw->switches);
	fprintf(f, "<text x=\"20\" y=\"%u\">VM %u%s%s</text>\n", ey + 14, rw->vm, rw->name[0] ? " " : "", rw->name);
	fprintf(f, "<text x=\"20\" y=\"%u\" class=\"s\">%llu exits</text>\n", ey + 30, (unsigned long long)rw->exits);
	fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"none\" class=\"grid\"/>\n", LEFT, ey,
		c->w, ROW_H);
	/* the band: runs of columns where the VM held the CPU */
	for (unsigned x = 0, e; x < c->w; x = e + 1) {
		e = x;
		if (!rw->cols[x].running)
			continue;
		while (e + 1 < c->w && rw->cols[e + 1].running)
			e++;
		fprintf(f, "<rect class=\"band\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\"/>\n", LEFT + x, y, e - x + 1,
			BAND_H);
	}
	if (draw_exits(f, c, rw, ey))
		return HVT_ENOMEM;
	/* markers: a triangle over the band where the scheduler handed it the CPU, a diamond under the
	 * row where an event was injected; marks closer than their own width merge into one long
	 * shape (a trapezoid, a hexagon) whose title counts them */
	for (unsigned x = 0, e; x < c->w; x = e + 1) {
		unsigned n = 0;
		e = x;
		if (!rw->cols[x].switched)
			continue;
		for (unsigned k = x; k < c->w && k <= e + MARK_W; k++)
			if (rw->cols[k].switched) {
				e = k;
				n++;
			}
		fprintf(f, "<path class=\"sw\" d=\"M%u %uh%ul-3 5h-%uz\"><title>VM %u takes the CPU", LEFT + x - 3, y - 5,
			e - x + 6, e - x, rw->vm);
		if (n > 1)
			fprintf(f, " (%u times here)", n);
		fprintf(f, "</title></path>\n");
	}
	for (unsigned x = 0, e; x < c->w; x = e + 1) {
		unsigned n = 0;
		struct hvt_intr in;
		e = x;
		if (!rw->cols[x].injects)
			continue;
		for (unsigned k = x; k < c->w && k <= e + MARK_W; k++)
			if (rw->cols[k].injects) {
				e = k;
				n += rw->cols[k].injects;
			}
		hvt_decode_intr(rw->cols[e].inject_info, 0, &in);
		fprintf(f, "<path class=\"inj\" d=\"M%u %ul3 -4h%ul3 4l-3 4h-%uz\"><title>%u event%s injected "
			   "(last: vector %u, %s)</title></path>\n",
			LEFT + x - 3, ly + 4, e - x, e - x, n, n == 1 ? "" : "s", in.vector,
			hvt_intr_type_name(in.type, nb));
	}
	for (unsigned x = 0; x < c->w; x++)
		if (rw->cols[x].stopped)
			fprintf(f, "<rect class=\"stop\" x=\"%u\" y=\"%u\" width=\"7\" height=\"7\"><title>VM %u stops: "
				   "%s, status %llu</title></rect>\n",
				LEFT + x, ly + 1, rw->vm, hvt_stop_text(rw->stop_why, sb), (unsigned long long)rw->stop_status);
	fprintf(f, "</g>\n");
	return HVT_OK;
}

/* Ticks at 1, 2 or 5 times a power of ten, about eight of them. */
static void axis(FILE *f, const struct chart *c, unsigned y, unsigned grid_top)
{
	double span = c->total ? (double)c->total : 1, step = 1;
	char b[16];

	while (step * 10 <= span / 8)
		step *= 10;
	if (span / step > 40)
		step *= 5;
	else if (span / step > 16)
		step *= 2;
	fprintf(f, "<line class=\"ax\" x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\"/>\n", LEFT, y, LEFT + c->w, y);
	for (double v = 0; v <= span; v += step) {
		double x = LEFT + v / span * c->w;
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\"/>"
			   "<line class=\"ax\" x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\"/>"
			   "<text x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">%s</text>\n",
			x, grid_top, x, y, x, y, x, y + 5, x, y + 18, si(b, sizeof(b), v));
	}
	fprintf(f, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\" class=\"s\">guest time: instructions retired "
		   "by all VMs (one CPU)</text>\n", LEFT + c->w / 2, y + 36);
}

static unsigned legend(FILE *f, const struct chart *c, unsigned y)
{
	unsigned per = (c->w + LEFT - 20) / 250, i;
	char nb[HVT_NAME_BUF];

	per = per ? per : 1;
	fprintf(f, "<text x=\"20\" y=\"%u\" font-weight=\"bold\">Exit reasons (exits)</text>\n", y);
	y += 10;
	for (i = 0; i < c->nstyles; i++) {
		unsigned x = 20 + (i % per) * 250, yy = y + (i / per) * 22;
		const char *name = hvt_reason_name(c->reason_of[i], nb);
		fprintf(f, "<g class=\"legend-reason\" data-reason=\"%s\" data-count=\"%llu\"><rect x=\"%u\" "
			   "y=\"%u\" width=\"28\" height=\"16\" fill=\"url(#p%u)\" stroke=\"#000\" stroke-width=\".5\"/>"
			   "<text x=\"%u\" y=\"%u\">%s (%llu)</text></g>\n",
			name, (unsigned long long)c->count_of[i], x, yy, i, x + 36, yy + 13, name,
			(unsigned long long)c->count_of[i]);
	}
	y += ((i + per - 1) / per) * 22 + 14;
	fprintf(f, "<g class=\"legend-marks\">"
		   "<rect class=\"band\" x=\"20\" y=\"%u\" width=\"28\" height=\"%u\"/><text x=\"56\" y=\"%u\">holds the CPU</text>"
		   "<path class=\"sw\" d=\"M%u %uh10l-5 8z\"/><text x=\"%u\" y=\"%u\">scheduler switch to the VM (%llu)</text>"
		   "<path class=\"inj\" d=\"M%u %ul5 6l-5 6l-5 -6z\"/><text x=\"%u\" y=\"%u\">event injected (%llu)</text>"
		   "<rect class=\"stop\" x=\"%u\" y=\"%u\" width=\"9\" height=\"9\"/><text x=\"%u\" y=\"%u\">VM stops</text></g>\n",
		y + 4, BAND_H, y + 10, 200, y + 2, 216, y + 10, (unsigned long long)c->switches, 500, y - 1, 512,
		y + 10, (unsigned long long)c->injects, 700, y + 2, 716, y + 10);
	return y + 30;
}

int timechart_draw(FILE *f, const struct chart *c, const char *trace)
{
	unsigned width = LEFT + c->w + 40, rows_end = TOP + c->nrows * ROW_PITCH;
	unsigned per = (c->w + LEFT - 20) / 250 ? (c->w + LEFT - 20) / 250 : 1;
	unsigned height = rows_end + 60 + 24 + ((c->nstyles + per - 1) / per) * 22 + 14 + 40;
	char name[512], b[16];

	hvt_sanitize(name, sizeof(name), trace, strlen(trace), 1);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%u\" height=\"%u\" "
		   "viewBox=\"0 0 %u %u\">\n<title>hvtrace timechart: %s</title>\n",
		width, height, width, height, name);
	defs(f, c);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	fprintf(f, "<text x=\"20\" y=\"30\" class=\"t\">VM exits over guest time: %s</text>\n", name);
	fprintf(f, "<text x=\"20\" y=\"50\" class=\"s\">%llu exits, %u VM%s, %s instructions, %llu switches, "
		   "%llu injections; %u columns of %s instructions</text>\n",
		(unsigned long long)c->exits, c->nrows, c->nrows == 1 ? "" : "s", si(b, sizeof(b), (double)c->total),
		(unsigned long long)c->switches, (unsigned long long)c->injects, c->w,
		si((char[16]){ 0 }, 16, (double)c->total / c->w));
	for (unsigned i = 0; i < c->nrows; i++)
		if (draw_row(f, c, &c->rows[i], TOP + i * ROW_PITCH))
			return HVT_ENOMEM;
	axis(f, c, rows_end, TOP);
	legend(f, c, rows_end + 60 + 14);
	fprintf(f, "</svg>\n");
	return HVT_OK;
}

