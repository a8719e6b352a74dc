/*
 * NAME
 *	ctl_sources.c - the recipient sources of a "stats" reply
 * DESCRIPTION
 *	Each "source" line (milter/control/control_dir.c) becomes, in
 *	text, one line "source SPEC: up, N entries, loaded TIME" (or
 *	"down since TIME, N failures: ERROR"), and in JSON one object of
 *	the "sources" array. A "lookup" reply, one line per address,
 *	becomes "ADDRESS: exists (SOURCE)" and the like, or a JSON array;
 *	it fails (1) when an address could not be decided.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

enum { S_TAG, S_SPEC, S_KIND, S_HEALTH, S_ENTRIES, S_FAILURES, S_DOWN,
       S_LOADED, S_ERROR, S_FIELDS };

/* ctl_source_fields - how many fields a source line has */
size_t ctl_source_fields(void)
{
	return S_FIELDS;
}

/* ctl_print_source - one source in text */
void ctl_print_source(char *const *f)
{
	char when[64], line[1024], *safe;
	int n;

	if (strcmp(f[S_HEALTH], "down") == 0) {
		ctl_time((time_t) strtoll(f[S_DOWN], NULL, 10), when,
			 sizeof(when));
		n = snprintf(line, sizeof(line),
			     "source %s: down since %s, %s failures: %s",
			     f[S_SPEC], when, f[S_FAILURES],
			     f[S_ERROR][0] ? f[S_ERROR] : "no answer");
	} else {
		ctl_time((time_t) strtoll(f[S_LOADED], NULL, 10), when,
			 sizeof(when));
		n = snprintf(line, sizeof(line), "source %s: up, %s%s%s%s",
			     f[S_SPEC], strcmp(f[S_ENTRIES], "-") == 0 ?
			     "asked per recipient" : f[S_ENTRIES],
			     strcmp(f[S_ENTRIES], "-") == 0 ? "" : " entries",
			     strcmp(f[S_LOADED], "0") == 0 ? "" : ", loaded ",
			     strcmp(f[S_LOADED], "0") == 0 ? "" : when);
		if (strcmp(f[S_HEALTH], "held") == 0 && n > 0 &&
		    (size_t) n < sizeof(line))
			snprintf(line + n, sizeof(line) - (size_t) n,
				 "; a newer load is held back: %s (loopguardctl reload --force takes it)",
				 f[S_ERROR]);
	}
	safe = ctl_display(line);
	puts(safe ? safe : "source ?");
	free(safe);
}

/* number_or_null - JSON for a count that may be "-" */
static void number_or_null(const char *v)
{
	fputs(strcmp(v, "-") == 0 ? "null" : v, stdout);
}

/* ctl_print_source_json - one source as a JSON object */
void ctl_print_source_json(char *const *f)
{
	fputs("{\"source\": ", stdout);
	ctl_json_string(stdout, f[S_SPEC]);
	fputs(", \"kind\": ", stdout);
	ctl_json_string(stdout, f[S_KIND]);
	fputs(", \"health\": ", stdout);
	ctl_json_string(stdout, f[S_HEALTH]);
	fputs(", \"entries\": ", stdout);
	number_or_null(f[S_ENTRIES]);
	printf(", \"failures\": %s, \"down_since\": %s, \"loaded_at\": %s",
	       f[S_FAILURES], f[S_DOWN], f[S_LOADED]);
	fputs(", \"last_error\": ", stdout);
	ctl_json_string(stdout, f[S_ERROR]);
	fputs("}", stdout);
}

/* ctl_source_ok - the numeric fields are numbers */
int ctl_source_ok(char *const *f)
{
	return (strcmp(f[S_ENTRIES], "-") == 0 || ctl_is_number(f[S_ENTRIES])) &&
		ctl_is_number(f[S_FAILURES]) && ctl_is_number(f[S_DOWN]) &&
		ctl_is_number(f[S_LOADED]);
}

/* lookup_text - what one answer means, in words */
static void lookup_text(const char *what, const char *detail, char *buf,
			size_t size)
{
	if (strcmp(what, "local") == 0)
		snprintf(buf, size, "exists (%s)", detail);
	else if (strcmp(what, "unknown") == 0)
		snprintf(buf, size, "unknown (no source knows it)");
	else if (strcmp(what, "external") == 0)
		snprintf(buf, size, "external (not a local domain)");
	else if (strcmp(what, "fail") == 0)
		snprintf(buf, size, "cannot tell now: %s", detail);
	else
		snprintf(buf, size, "not an address");
}

/* ctl_show_lookup - one line (or object) per address */
int ctl_show_lookup(const struct ctl_reply *reply, int json)
{
	char *f[4], text[1200], line[2400], *safe;
	size_t i;
	int undecided = 0;

	if (json)
		fputs("[", stdout);
	for (i = 0; i < reply->n; i++) {
		if (ctl_split(reply->lines[i], f, 4) != 4 ||
		    strcmp(f[0], "lookup") != 0) {
			fprintf(stderr, "loopguardctl: lookup: unexpected reply line\n");
			return -1;
		}
		ctl_unescape(f[1]);
		ctl_unescape(f[3]);
		undecided += strcmp(f[2], "fail") == 0 || strcmp(f[2], "bad") == 0;
		if (json) {
			fputs(i ? ", {\"address\": " : "{\"address\": ", stdout);
			ctl_json_string(stdout, f[1]);
			fputs(", \"answer\": ", stdout);
			ctl_json_string(stdout, f[2]);
			fputs(", \"detail\": ", stdout);
			ctl_json_string(stdout, strcmp(f[3], "-") ? f[3] : "");
			fputs("}", stdout);
			continue;
		}
		lookup_text(f[2], f[3], text, sizeof(text));
		snprintf(line, sizeof(line), "%s: %s", f[1], text);
		safe = ctl_display(line);
		puts(safe ? safe : "?");
		free(safe);
	}
	if (json)
		puts("]");
	return undecided ? -1 : 0;
}
