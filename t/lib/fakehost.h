/*
 * NAME
 *	fakehost.h - drive the real core and plugins with no MTA
 * SYNOPSIS
 *	fh_tmpfile("recipients", "alice@example.com\n");
 *	struct fh *h = fh_new("local_domains = [\"example.com\"]; ...");
 *	fh_connect(h, "192.0.2.1"); fh_mail(h, "<a@b>"); fh_rcpt(h, "<c@d>");
 *	fh_eom(h); ck_assert_str_eq(fh_edits(h), "addrcpt ...\n");
 *	fh_free(&h);
 * DESCRIPTION
 *	The fake host is the core itself (config loader, plugin loader,
 *	session, host API, memory store) with the MTA replaced by an edit
 *	sink that records every edit as a line of text, macros set by the
 *	test, a frozen clock and the log captured in memory. Plugins are
 *	loaded from $PLUGIN_DIR as in production. In config text, "@TMP@"
 *	stands for the test's temporary directory and "@PLUGINS@" for the
 *	plugin directory; plugin_dir is set for you.
 */
#ifndef FAKEHOST_H
#define FAKEHOST_H

#include <stddef.h>
#include <time.h>

#include <loopguard/plugin.h>

struct fh;
struct lg_config_opts;

/* The per-process temporary directory (created on first use). */
const char *fh_tmpdir(void);
/* A fresh folder /tmp/lg-NAME-XXXXXX in buf, for one test's files
 * (aborts the test if it cannot be made); fh_rmtree removes it. */
void fh_mkdtemp(char *buf, size_t size, const char *name);
void fh_rmtree(const char *path);
/* Write NAME in the temp dir; returns its path (static buffer). */
const char *fh_tmpfile(const char *name, const char *content);

/* Load config text; aborts the test with the error if it fails. */
struct fh *fh_new(const char *config_text);
/* Load config text expecting failure: returns the error ("" if it
 * loaded). The file is @TMP@/NAME.conf, so errors can be predicted. */
const char *fh_load_error(const char *name, const char *config_text);
/* The options every test load uses: the real plugin host. */
const struct lg_config_opts *fh_config_opts(void);
/* The error of BASE plus one group for PLUGIN holding SETTINGS, after
 * its "FILE:LINE: plugin PLUGIN: " (LINE: the plugins line), which is
 * checked and cut; the whole error when that prefix is not there. */
const char *fh_plugin_error(const char *base, const char *plugin,
			    const char *settings);
void fh_free(struct fh **h);

/* Set a macro the next events see (value NULL removes it). */
void fh_macro(struct fh *h, const char *name, const char *value);

enum lg_verdict fh_connect(struct fh *h, const char *client_ip);
enum lg_verdict fh_mail(struct fh *h, const char *raw);
enum lg_verdict fh_rcpt(struct fh *h, const char *raw);
enum lg_verdict fh_header(struct fh *h, const char *name, const char *value);
enum lg_verdict fh_body(struct fh *h, const char *text);
enum lg_verdict fh_eoh(struct fh *h);
enum lg_verdict fh_eom(struct fh *h);
void fh_abort(struct fh *h);
void fh_close(struct fh *h);	/* ends the connection, keeps the host */

/* One message from MAIL to end of message: recipients NULL-terminated,
 * headers "Name: value" NULL-terminated (may be NULL). Returns the
 * first terminal verdict, or the end-of-message one. */
enum lg_verdict fh_message(struct fh *h, const char *from,
			   const char *const *rcpts,
			   const char *const *headers, const char *body);

/* Edits applied by the last fh_eom, one per line:
 * "addrcpt ADDR", "delrcpt RAW", "addheader NAME: VALUE",
 * "chgheader NAME: VALUE [N]", "delheader NAME [N]",
 * "quarantine REASON", "chgfrom ADDR" (a new envelope sender). */
const char *fh_edits(const struct fh *h);
/* "RCODE XCODE TEXT" of the last reject/tempfail, or "". */
const char *fh_reply(const struct fh *h);
/* Everything logged since fh_new (or fh_log_reset). */
const char *fh_log(void);
void fh_log_reset(void);
/* How often needle stands in haystack (overlaps count). */
int fh_occurrences(const char *haystack, const char *needle);

/* The session in progress (for tests that look inside the model). */
struct lg_ctx *fh_session(struct fh *h);

/* fh_config - the host's config snapshot (its directory, say) */
struct lg_config *fh_config(struct fh *h);

/* Make the sink refuse the next edits (to test on_error). */
void fh_fail_edits(struct fh *h, int fail);
/* Connections made from now on: the MTA does not offer to change the
 * envelope sender (host->change_sender then returns -1). */
void fh_no_chgfrom(struct fh *h, int off);

/* The current value of PLUGIN's counter NAME (host->count), as
 * loopguardctl stats shows it; process-wide. */
unsigned long long fh_counter(const char *plugin, const char *name);

/* An outbox in the temp dir that the core's mailer queues into, the
 * number of its messages to RCPT, and closing it again. */
struct lg_outbox;
struct lg_outbox *fh_outbox_open(const char *name);
int fh_outbox_count_to(struct lg_outbox *ob, const char *rcpt);	/* NULL: all */
void fh_outbox_close(struct lg_outbox **ob);

/* A DKIM test key made once with openssl: the private key in PEM; the
 * key file @TMP@/keys publishes it as sel._domainkey.example.com and
 * sel._domainkey.example.org. */
const char *fh_dkim_test_key(void);

/* The frozen clock. */
void fh_clock_set(time_t t);
void fh_clock_advance(long long seconds);

#endif
