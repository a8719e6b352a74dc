/*
 * NAME
 *	fuzz_chart_state - libFuzzer harness for the web console's chart
 *	state file parser (console/console_chart_data.c)
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_chart_state [libFuzzer options] [corpus...]
 * DESCRIPTION
 *	The input is a whole state file, given to cn_chart_parse() as
 *	loopguard-console gives it what it read (not NUL-terminated, so a
 *	read past its end is caught). It checks what console_chart.h
 *	promises: the answer is 0 or -1; an error has a message and
 *	leaves the chart empty; a chart read has names of 1 to
 *	CN_CHART_NAME_MAX bytes and the window ending at NOW; written back
 *	by cn_chart_format() it reads again as the same buckets, and that
 *	writes the very same text.
 *
 *	console_chart_data.c is pure and not part of the core archive the
 *	harnesses link, so it is compiled in here.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "../../console/console_chart_data.c"

#define NOW	((time_t) 1767225600)

static struct cn_chart first, again;

/* check_empty - nothing in the chart */
static void check_empty(const struct cn_chart *c)
{
	size_t s;

	FZ_CHECK(c->end == 0, "a refused file left end %lld", c->end);
	for (s = 0; s <= CN_CHART_SERIES; s++)
		FZ_CHECK(!c->series[s].used, "a refused file left series %zu", s);
}

/* check_read - the bounds of a chart read, and its round trip */
static void check_read(void)
{
	char err[256] = "", *text, *text2;
	size_t s, len, len2, n;
	long long m;

	FZ_CHECK(first.end >= NOW / 60, "end %lld before now", first.end);
	for (s = 0; s <= CN_CHART_SERIES; s++) {
		if (!first.series[s].used)
			continue;
		n = strlen(first.series[s].plugin);
		FZ_CHECK(n >= 1 && n <= CN_CHART_NAME_MAX, "plugin of %zu bytes", n);
		n = strlen(first.series[s].action);
		FZ_CHECK(n >= 1 && n <= CN_CHART_NAME_MAX, "action of %zu bytes", n);
	}
	if ((text = cn_chart_format(&first, &len)) == NULL)
		abort();
	FZ_CHECK(cn_chart_parse(&again, text, len, NOW, err, sizeof(err)) == 0,
		 "written chart does not read back: %s", err);
	for (s = 0; s <= CN_CHART_SERIES; s++)
		for (m = first.end - CN_CHART_MINUTES + 1; m <= first.end; m++)
			FZ_CHECK(cn_chart_get(&first, s, m) == cn_chart_get(&again, s, m),
				 "series %zu minute %lld changed", s, m);
	if ((text2 = cn_chart_format(&again, &len2)) == NULL)
		abort();
	FZ_CHECK(len == len2 && memcmp(text, text2, len) == 0,
		 "the second writing differs");
	free(text);
	free(text2);
}

/* LLVMFuzzerTestOneInput - one state file */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), err[256] = "";
	int rc;

	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	rc = cn_chart_parse(&first, copy, size, NOW, err, sizeof(err));
	FZ_CHECK(rc == 0 || rc == -1, "parse rc %d", rc);
	if (rc == 0)
		check_read();
	else {
		FZ_CHECK(err[0] != 0, "an error without a message");
		check_empty(&first);
	}
	free(copy);
	return 0;
}
