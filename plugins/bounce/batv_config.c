/*
 * NAME
 *	batv_config - the batv setting of the bounce plugin
 * SYNOPSIS
 *	#include "batv.h"
 *
 *	batv_config(host, section, report_only, &batv);
 *	batv_free(&batv);
 * DESCRIPTION
 *	Reads batv = { keys; sign_key; days; domains; exempt; } (see
 *	batv.c) into a struct batv: key ids 0 to 9, each with an inline
 *	secret or a secret_file that no one else may read (a regular file
 *	owned by root or the daemon's user, no access for others, no
 *	group write), 16 to 1024 bytes; sign_key among them; days 1 to
 *	365 (the day number wraps at 1000); domains (default: the core's
 *	local_domains) and exemptions in lower case. The secrets are
 *	wiped when the settings are freed. A secret_file is read again
 *	at every reload, by then as the daemon's user (the user setting):
 *	a file only root can read works at start and fails each reload,
 *	and the error says so.
 * DIAGNOSTICS
 *	"FILE:LINE: plugin bounce: batv: ..." through cfg_error.
 */
#include "config.h"

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* Application-specific. */
#include "batv_impl.h"

/* batv_free - wipe the secrets and free */
void batv_free(struct batv **bp)
{
	struct batv *b = *bp;
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n_domains; i++)
		free(b->domains[i]);
	free(b->domains);
	for (i = 0; i < b->n_exempt; i++)
		free(b->exempt[i]);
	free(b->exempt);
	OPENSSL_cleanse(b->keys, sizeof(b->keys));
	free(b);
	*bp = NULL;
}

/* lower_dup - a lower-case copy */
static char *lower_dup(const char *s)
{
	char *d = strdup(s), *p;

	for (p = d; p && *p; p++)
		*p = (char) tolower((unsigned char) *p);
	return d;
}

