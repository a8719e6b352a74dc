/*
 * NAME
 *	control_impl.h - what control_cmd.c and control_entries.c share
 * DESCRIPTION
 *	Private to the control protocol: the request being answered, the
 *	reply-line builder, and the options list and remove take.
 *	control_cmd.c checks and dispatches requests and answers stats
 *	and reload; control_entries.c answers list and remove;
 *	control_state.c state export and import, and the note list adds
 *	when the rows come from a fallback store.
 */
#ifndef LG_CONTROL_IMPL_H
#define LG_CONTROL_IMPL_H

#include <stddef.h>
#include <stdint.h>

/* Control socket. */
#include "control_cmd.h"

#define LG_CTL_ECHO_MAX	64	/* bytes of a request word echoed back */

/* One request being answered. */
struct lg_ctl_request {
	const struct lg_ctl_env *env;
	const struct lg_ctl_stream *stream;	/* NULL: no watch here */
	lg_ctl_in_fn in;	/* NULL: the request can have no body */
	void *in_arg;
	lg_ctl_out_fn out;
	void *arg;
	char *buf;		/* the line being built */
	size_t len, cap;
	int nomem;
	int gone;		/* out() gave up: produce nothing more */
	char echo[LG_CTL_ECHO_MAX + 8];
	struct lg_ctl_env env_as;	/* env, its who naming "as NAME" */
	char who_as[LG_CTL_WHO_MAX];
};

/* The options of list and remove. */
struct lg_ctl_opts {
	const char *plugin;
	const char *match;
	int all;
	char **args;		/* the words that are not options */
	size_t nargs;
};

/* The paging options of list and queue (control_page.c). */
#define LG_CTL_LIMIT_MAX	1000
struct lg_ctl_page {
	int field;		/* index in the command's fields; -1: none */
	int desc;
	long long offset;
	long long limit;	/* 0: no limit */
	int paged;		/* --offset or --limit given */
};

/* Sort keys of a listing: a number or a string (in pool), the
 * caller's reference, and the order the rows came in. */
struct lg_ctl_sortkey {
	long long num;
	size_t str;		/* offset in pool */
	uint64_t ref;
	size_t ord;
};
struct lg_ctl_sort {
	struct lg_ctl_sortkey *keys;
	size_t n, cap;
	char *pool;
	size_t plen, pcap;
	int strings;		/* the keys are strings */
	int desc;
	int nomem;
};

int lg_ctl_parse_page(struct lg_ctl_request *rq, const char *cmd, char **w,
		      size_t *n, const char *const *fields,
		      struct lg_ctl_page *pg);
int lg_ctl_page_has(const struct lg_ctl_page *pg, size_t i);
int lg_ctl_sort_add(struct lg_ctl_sort *s, long long num, const char *str,
		    uint64_t ref);
void lg_ctl_sort_done(struct lg_ctl_sort *s, const struct lg_ctl_page *pg);
void lg_ctl_sort_free(struct lg_ctl_sort *s);
const char *lg_ctl_page_end(const struct lg_ctl_page *pg, char *buf,
			    size_t size);

/* Build a reply line: raw bytes, printf text, a tab and an escaped
 * field; lg_ctl_emit() hands the line to out and starts the next. */
void lg_ctl_add(struct lg_ctl_request *rq, const char *s, size_t n);
void lg_ctl_addf(struct lg_ctl_request *rq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lg_ctl_add_field(struct lg_ctl_request *rq, const char *s);
int lg_ctl_emit(struct lg_ctl_request *rq);

/* lg_ctl_dir_lines - the recipient sources, in stats (control_dir.c) */
void lg_ctl_dir_lines(struct lg_ctl_request *rq);

/* lg_ctl_lookup - "lookup ADDRESS...", as the milter would (control_dir.c) */
int lg_ctl_lookup(struct lg_ctl_request *rq, char **w, size_t n);

/* lg_ctl_reply - the final line, "OK text" (ok) or "ERR text": 0/-1 */
int lg_ctl_reply(struct lg_ctl_request *rq, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* lg_ctl_echo - a request word cut short for an error message */
const char *lg_ctl_echo(struct lg_ctl_request *rq, const char *word);

/* lg_ctl_parse_opts - --plugin NAME, --match PATTERN, --all; other
 * words go to args (in place of w) */
int lg_ctl_parse_opts(struct lg_ctl_request *rq, const char *cmd, char **w,
		      size_t n, struct lg_ctl_opts *o);

/* The commands of control_entries.c; w and n are their arguments. */
int lg_ctl_list(struct lg_ctl_request *rq, char **w, size_t n);
int lg_ctl_remove(struct lg_ctl_request *rq, char **w, size_t n);
/* state export|import, and the fallback line of list
 * (control_state.c). */
int lg_ctl_state(struct lg_ctl_request *rq, char **w, size_t n);
int lg_ctl_fallback_note(struct lg_ctl_request *rq);
/* The outbox command, and the outbox's lines in stats
 * (control_outbox.c). */
int lg_ctl_queue(struct lg_ctl_request *rq, char **w, size_t n);
void lg_ctl_outbox_lines(struct lg_ctl_request *rq);
/* The watch stream (control_watch.c). */
int lg_ctl_watch(struct lg_ctl_request *rq, char **w, size_t n);

#endif
