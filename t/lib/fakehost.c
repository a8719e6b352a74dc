/*
 * NAME
 *	fakehost.c - the core without libmilter, for unit tests
 * DESCRIPTION
 *	See fakehost.h (the mail fixtures are in fh_mail.c). Failures to
 *	set up abort the test with a message (ck_abort_msg), so a broken
 *	fixture never passes silently.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "counters.h"
#include "fakehost.h"
#include "host.h"
#include "log.h"
#include "session.h"
#include "settings.h"
#include "store.h"
#include "store_memory.h"

#define MAX_MACROS 32

struct fh {
	struct lg_config *cfg;
	struct lg_ctx *session;
	struct lg_store store;
	char *macro_names[MAX_MACROS];
	char *macro_values[MAX_MACROS];
	char *edits;
	size_t edits_len;
	char reply[600];
	int fail_edits;
	int no_chgfrom;		/* the MTA offers no sender change */
};

static char tmpdir[256];
static pid_t tmpdir_owner;

/* rm_entry - nftw callback: remove one entry, the deepest first */
static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

/* fh_rmtree - a folder and all in it */
void fh_rmtree(const char *path)
{
	if (path && path[0])
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* fh_mkdtemp - one test's own folder */
void fh_mkdtemp(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "/tmp/lg-%s-XXXXXX", name);
	if (!mkdtemp(buf))
		ck_abort_msg("mkdtemp %s: %s", buf, strerror(errno));
}

/* tmpdir_remove - at exit, the process that made the temp dir removes it */
static void tmpdir_remove(void)
{
	if (tmpdir[0] && getpid() == tmpdir_owner)
		fh_rmtree(tmpdir);
}

/* fh_tmpdir - one directory per test process, removed when it exits */
const char *fh_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/lg-test-XXXXXX");
		if (!mkdtemp(tmpdir))
			ck_abort_msg("mkdtemp: %s", strerror(errno));
		tmpdir_owner = getpid();
		atexit(tmpdir_remove);
	}
	return tmpdir;
}

/* fh_tmpfile - write a file in the temp dir */
const char *fh_tmpfile(const char *name, const char *content)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", fh_tmpdir(), name);
	fp = fopen(path, "w");
	if (!fp || fputs(content, fp) < 0 || fclose(fp) != 0)
		ck_abort_msg("%s: %s", path, strerror(errno));
	return path;
}

/* substitute - replace @TMP@ and @PLUGINS@ */
static char *substitute(const char *text)
{
	const char *plugins = getenv("PLUGIN_DIR");
	const char *testplugins = getenv("TEST_PLUGIN_DIR");
	size_t cap = strlen(text) * 2 + 1024, len = 0;
	char *out = malloc(cap);
	const char *p;

	if (!plugins)
		plugins = "plugins/.libs";
	if (!testplugins)
		testplugins = "t/lib/plugins/.libs";
	if (!strstr(text, "plugin_dir"))
		len = (size_t) snprintf(out, cap, "plugin_dir = \"%s\";\n",
					plugins);
	for (p = text; *p; ) {
		const char *with = NULL;
		size_t skip = 0;

		if (strncmp(p, "@TMP@", 5) == 0) {
			with = fh_tmpdir();
			skip = 5;
		} else if (strncmp(p, "@PLUGINS@", 9) == 0) {
			with = plugins;
			skip = 9;
		} else if (strncmp(p, "@TESTPLUGINS@", 13) == 0) {
			with = testplugins;
			skip = 13;
		}
		if (len + 512 >= cap)
			out = realloc(out, cap *= 2);
		if (with) {
			len += (size_t) snprintf(out + len, cap - len, "%s", with);
			p += skip;
		} else {
			out[len++] = *p++;
		}
	}
	out[len] = 0;
	return out;
}

/* write_config - NAME.conf in the temp dir */
static const char *write_config(const char *name, const char *text)
{
	static char file[64];
	char *full = substitute(text);
	const char *path;

	snprintf(file, sizeof(file), "%s.conf", name);
	path = fh_tmpfile(file, full);
	free(full);
	return path;
}