/* read_secret - a secret_file: a regular file no one else may read */
static int read_secret(const struct lg_host *h, struct lg_section *k,
		       const char *path, struct batv_key *key)
{
	unsigned char buf[BATV_SECRET_MAX + 2];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		/* after start the daemon runs as its user: a file only
		 * root can read fails every reload */
		h->cfg_error(k, "secret_file", "cannot open %s: %s%s", path,
			     strerror(e), e == EACCES && geteuid() != 0 ?
			     " (it is read again at reload, as the daemon's user: give it that user, or its group with mode 0640)" :
			     "");
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		h->cfg_error(k, "secret_file", "%s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXO | S_IWGRP)) {
		h->cfg_error(k, "secret_file",
			     "%s has mode %04o: others may read or change it (chmod 0600 or 0640)",
			     path, (unsigned) (st.st_mode & 07777));
		close(fd);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		h->cfg_error(k, "secret_file",
			     "%s must be owned by root or by the daemon's user",
			     path);
		close(fd);
		return -1;
	}
	while (len < sizeof(buf) &&
	       (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t) n;
	close(fd);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len > BATV_SECRET_MAX || len < BATV_SECRET_MIN) {
		h->cfg_error(k, "secret_file",
			     "the secret in %s must be %d to %d bytes long",
			     path, BATV_SECRET_MIN, BATV_SECRET_MAX);
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	memcpy(key->secret, buf, len);
	key->len = len;
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* config_key - one { id; secret or secret_file } group */
static int config_key(const struct lg_host *h, struct lg_section *k,
		      struct batv *b, int *id_r)
{
	const char *secret, *file;
	long long id;

	if (h->cfg_int(k, "id", -1, 0, BATV_KEYS - 1, &id) != 0 ||
	    h->cfg_string(k, "secret", NULL, &secret) != 0 ||
	    h->cfg_string(k, "secret_file", NULL, &file) != 0)
		return -1;
	if (id < 0) {
		h->cfg_error(k, NULL, "batv: every key needs an id (0 to 9)");
		return -1;
	}
	if (b->keys[id].set) {
		h->cfg_error(k, "id", "batv: key id %lld is listed twice", id);
		return -1;
	}
	if (!secret == !file) {
		h->cfg_error(k, NULL,
			     "batv: key %lld needs exactly one of secret and secret_file",
			     id);
		return -1;
	}
	if (file) {
		if (read_secret(h, k, file, &b->keys[id]) != 0)
			return -1;
	} else {
		if (strlen(secret) < BATV_SECRET_MIN ||
		    strlen(secret) > BATV_SECRET_MAX) {
			h->cfg_error(k, "secret",
				     "batv: the secret of key %lld must be %d to %d bytes long",
				     id, BATV_SECRET_MIN, BATV_SECRET_MAX);
			return -1;
		}
		b->keys[id].len = strlen(secret);
		memcpy(b->keys[id].secret, secret, b->keys[id].len);
	}
	b->keys[id].set = 1;
	*id_r = (int) id;
	return 0;
}

/* config_keys - the keys list and sign_key */
static int config_keys(const struct lg_host *h, struct lg_section *g,
		       struct batv *b)
{
	size_t i, n;
	int first = -1, id;
	long long sign;

	if (h->cfg_groups(g, "keys", &n) != 0)
		return -1;
	if (n == 0) {
		h->cfg_error(g, "keys", "batv: at least one key is needed");
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct lg_section *k = h->cfg_group_at(g, "keys", i);

		if (!k) {
			h->cfg_error(g, "keys", "batv: out of memory");
			return -1;
		}
		if (config_key(h, k, b, &id) != 0)
			return -1;
		if (first < 0)
			first = id;
	}
	if (h->cfg_int(g, "sign_key", first, 0, BATV_KEYS - 1, &sign) != 0)
		return -1;
	if (!b->keys[sign].set) {
		h->cfg_error(g, "sign_key", "batv: sign_key %lld is not in keys",
			     sign);
		return -1;
	}
	b->sign_key = (int) sign;
	return 0;
}

/* push - append a lower-case copy of S to a list */
static int push(char ***list, size_t *n, const char *s)
{
	char **grown = realloc(*list, (*n + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	*list = grown;
	if ((grown[*n] = lower_dup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* local_domain - DOMAIN is one of the core's local_domains */
static int local_domain(const struct lg_host *h, struct lg_section *sec,
			const char *domain)
{
	const char *d;
	size_t i;

	for (i = 0; (d = h->cfg_local_domain(sec, i)) != NULL; i++)
		if (strcasecmp(d, domain) == 0)
			return 1;
	return 0;
}

/* config_lists - domains (default: local_domains) and exempt */
static int config_lists(const struct lg_host *h, struct lg_section *sec,
			struct lg_section *g, struct batv *b)
{
	const char *s;
	size_t i, n;

	if (h->cfg_strings(g, "domains", &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		s = h->cfg_strings_at(g, "domains", i);
		if (!s || !*s || strchr(s, '@') || strchr(s, ' ')) {
			h->cfg_error(g, "domains",
				     "batv: domains: \"%s\" is not a domain",
				     s ? s : "");
			return -1;
		}
		if (!local_domain(h, sec, s)) {
			/* its bounces would come back elsewhere, unjudged */
			h->cfg_error(g, "domains",
				     "batv: domains: \"%s\" is not one of local_domains",
				     s);
			return -1;
		}
		if (push(&b->domains, &b->n_domains, s) != 0)
			goto nomem;
	}
	for (i = 0; n == 0 && (s = h->cfg_local_domain(sec, i)) != NULL; i++)
		if (push(&b->domains, &b->n_domains, s) != 0)
			goto nomem;
	if (h->cfg_strings(g, "exempt", &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		s = h->cfg_strings_at(g, "exempt", i);
		if (!s || !strchr(s, '@') || strchr(s, '@') != strrchr(s, '@') ||
		    !strchr(s, '@')[1] || strchr(s, ' ')) {
			h->cfg_error(g, "exempt",
				     "batv: exempt: \"%s\" is neither local@domain nor @domain",
				     s ? s : "");
			return -1;
		}
		if (push(&b->exempt, &b->n_exempt, s) != 0)
			goto nomem;
	}
	return 0;
nomem:
	h->cfg_error(g, NULL, "batv: out of memory");
	return -1;
}

/* batv_config - the batv setting of the bounce section */
int batv_config(const struct lg_host *h, struct lg_section *sec,
		int report_only, struct batv **batv_r)
{
	struct lg_section *g;
	struct batv *b;
	size_t n;

	*batv_r = NULL;
	if (!LG_HOST_HAS(h, cfg_group)) {
		/* an older daemon cannot read the group: say so if set */
		if (h->cfg_groups(sec, "batv", &n) == 0 && n == 0)
			return 0;
		h->cfg_error(sec, "batv",
			     "batv needs a daemon that can change the envelope sender (plugin ABI 1.4)");
		return -1;
	}
	if (h->cfg_group(sec, "batv", &g) != 0)
		return -1;
	if (!g)
		return 0;
	if (!LG_HOST_HAS(h, change_sender) || !LG_HOST_HAS(h, cfg_local_domain)) {
		h->cfg_error(sec, "batv",
			     "batv needs a daemon that can change the envelope sender (plugin ABI 1.4)");
		return -1;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		h->cfg_error(sec, "batv", "batv: out of memory");
		return -1;
	}
	*batv_r = b;
	b->report_only = report_only;
	if (config_keys(h, g, b) != 0 ||
	    h->cfg_int(g, "days", 7, 1, BATV_DAYS_MAX, &b->days) != 0 ||
	    config_lists(h, sec, g, b) != 0)
		return -1;
	return 0;
}
