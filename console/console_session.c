/*
 * NAME
 *	console_session.c - logins that last: session ids and CSRF tokens
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	cn_session_new(&user, now, id, sizeof(id), csrf, sizeof(csrf));
 *	if (cn_session_get(cookie, now, name, sizeof(name), csrf, ...)) ...
 *	cn_session_end(cookie);
 * DESCRIPTION
 *	A session is 32 random bytes from getrandom(2), base64url without
 *	padding (the lg_session cookie), with a CSRF token of its own made
 *	the same way. It ends after session_idle seconds unused or
 *	session_max seconds after the login, whichever comes first, at
 *	logout, and when its user leaves the users file (the caller
 *	checks). The table holds at most CN_SESSIONS: a login beyond
 *	that ends the session used longest ago. Ids are compared in
 *	constant time. Sessions live in memory only: a restart logs
 *	everyone out.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "console.h"
#include "console_impl.h"

#define CN_SESSIONS	1024
#define SECRET_BYTES	32
#define SECRET_LEN	43	/* base64url of 32 bytes, no padding */

struct session {
	char id[SECRET_LEN + 1];
	char csrf[SECRET_LEN + 1];
	char name[CN_NAME_MAX + 1];
	time_t created, used;
};

static struct session table[CN_SESSIONS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* cn_base64url - n bytes as base64url, no padding */
void cn_base64url(const unsigned char *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned) in[i] << 16 | (unsigned) in[i + 1] << 8 | in[i + 2];
		*out++ = a[v >> 18 & 63];
		*out++ = a[v >> 12 & 63];
		*out++ = a[v >> 6 & 63];
		*out++ = a[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned) in[i] << 16;
		*out++ = a[v >> 18 & 63];
		*out++ = a[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned) in[i] << 16 | (unsigned) in[i + 1] << 8;
		*out++ = a[v >> 18 & 63];
		*out++ = a[v >> 12 & 63];
		*out++ = a[v >> 6 & 63];
	}
	*out = 0;
}

/* secret - 32 random bytes as text: 0 or -1 */
static int secret(char out[SECRET_LEN + 1])
{
	unsigned char raw[SECRET_BYTES];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t) n;
	}
	cn_base64url(raw, sizeof(raw), out);
	return 0;
}

/* expired - whether a session is over */
static int expired(const struct session *s, time_t now)
{
	return now - s->used >= (time_t) cn_cfg.session_idle
		|| now - s->created >= (time_t) cn_cfg.session_max
		|| now < s->created;
}

/* cn_session_new - a session for user: 0, or -1 (no randomness) */
int cn_session_new(const struct cn_user *user, time_t now, char *id_r,
		   size_t idsize, char *csrf_r, size_t csrfsize)
{
	struct session s, *slot = NULL;
	size_t i;

	memset(&s, 0, sizeof(s));
	if (secret(s.id) < 0 || secret(s.csrf) < 0) {
		cn_log(CN_LOG_ERR, "getrandom: %m");
		return -1;
	}
	snprintf(s.name, sizeof(s.name), "%s", user->name);
	s.created = s.used = now;
	pthread_mutex_lock(&lock);
	for (i = 0; i < CN_SESSIONS; i++) {
		if (!table[i].id[0] || expired(&table[i], now)) {
			slot = &table[i];
			break;
		}
		if (!slot || table[i].used < slot->used)
			slot = &table[i];
	}
	if (slot->id[0] && !expired(slot, now))
		cn_log(CN_LOG_WARN, "%d sessions: the one of user %s used longest ago ends",
		       CN_SESSIONS, slot->name);
	*slot = s;
	pthread_mutex_unlock(&lock);
	snprintf(id_r, idsize, "%s", s.id);
	snprintf(csrf_r, csrfsize, "%s", s.csrf);
	return 0;
}

/* cn_session_get - a live session's user and token: 1, or 0 */
int cn_session_get(const char *id, time_t now, char *name_r,
		   size_t namesize, char *csrf_r, size_t csrfsize)
{
	size_t i;
	int found = 0;

	if (strlen(id) != SECRET_LEN)
		return 0;
	pthread_mutex_lock(&lock);
	for (i = 0; i < CN_SESSIONS; i++) {
		if (!table[i].id[0] || !cn_auth_equal(table[i].id, id))
			continue;
		if (expired(&table[i], now)) {
			memset(&table[i], 0, sizeof(table[i]));
			break;
		}
		table[i].used = now;
		snprintf(name_r, namesize, "%s", table[i].name);
		snprintf(csrf_r, csrfsize, "%s", table[i].csrf);
		found = 1;
		break;
	}
	pthread_mutex_unlock(&lock);
	return found;
}

/* cn_session_end - logout */
void cn_session_end(const char *id)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < CN_SESSIONS; i++)
		if (table[i].id[0] && cn_auth_equal(table[i].id, id))
			memset(&table[i], 0, sizeof(table[i]));
	pthread_mutex_unlock(&lock);
}

/* cn_session_reset - no sessions (tests, stop) */
void cn_session_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(table, 0, sizeof(table));
	pthread_mutex_unlock(&lock);
}