/* fh_config_opts - load with the real plugin host, as the daemon does */
const struct lg_config_opts *fh_config_opts(void)
{
	static struct lg_config_opts opts;

	opts.host = lg_host_get();
	return &opts;
}

/* fh_load_error - the error a config text gives */
const char *fh_load_error(const char *name, const char *config_text)
{
	static char err[1024];
	struct lg_config *cfg = NULL;
	const char *path = write_config(name, config_text);
	char copy[512];

	snprintf(copy, sizeof(copy), "%s", path);
	lg_log_open("test", LG_LOG_MEMORY);
	err[0] = 0;
	if (lg_config_load(copy, fh_config_opts(), &cfg, err, sizeof(err)) == 0) {
		lg_config_unref(&cfg);
		err[0] = 0;
	}
	return err;
}

/* fh_plugin_error - a plugin group's setting error, prefix checked */
const char *fh_plugin_error(const char *base, const char *plugin,
			    const char *settings)
{
	char text[2048], name[64], prefix[700];
	const char *err, *p;
	int line = 1;

	fh_tmpfile("rcpts", "alice@example.com\n");
	/* substitute() puts the plugin_dir line first */
	for (p = base; *p; p++)
		line += *p == '\n';
	snprintf(text, sizeof(text), "%splugins = ( { name = \"%s\"; %s } );\n",
		 base, plugin, settings);
	snprintf(name, sizeof(name), "%s-bad", plugin);
	err = fh_load_error(name, text);
	snprintf(prefix, sizeof(prefix), "%s/%s.conf:%d: plugin %s: ",
		 fh_tmpdir(), name, line + 1, plugin);
	return strncmp(err, prefix, strlen(prefix)) == 0 ?
		err + strlen(prefix) : err;
}

/* sink_* - record edits as text */
static void record(struct fh *h, const char *fmt, const char *a,
		   const char *b, int n)
{
	char line[2048];
	int len = snprintf(line, sizeof(line), fmt, a, b ? b : "", n);

	if (len < 0)
		return;
	if ((size_t) len >= sizeof(line))
		len = (int) sizeof(line) - 1;
	h->edits = realloc(h->edits, h->edits_len + (size_t) len + 2);
	memcpy(h->edits + h->edits_len, line, (size_t) len);
	h->edits_len += (size_t) len;
	h->edits[h->edits_len++] = '\n';
	h->edits[h->edits_len] = 0;
}

static const char *sink_macro(void *arg, const char *name)
{
	struct fh *h = arg;
	int i;

	for (i = 0; i < MAX_MACROS; i++)
		if (h->macro_names[i] && strcmp(h->macro_names[i], name) == 0)
			return h->macro_values[i];
	return NULL;
}

static int sink_add_rcpt(void *arg, const char *addr)
{
	struct fh *h = arg;

	if (h->fail_edits)
		return -1;
	record(h, "addrcpt %s%s", addr, NULL, 0);
	return 0;
}

static int sink_del_rcpt(void *arg, const char *raw)
{
	struct fh *h = arg;

	if (h->fail_edits)
		return -1;
	record(h, "delrcpt %s%s", raw, NULL, 0);
	return 0;
}

static int sink_add_header(void *arg, const char *name, const char *value)
{
	struct fh *h = arg;

	if (h->fail_edits)
		return -1;
	record(h, "addheader %s: %s", name, value, 0);
	return 0;
}

static int sink_change_header(void *arg, const char *name, int n,
			      const char *value)
{
	struct fh *h = arg;

	if (h->fail_edits)
		return -1;
	record(h, value ? "chgheader %s: %s [%d]" : "delheader %s%s [%d]",
	       name, value, n);
	return 0;
}

static int sink_quarantine(void *arg, const char *reason)
{
	struct fh *h = arg;

	if (h->fail_edits)
		return -1;
	record(h, "quarantine %s%s", reason, NULL, 0);
	return 0;
}

