/*
 * NAME
 *	console_authcache.c - recently checked Basic passwords
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	if (!cn_authcache_hit(name, password)) {
 *		... cn_users_verify() ...
 *		cn_authcache_add(name, password);
 *	}
 * DESCRIPTION
 *	A script or Prometheus sends its password with every request,
 *	and yescrypt is slow on purpose (tens of milliseconds, far more
 *	on a busy machine). A password that was right is remembered for
 *	CACHE_TTL seconds as an HMAC-SHA-256 of "name NUL password" under
 *	a key drawn at start, never as itself; a new version of the users
 *	file forgets everything. At most CACHE_SIZE entries: a new one
 *	replaces the oldest. Only right passwords are kept: a wrong one
 *	always costs a full check and counts toward the failure limit.
 */
#include "config.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "console.h"
#include "console_impl.h"

#define CACHE_SIZE	16
#define CACHE_TTL	60

static struct {
	char name[CN_NAME_MAX + 1];
	unsigned char mac[32];
	unsigned generation;
	time_t until;
} cache[CACHE_SIZE];
static unsigned char key[32];
static int have_key;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* mac - the HMAC of name and password (lock held): 0 or -1 */
static int mac(const char *name, const char *password, unsigned char out[32])
{
	unsigned char msg[CN_NAME_MAX + 1 + 1100];
	size_t nl = strlen(name), pl = strlen(password);

	if (!have_key) {
		if (getrandom(key, sizeof(key), 0) != (ssize_t) sizeof(key))
			return -1;
		have_key = 1;
	}
	if (nl > CN_NAME_MAX || pl > 1024)
		return -1;
	memcpy(msg, name, nl);
	msg[nl] = 0;
	memcpy(msg + nl + 1, password, pl);
	return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, sizeof(key), msg,
				nl + 1 + pl, out) < 0 ? -1 : 0;
}

/* cn_authcache_hit - whether this password was right a moment ago */
int cn_authcache_hit(const char *name, const char *password)
{
	unsigned char m[32], d = 0;
	unsigned gen = cn_users_generation();
	time_t now = time(NULL);
	size_t i, j;
	int hit = 0;

	pthread_mutex_lock(&lock);
	if (mac(name, password, m) == 0)
		for (i = 0; i < CACHE_SIZE && !hit; i++) {
			if (!cache[i].name[0] || cache[i].until <= now
			    || cache[i].generation != gen
			    || strcmp(cache[i].name, name) != 0)
				continue;
			for (d = 0, j = 0; j < sizeof(m); j++)
				d |= (unsigned char) (m[j] ^ cache[i].mac[j]);
			hit = d == 0;
		}
	pthread_mutex_unlock(&lock);
	return hit;
}

/* cn_authcache_add - remember a right password */
void cn_authcache_add(const char *name, const char *password)
{
	time_t now = time(NULL);
	size_t i, slot = 0;

	pthread_mutex_lock(&lock);
	for (i = 0; i < CACHE_SIZE; i++) {
		if (strcmp(cache[i].name, name) == 0) {
			slot = i;
			break;
		}
		if (cache[i].until < cache[slot].until)
			slot = i;
	}
	if (mac(name, password, cache[slot].mac) == 0) {
		snprintf(cache[slot].name, sizeof(cache[slot].name), "%s", name);
		cache[slot].generation = cn_users_generation();
		cache[slot].until = now + CACHE_TTL;
	} else
		memset(&cache[slot], 0, sizeof(cache[slot]));
	pthread_mutex_unlock(&lock);
}

/* cn_authcache_clear - forget everything (tests) */
void cn_authcache_clear(void)
{
	pthread_mutex_lock(&lock);
	memset(cache, 0, sizeof(cache));
	pthread_mutex_unlock(&lock);
}
