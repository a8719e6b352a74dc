/*
 * NAME
 *	ctl.h - loopguardctl's parts: talk to the socket, format the reply
 * DESCRIPTION
 *	ctl_conn.c sends one request line and collects the reply lines;
 *	ctl_text.c holds the small pure formatters (unescape, UTF-8
 *	clean-up, JSON strings, sizes, times); ctl_show.c prints list and
 *	stats replies as a table or JSON; ctl_state.c writes and reads
 *	the files of state export and import; ctl_watch.c follows the
 *	watch stream. loopguardctl.c parses the
 *	command line. The protocol is described in milter/control/control_cmd.h.
 */
#ifndef LG_CTL_H
#define LG_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define CTL_EX_FAIL	1
#define CTL_EX_USAGE	64

/* The reply to one request: data lines, then the final line. */
struct ctl_reply {
	char **lines;
	size_t n, cap;
	char *final;		/* "OK ..." or "ERR ..." */
};

/* ctl_socket_path - "unix:/p", "local:/p" or "/p" to "/p"; NULL if the
 * spec is no unix socket */
const char *ctl_socket_path(const char *spec);

/* ctl_request - connect, send request and a newline, read the reply.
 * 0, or -1 with the whole message (without "loopguardctl: ") in err. */
int ctl_request(const char *path, const char *request,
		struct ctl_reply *reply, char *err, size_t errsize);
void ctl_reply_free(struct ctl_reply *reply);

/* A request body writer (fd is the socket) and a reply line reader:
 * 0, or -1 with the message in err. */
typedef int (*ctl_body_fn)(void *arg, int fd, char *err, size_t errsize);
typedef int (*ctl_line_fn)(void *arg, const char *line, char *err,
			   size_t errsize);

/* ctl_stream - send request, then what body writes; hand each data line
 * of the reply to line_fn as it comes; the final line, malloc'ed, in
 * *final_r. 0, or -1 with err (err must start empty). */
int ctl_stream(const char *path, const char *request, ctl_body_fn body,
	       void *body_arg, ctl_line_fn line_fn, void *line_arg,
	       char **final_r, char *err, size_t errsize);
/* ctl_send_all - n bytes to a socket: 0, or -1 with errno set */
int ctl_send_all(int fd, const char *buf, size_t n);

/* ctl_state - "state export|import FILE" (ctl_state.c): the exit code */
int ctl_state(const char *path, const char *sub, const char *file,
	      int force, int json);

/* ctl_utf8_next - the well-formed UTF-8 character at p (NUL-ended):
 * its length with its code point in *c_r, or 0 when it is not one */
size_t ctl_utf8_next(const unsigned char *p, uint32_t *c_r);

/* ctl_split - cut a line at tabs in place; returns the field count */
size_t ctl_split(char *line, char **fields, size_t max);

/* ctl_unescape - undo the protocol's \\ \t \n \r \xHH, in place */
void ctl_unescape(char *s);

/* ctl_display - s made safe for a terminal as log lines are (escape.h):
 * a backslash becomes \\, control bytes, C1 controls and invalid UTF-8
 * \t, \n, \r or \xHH; malloc'ed */
char *ctl_display(const char *s);

/* ctl_width - how many characters (code points) s shows as */
size_t ctl_width(const char *s);

/* ctl_json_string - s as a JSON string with quotes; invalid UTF-8
 * becomes U+FFFD */
void ctl_json_string(FILE *fp, const char *s);

/* ctl_human_size - 512, 5.1K, 23M, ...; "-" when negative */
void ctl_human_size(long long size, char *buf, size_t bufsize);

/* ctl_time - "YYYY-MM-DD HH:MM:SS" local time; "-" for 0 */
void ctl_time(time_t t, char *buf, size_t bufsize);

/* ctl_duration - "3d 4h 5m 6s" */
void ctl_duration(long long seconds, char *buf, size_t bufsize);

/* ctl_is_number - only decimal digits, at least one */
int ctl_is_number(const char *s);

/* ctl_show_list / ctl_show_stats - print a reply; 0, or -1 when the
 * reply cannot be understood (message on stderr) */
int ctl_show_list(const struct ctl_reply *reply, int json, int sorted);
int ctl_show_stats(const struct ctl_reply *reply, int json);

/* ctl_show_queue - the outbox listing (ctl_queue.c), same contract;
 * sorted: the daemon sorted the rows (--sort), keep its order */
int ctl_show_queue(const struct ctl_reply *reply, int json, int sorted);

/* ctl_dial - a socket connected to path; timeout_s for each read and
 * write (0: none). -1 with err. */
int ctl_dial(const char *path, int timeout_s, char *err, size_t errsize);

/* ctl_watch - "watch" (ctl_watch.c): print events until interrupted
 * or the daemon stops; the exit code */
int ctl_watch(const char *path, const char *request, int json);

/* The recipient sources of a stats reply (ctl_sources.c). */
size_t ctl_source_fields(void);
int ctl_source_ok(char *const *f);
void ctl_print_source(char *const *f);
void ctl_print_source_json(char *const *f);
int ctl_show_lookup(const struct ctl_reply *reply, int json);

#endif