static int sink_change_sender(void *arg, const char *addr)
{
	struct fh *h = arg;

	if (h->fail_edits)
		return -1;
	record(h, "chgfrom %s%s", addr, NULL, 0);
	return 0;
}

static const struct lg_edit_sink fake_sink = {
	sink_macro, sink_add_rcpt, sink_del_rcpt, sink_add_header,
	sink_change_header, sink_quarantine, sink_change_sender
};

/* fh_new - load a config that must be good */
struct fh *fh_new(const char *config_text)
{
	struct lg_store_memory_opts mopts = { NULL, 60, 100000, 0 };
	struct fh *h = calloc(1, sizeof(*h));
	char err[1024], path[512];

	lg_log_open("test", LG_LOG_MEMORY);
	lg_log_set_min_level(LG_LOG_DEBUG);
	lg_log_capture_reset();
	if (!lg_clock_is_fake())
		lg_clock_set(1700000000);
	snprintf(path, sizeof(path), "%s", write_config("fh", config_text));
	if (lg_config_load(path, fh_config_opts(), &h->cfg, err, sizeof(err)) != 0)
		ck_abort_msg("config did not load: %s", err);
	if (lg_store_memory_open(&mopts, lg_now(), &h->store, err,
				 sizeof(err)) != 0)
		ck_abort_msg("store did not open: %s", err);
	lg_host_set_store(&h->store);
	return h;
}

/* fh_config - the host's config snapshot */
struct lg_config *fh_config(struct fh *h)
{
	return h->cfg;
}

/* fh_close - end the connection (close hooks run) */
void fh_close(struct fh *h)
{
	lg_session_free(&h->session);
}

/* fh_free - everything */
void fh_free(struct fh **hp)
{
	struct fh *h = *hp;
	int i;

	if (!h)
		return;
	fh_close(h);
	lg_host_set_store(NULL);
	h->store.ops->close(h->store.be, lg_now());
	lg_config_unref(&h->cfg);
	for (i = 0; i < MAX_MACROS; i++) {
		free(h->macro_names[i]);
		free(h->macro_values[i]);
	}
	free(h->edits);
	free(h);
	*hp = NULL;
}

/* fh_macro - set or clear a macro */
void fh_macro(struct fh *h, const char *name, const char *value)
{
	int i, free_slot = -1;

	for (i = 0; i < MAX_MACROS; i++) {
		if (h->macro_names[i] && strcmp(h->macro_names[i], name) == 0)
			break;
		if (!h->macro_names[i] && free_slot < 0)
			free_slot = i;
	}
	if (i == MAX_MACROS) {
		if (!value || free_slot < 0)
			return;
		i = free_slot;
		h->macro_names[i] = strdup(name);
	}
	free(h->macro_values[i]);
	h->macro_values[i] = value ? strdup(value) : NULL;
	if (!value) {
		free(h->macro_names[i]);
		h->macro_names[i] = NULL;
	}
}

/* keep_reply - remember the reply of a reject/tempfail */
static enum lg_verdict keep_reply(struct fh *h, enum lg_verdict v)
{
	const struct lg_reply *r = h->session ?
		lg_session_reply(h->session) : NULL;

	h->reply[0] = 0;
	if ((v == LG_REJECT || v == LG_TEMPFAIL) && r)
		snprintf(h->reply, sizeof(h->reply), "%s %s %s", r->rcode,
			 r->xcode, r->text);
	return v;
}

/* fh_connect - a new connection from client_ip ("" = unix socket) */
enum lg_verdict fh_connect(struct fh *h, const char *client_ip)
{
	unsigned char addr[16] = { 0 };
	int family = 0;

	fh_close(h);
	h->session = lg_session_new(h->cfg, &fake_sink, h);
	if (!h->session)
		ck_abort_msg("lg_session_new failed");
	lg_session_set_can_change_sender(h->session, !h->no_chgfrom);
	if (client_ip && inet_pton(AF_INET, client_ip, addr) == 1)
		family = 4;
	else if (client_ip && inet_pton(AF_INET6, client_ip, addr) == 1)
		family = 6;
	return keep_reply(h, lg_session_connect(h->session, "client.test",
						 family, addr));
}

