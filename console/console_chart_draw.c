/*
 * NAME
 *	console_chart_draw.c - the chart as an inline SVG, and as JSON
 * SYNOPSIS
 *	#include "console.h"
 *	#include "console_chart.h"
 *
 *	cn_chart_draw_svg(&chart, now, &buf);
 *	cn_chart_draw_json(&chart, now, &buf);
 * DESCRIPTION
 *	The 24 hours that end at now's minute. The SVG has one polyline
 *	per series that counted anything, summed in 5-minute steps (288
 *	points, so the page stays small), axes with the hours in local
 *	time, the scale, and a legend with each series' total. It scales
 *	with its box (viewBox, width 100%), uses presentation attributes
 *	only (the console's Content-Security-Policy forbids inline
 *	style) and has no script. Names come from the daemon and so from
 *	plugins: every text goes through cn_buf_html().
 *
 *	The JSON has every series' 1440 one-minute counts, oldest first:
 *	{"step":60,"start":T,"end":T,"series":[{"plugin":P,"action":A,
 *	"total":N,"counts":[...]}]}, start and end the epoch times of the
 *	first and last minute.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "console_chart.h"

#define STEP		5	/* minutes a point sums */
#define POINTS		(CN_CHART_MINUTES / STEP)
#define WIDTH		800
#define LEFT		56	/* the plot area */
#define RIGHT		780
#define TOP		16
#define BOTTOM		220
#define LEGEND_TOP	256
#define LEGEND_ROW	18
#define LEGEND_COLS	3

static const char *const colours[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
};
#define NCOLOURS	(sizeof(colours) / sizeof(colours[0]))

/* point_sum - the counts of series s in point p of the window */
static unsigned long long point_sum(const struct cn_chart *c, size_t s,
				    long long first, size_t p)
{
	unsigned long long sum = 0;
	size_t i;

	for (i = 0; i < STEP; i++)
		sum += cn_chart_get(c, s, first + (long long) (p * STEP + i));
	return sum;
}

/* window_total - series s over the window that starts at first */
static unsigned long long window_total(const struct cn_chart *c, size_t s,
				       long long first)
{
	unsigned long long sum = 0;
	size_t i;

	for (i = 0; i < CN_CHART_MINUTES; i++)
		sum += cn_chart_get(c, s, first + (long long) i);
	return sum;
}

/* nice_max - the scale's top: 1, 2 or 5 times a power of ten, >= v */
static unsigned long long nice_max(unsigned long long v)
{
	unsigned long long p = 1;

	if (v <= 1)
		return 1;
	for (;;) {
		if (v <= p)
			return p;
		if (v <= 2 * p)
			return 2 * p;
		if (v <= 5 * p)
			return 5 * p;
		if (p > 1000000000000000000ULL / 10)
			return v;
		p *= 10;
	}
}

/* xpos / ypos - where a point and a value go */
static double xpos(double p)
{
	return LEFT + (RIGHT - LEFT) * p / (POINTS - 1);
}

static double ypos(unsigned long long v, unsigned long long top)
{
	return BOTTOM - (BOTTOM - TOP) * ((double) v / (double) top);
}

/* hour_ticks - a tick and an HH:00 label every 3 hours of local time */
static void hour_ticks(struct cn_buf *b, long long first)
{
	time_t t, start = (time_t) (first * 60), stop = start + CN_CHART_MINUTES * 60;
	struct tm tm;
	double x;

	/* a zone's offset from UTC is a whole number of quarter hours:
	 * every local hour starts at one of these steps */
	t = (start + 899) / 900 * 900;
	for (; t < stop; t += 900) {
		if (localtime_r(&t, &tm) == NULL || tm.tm_min != 0 ||
		    tm.tm_hour % 3 != 0)
			continue;
		x = xpos((double) (t - start) / 60.0 / STEP);
		cn_buf_addf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ccc\"/>"
			    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%02d:00</text>\n",
			    x, TOP, x, BOTTOM + 4, x, BOTTOM + 18, tm.tm_hour);
	}
}

/* axes - the frame, the scale and the hours */
static void axes(struct cn_buf *b, long long first, unsigned long long top)
{
	cn_buf_addf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>"
		    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n",
		    LEFT, TOP, LEFT, BOTTOM, LEFT, BOTTOM, RIGHT, BOTTOM);
	cn_buf_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%llu</text>"
		    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%llu</text>"
		    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
		    LEFT - 4, TOP + 4, top, LEFT - 4, ypos(top / 2, top) + 4,
		    top / 2, LEFT - 4, BOTTOM + 4);
	cn_buf_addf(b, "<text x=\"%d\" y=\"%d\">per %d minutes</text>\n",
		    LEFT + 4, TOP - 4, STEP);
	hour_ticks(b, first);
}

