/*
 * NAME
 *	ctl_queue.c - print the "queue" reply (the outbox) as a table or JSON
 * SYNOPSIS
 *	#include "ctl.h"
 *
 *	ctl_show_queue(&reply, json, sorted);
 * DESCRIPTION
 *	Like list: one row per waiting message, oldest first, columns ID,
 *	Created, Next Try, Attempts, Size, From, To, Status ("<>" for the
 *	null sender), as wide as their content; "outbox is empty" when
 *	there is nothing. JSON is an array of objects with the raw values.
 * DIAGNOSTICS
 *	A line that does not fit the protocol is reported on stderr and
 *	-1 is returned; nothing is printed on stdout then.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define FIELDS	8
#define COLS	8

enum { Q_ID, Q_CREATED, Q_NEXT, Q_ATTEMPTS, Q_SIZE, Q_FROM, Q_TO, Q_STATUS };

static const char *const names[FIELDS] = {
	"id", "created", "next_try", "attempts", "size", "from", "to", "status"
};

static const char *const head[COLS] = {
	"ID", "Created", "Next Try", "Attempts", "Size", "From", "To", "Status"
};

/* cell - the table text of one field; malloc'ed */
static char *cell(char **f, int col)
{
	char buf[64];
	const char *s = f[col];

	if (col == Q_CREATED || col == Q_NEXT) {
		ctl_time((time_t) strtoll(f[col], NULL, 10), buf, sizeof(buf));
		s = buf;
	} else if (col == Q_SIZE) {
		ctl_human_size(strtoll(f[col], NULL, 10), buf, sizeof(buf));
		s = buf;
	} else if (col == Q_FROM && !*s) {
		s = "<>";
	}
	return ctl_display(*s ? s : "-");
}

/* print_table - header and rows */
static int print_table(size_t n, char ***f)
{
	size_t width[COLS], i, w;
	char **cells = calloc(n * COLS + 1, sizeof(*cells));
	int c, rc = 0;

	if (!cells)
		return -1;
	for (c = 0; c < COLS; c++)
		width[c] = strlen(head[c]);
	for (i = 0; i < n && rc == 0; i++)
		for (c = 0; c < COLS; c++) {
			if ((cells[i * COLS + c] = cell(f[i], c)) == NULL) {
				rc = -1;
				break;
			}
			if ((w = ctl_width(cells[i * COLS + c])) > width[c])
				width[c] = w;
		}
	for (i = 0; rc == 0 && i <= n; i++) {
		for (c = 0; c < COLS; c++) {
			const char *s = i ? cells[(i - 1) * COLS + c] : head[c];
			size_t pad = width[c] - ctl_width(s);
			int right = c == Q_ATTEMPTS || c == Q_SIZE;

			printf("%*s%s", right ? (int) pad : 0, "", s);
			if (c + 1 < COLS)
				printf("%*s", right ? 2 : (int) pad + 2, "");
		}
		putchar('\n');
	}
	for (i = 0; i < n * COLS; i++)
		free(cells[i]);
	free(cells);
	return rc;
}

/* by_created - oldest first */
static int by_created(const void *a, const void *b)
{
	char **x = *(char ***const) a, **y = *(char ***const) b;
	long long cx = strtoll(x[Q_CREATED], NULL, 10);
	long long cy = strtoll(y[Q_CREATED], NULL, 10);

	if (cx != cy)
		return cx < cy ? -1 : 1;
	return strcmp(x[Q_ID], y[Q_ID]);
}

/* ctl_show_queue - the outbox as a table or JSON */
int ctl_show_queue(const struct ctl_reply *reply, int json, int sorted)
{
	char ***f;
	size_t i, k, nf;
	int rc = 0;

	if (reply->n == 0) {
		puts(json ? "[]" : "outbox is empty");
		return 0;
	}
	if ((f = calloc(reply->n, sizeof(*f))) == NULL)
		return -1;
	for (i = 0; i < reply->n; i++) {
		if ((f[i] = calloc(FIELDS, sizeof(char *))) == NULL)
			rc = -1;
		nf = rc ? 0 : ctl_split(reply->lines[i], f[i], FIELDS);
		for (k = Q_CREATED; nf == FIELDS && k <= Q_SIZE; k++)
			if (!ctl_is_number(f[i][k]))
				nf = 0;
		if (nf != FIELDS) {
			fprintf(stderr, "loopguardctl: unexpected queue line from the daemon\n");
			rc = -1;
			break;
		}
		for (k = Q_FROM; k < FIELDS; k++)
			ctl_unescape(f[i][k]);
	}
	if (rc == 0) {
		if (!sorted)
			qsort(f, reply->n, sizeof(*f), by_created);
		if (!json) {
			rc = print_table(reply->n, f);
		} else {
			puts("[");
			for (i = 0; i < reply->n; i++) {
				fputs("  {", stdout);
				for (k = 0; k < FIELDS; k++) {
					printf("%s\"%s\": ", k ? ", " : "", names[k]);
					if (k >= Q_CREATED && k <= Q_SIZE)
						fputs(f[i][k], stdout);
					else
						ctl_json_string(stdout, f[i][k]);
				}
				printf("}%s\n", i + 1 < reply->n ? "," : "");
			}
			puts("]");
		}
	}
	for (i = 0; i < reply->n; i++)
		free(f[i]);
	free(f);
	return rc;
}
