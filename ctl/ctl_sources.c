/*
 * NAME
 *	ctl_sources.c - the recipient sources of a "stats" reply
 * DESCRIPTION
 *	Each "source" line (milter/control/control_dir.c) becomes, in
 *	text, one line "source SPEC: up, N entries, loaded TIME" (or
 *	"down since TIME, N failures: ERROR"), and in JSON one object of
 *	the "sources" array.
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
