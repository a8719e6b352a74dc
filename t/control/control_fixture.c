/*
 * NAME
 *	control_fixture - what the control tests share
 * SYNOPSIS
 *	#include "control_fixture.h"
 * DESCRIPTION
 *	The store fixture (setup, teardown, put), the fake reload, and
 *	run()/run_n() that hand one request to lg_ctl_handle() and keep
 *	the reply in out, last() its final line.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "control_cmd.h"
#include "control_fixture.h"
#include "log.h"
#include "store.h"
#include "store_memory.h"

struct lg_store st;
struct lg_store *env_store;
char out[1 << 20];
size_t out_len;
int out_lines, out_stop_after = -1;
int reloads, reload_fails, reload_forced;

/* fake_reload - the program's reload, here a counter; refuses when
 * reload_fails is set */
int fake_reload(int force, char *err, size_t errsize)
{
	reloads++;
	reload_forced = force;
	if (reload_fails) {
		snprintf(err, errsize, "/x/lg.conf:3: unknown setting \"bogus\"");
		return -1;
	}
	return 0;
}

/* collect - lg_ctl_out_fn keeping every line */
int collect(void *arg, const char *line, size_t len)
{
	(void) arg;
	if (out_stop_after >= 0 && out_lines >= out_stop_after)
		return 1;
	ck_assert_ptr_null(memchr(line, '\n', len));
	ck_assert_uint_lt(out_len + len + 2, sizeof(out));
	memcpy(out + out_len, line, len);
	out_len += len;
	out[out_len++] = '\n';
	out[out_len] = 0;
	out_lines++;
	return 0;
}

/* run_n - one request of len bytes; the reply is in out */
int run_n(const char *line, size_t len)
{
	struct lg_ctl_env env = { env_store, T0 + 10, T0 - 100, "9.9.9",
				  fake_reload, "uid 0 pid 1" };

	out_len = 0;
	out_lines = 0;
	out[0] = 0;
	return lg_ctl_handle(&env, line, len, collect, NULL);
}

/* run - one request given as a string */
int run(const char *line)
{
	return run_n(line, strlen(line));
}

/* last - the final line of the reply */
const char *last(void)
{
	static char line[1024];
	char *p;
	size_t n;

	ck_assert_uint_gt(out_len, 0);
	out[out_len - 1] = 0;
	p = strrchr(out, '\n');
	p = p ? p + 1 : out;
	out[out_len - 1] = '\n';
	n = (size_t) (out + out_len - 1 - p);
	ck_assert_uint_lt(n, sizeof(line));
	memcpy(line, p, n);
	line[n] = 0;
	return line;
}

/* put - one entry set at T0 */
void put(const char *key, const char *plugin, long long count,
		const char *from, const char *to, const char *client,
		const char *status, long long size)
{
	struct lg_store_meta m = { from, to, client, status, size };

	ck_assert_int_eq(st.ops->set(st.be, key, count, 3600, T0, plugin, &m),
			 0);
}

/* setup - a store with three visible entries and one hidden */
void setup(void)
{
	struct lg_store_memory_opts o = { NULL, 0, 0, 0 };
	char err[256] = "";

	lg_log_capture_reset();
	ck_assert_msg(lg_store_memory_open(&o, T0, &st, err, sizeof(err)) == 0,
		      "open: %s", err);
	env_store = &st;
	put("repeat:1a2b", "repeat", 3, "alice@example.org",
	    "nobody@example.com", "192.0.2.7", "looping", 5200);
	put("harvest:192.0.2.0/24", "harvest", 12, "", "", "192.0.2.0/24",
	    "blocked", 0);
	put("autoreply:bob@example.com", "autoreply", 1, "bob@Example.COM",
	    "ghost@example.com", "198.51.100.1", "replied", 800);
	put("bounce:msgid-123", "bounce", 1, "carol@example.com", "", "",
	    "", 0);
	out_stop_after = -1;
	reloads = 0;
}

/* teardown - close the store */
void teardown(void)
{
	if (st.ops)
		lg_store_close(&st, T0);
}