/* polyline - one series */
static void polyline(struct cn_buf *b, const struct cn_chart *c, size_t s,
		     long long first, unsigned long long top, size_t nth)
{
	size_t p;

	cn_buf_addf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"",
		    colours[nth % NCOLOURS],
		    nth >= NCOLOURS ? " stroke-dasharray=\"4 2\"" : "");
	for (p = 0; p < POINTS; p++)
		cn_buf_addf(b, "%s%.1f,%.1f", p ? " " : "", xpos((double) p),
			    ypos(point_sum(c, s, first, p), top));
	cn_buf_adds(b, "\"/>\n");
}

/* legend_item - a coloured stroke, then plugin/action and the total */
static void legend_item(struct cn_buf *b, const struct cn_chart *c, size_t s,
			unsigned long long total, size_t nth)
{
	int x = LEFT + (int) (nth % LEGEND_COLS) * ((RIGHT - LEFT) / LEGEND_COLS);
	int y = LEGEND_TOP + (int) (nth / LEGEND_COLS) * LEGEND_ROW;

	cn_buf_addf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"%s/>",
		    x, y - 4, x + 18, y - 4, colours[nth % NCOLOURS],
		    nth >= NCOLOURS ? " stroke-dasharray=\"4 2\"" : "");
	cn_buf_addf(b, "<text x=\"%d\" y=\"%d\">", x + 24, y);
	cn_buf_html(b, c->series[s].plugin);
	cn_buf_adds(b, "/");
	cn_buf_html(b, c->series[s].action);
	cn_buf_addf(b, " (%llu)</text>\n", total);
}

/* cn_chart_draw_svg - the inline chart */
void cn_chart_draw_svg(const struct cn_chart *c, time_t now, struct cn_buf *b)
{
	long long first = (long long) now / 60 - CN_CHART_MINUTES + 1;
	unsigned long long totals[CN_CHART_SERIES + 1], top = 0, v;
	size_t s, p, shown = 0, nth;
	int height;

	for (s = 0; s <= CN_CHART_SERIES; s++) {
		totals[s] = c->series[s].used ? window_total(c, s, first) : 0;
		if (totals[s] == 0)
			continue;
		shown++;
		for (p = 0; p < POINTS; p++)
			if ((v = point_sum(c, s, first, p)) > top)
				top = v;
	}
	top = nice_max(top);
	height = LEGEND_TOP + (int) ((shown + LEGEND_COLS - 1) / LEGEND_COLS) *
		LEGEND_ROW;
	cn_buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" "
		    "viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
		    "font-family=\"sans-serif\" font-size=\"11\" fill=\"#222\">\n"
		    "<title>Decisions per plugin and action, the last 24 hours</title>\n",
		    WIDTH, height);
	axes(b, first, top);
	if (shown == 0)
		cn_buf_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
			    "No decisions in the last 24 hours</text>\n",
			    (LEFT + RIGHT) / 2, (TOP + BOTTOM) / 2);
	for (s = 0, nth = 0; s <= CN_CHART_SERIES; s++)
		if (totals[s] > 0)
			polyline(b, c, s, first, top, nth++);
	for (s = 0, nth = 0; s <= CN_CHART_SERIES; s++)
		if (totals[s] > 0)
			legend_item(b, c, s, totals[s], nth++);
	cn_buf_adds(b, "</svg>\n");
}

/* cn_chart_draw_json - the same numbers, by the minute */
void cn_chart_draw_json(const struct cn_chart *c, time_t now,
			struct cn_buf *b)
{
	long long first = (long long) now / 60 - CN_CHART_MINUTES + 1;
	unsigned long long total;
	size_t s, i, shown = 0;

	cn_buf_addf(b, "{\"step\":60,\"start\":%lld,\"end\":%lld,\"series\":[",
		    first * 60, (first + CN_CHART_MINUTES - 1) * 60);
	for (s = 0; s <= CN_CHART_SERIES; s++) {
		if (!c->series[s].used ||
		    (total = window_total(c, s, first)) == 0)
			continue;
		cn_buf_adds(b, shown++ ? ",{\"plugin\":" : "{\"plugin\":");
		cn_buf_json(b, c->series[s].plugin);
		cn_buf_adds(b, ",\"action\":");
		cn_buf_json(b, c->series[s].action);
		cn_buf_addf(b, ",\"total\":%llu,\"counts\":[", total);
		for (i = 0; i < CN_CHART_MINUTES; i++)
			cn_buf_addf(b, i ? ",%u" : "%u",
				    (unsigned) cn_chart_get(c, s, first + (long long) i));
		cn_buf_adds(b, "]}");
	}
	cn_buf_adds(b, "]}");
}