/* session - the open session, or a fresh connection from 192.0.2.1 */
static struct lg_ctx *session(struct fh *h)
{
	if (!h->session)
		fh_connect(h, "192.0.2.1");
	return h->session;
}

enum lg_verdict fh_mail(struct fh *h, const char *raw)
{
	free(h->edits);
	h->edits = NULL;
	h->edits_len = 0;
	return keep_reply(h, lg_session_envfrom(session(h), raw));
}

enum lg_verdict fh_rcpt(struct fh *h, const char *raw)
{
	return keep_reply(h, lg_session_envrcpt(session(h), raw));
}

enum lg_verdict fh_header(struct fh *h, const char *name, const char *value)
{
	return keep_reply(h, lg_session_header(session(h), name, value));
}

enum lg_verdict fh_eoh(struct fh *h)
{
	return keep_reply(h, lg_session_eoh(session(h)));
}

enum lg_verdict fh_body(struct fh *h, const char *text)
{
	return keep_reply(h, lg_session_body(session(h),
					     (const unsigned char *) text,
					     strlen(text)));
}

enum lg_verdict fh_eom(struct fh *h)
{
	return keep_reply(h, lg_session_eom(session(h)));
}

void fh_abort(struct fh *h)
{
	lg_session_abort(session(h));
}

/* fh_message - one whole transaction; stops at a terminal verdict */
enum lg_verdict fh_message(struct fh *h, const char *from,
			   const char *const *rcpts,
			   const char *const *headers, const char *body)
{
	enum lg_verdict v;
	size_t i;

	v = fh_mail(h, from);
	if (v != LG_CONTINUE)
		return v;
	for (i = 0; rcpts && rcpts[i]; i++) {
		v = fh_rcpt(h, rcpts[i]);
		if (v == LG_ACCEPT || v == LG_DISCARD)
			return v;
	}
	for (i = 0; headers && headers[i]; i++) {
		const char *colon = strchr(headers[i], ':');
		char name[256];

		if (!colon || (size_t) (colon - headers[i]) >= sizeof(name))
			ck_abort_msg("bad test header \"%s\"", headers[i]);
		memcpy(name, headers[i], (size_t) (colon - headers[i]));
		name[colon - headers[i]] = 0;
		v = fh_header(h, name, colon[1] == ' ' ? colon + 2 : colon + 1);
		if (v != LG_CONTINUE)
			return v;
	}
	v = fh_eoh(h);
	if (v != LG_CONTINUE)
		return v;
	if (body) {
		v = fh_body(h, body);
		if (v != LG_CONTINUE)
			return v;
	}
	return fh_eom(h);
}

const char *fh_edits(const struct fh *h)
{
	return h->edits ? h->edits : "";
}

const char *fh_reply(const struct fh *h)
{
	return h->reply;
}

const char *fh_log(void)
{
	return lg_log_captured();
}

/* fh_occurrences - how often needle stands in haystack */
int fh_occurrences(const char *haystack, const char *needle)
{
	const char *p;
	int n = 0;

	for (p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

void fh_log_reset(void)
{
	lg_log_capture_reset();
}

void fh_fail_edits(struct fh *h, int fail)
{
	h->fail_edits = fail;
}

void fh_clock_set(time_t t)
{
	lg_clock_set(t);
}

void fh_clock_advance(long long seconds)
{
	lg_clock_advance(seconds);
}

struct lg_ctx *fh_session(struct fh *h)
{
	return session(h);
}

/* fh_no_chgfrom - connections from now on: the MTA offers no sender
 * change (SMFIF_CHGFROM) */
void fh_no_chgfrom(struct fh *h, int off)
{
	h->no_chgfrom = off;
}

/* fh_counter - a plugin's named counter, process-wide as in stats */
unsigned long long fh_counter(const char *plugin, const char *name)
{
	return lg_named_counter_get(plugin, name);
}
