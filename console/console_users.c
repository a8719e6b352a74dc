/*
 * NAME
 *	console_users.c - the console's users file
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	cn_users_open("/etc/loopguard/console.users", err, sizeof(err));
 *	switch (cn_users_verify(name, password, &user)) ...
 *	cn_users_find(name, &user);
 * DESCRIPTION
 *	One user a line, "name:role:hash": name 1-64 bytes of
 *	[A-Za-z0-9._@-], role "read" or "operator", hash a crypt(3)
 *	string (yescrypt, "$y$...", as "loopguard-console user add"
 *	writes it). Blank lines and lines starting with # are skipped.
 *
 *	The file is read at start (as root) and again whenever its
 *	mtime, size or inode changed, so adding or removing a user needs
 *	no restart, and a removed user's sessions end at their next
 *	request. Others may not read or change it: that is an error at
 *	start, and a later version of the file that is bad in any way
 *	leaves no user at all (refusing everyone) until it is fixed.
 *
 *	A check for a user who does not exist hashes the password too,
 *	against a hash made at start, so the answer takes as long.
 * DIAGNOSTICS
 *	"FILE:LINE: what" for a bad line; logged when a re-read fails.
 */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "console.h"
#include "console_impl.h"

#define USERS_FILE_MAX	(1024 * 1024)
#define PASSWORD_MAX	1024

struct entry {
	char name[CN_NAME_MAX + 1];
	enum cn_role role;
	char *hash;
};

static struct {
	pthread_mutex_t lock;
	char *path;
	struct entry *v;
	size_t n;
	struct stat st;		/* of the version read */
	char dummy[256];	/* a hash to check against for unknown users */
	unsigned generation;	/* one more at each read */
} users = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* cn_user_name_ok - 1-64 of [A-Za-z0-9._@-] */
int cn_user_name_ok(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-");

	return n >= 1 && n <= CN_NAME_MAX && name[n] == 0;
}

/* cn_role_name - "read", "operator" or "none" */
const char *cn_role_name(enum cn_role role)
{
	return role == CN_ROLE_OPERATOR ? "operator"
		: role == CN_ROLE_READ ? "read" : "none";
}

/* cn_role_parse - "read" or "operator": 0, or -1 */
int cn_role_parse(const char *s, enum cn_role *role_r)
{
	if (strcmp(s, "read") == 0)
		*role_r = CN_ROLE_READ;
	else if (strcmp(s, "operator") == 0)
		*role_r = CN_ROLE_OPERATOR;
	else
		return -1;
	return 0;
}

/* cn_users_parse_line - "name:role:hash" cut in place */
int cn_users_parse_line(char *line, char **name_r, enum cn_role *role_r,
			char **hash_r)
{
	char *role, *hash, *end;

	line[strcspn(line, "\r\n")] = 0;
	for (end = line + strlen(line); end > line && (end[-1] == ' ' || end[-1] == '\t');)
		*--end = 0;
	line += strspn(line, " \t");
	if (!*line || *line == '#')
		return 0;
	if (!(role = strchr(line, ':')) || !(hash = strchr(role + 1, ':')))
		return -1;
	*role++ = 0;
	*hash++ = 0;
	if (!cn_user_name_ok(line) || cn_role_parse(role, role_r) < 0)
		return -1;
	if (hash[0] != '$' || strlen(hash) < 10 || strpbrk(hash, ": \t"))
		return -1;
	*name_r = line;
	*hash_r = hash;
	return 1;
}

/* free_entries - a parsed list */
static void free_entries(struct entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].hash);
	free(v);
}

/* parse_file - the whole text into a list: 0, or -1 with err */
static int parse_file(const char *path, char *text, struct entry **v_r,
		      size_t *n_r, char *err, size_t errsize)
{
	struct entry *v = NULL, *nv;
	size_t n = 0, i, lineno = 0;
	char *line, *next, *name, *hash;
	enum cn_role role;
	int rc;

	for (line = text; line && *line; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		if ((rc = cn_users_parse_line(line, &name, &role, &hash)) == 0)
			continue;
		if (rc < 0) {
			snprintf(err, errsize, "%s:%zu: not a line \"name:read|operator:hash\" (name of [A-Za-z0-9._@-], hash from loopguard-console user add)",
				 path, lineno);
			goto fail;
		}
		for (i = 0; i < n; i++)
			if (strcmp(v[i].name, name) == 0) {
				snprintf(err, errsize, "%s:%zu: user %s appears twice",
					 path, lineno, name);
				goto fail;
			}
		if (!(nv = realloc(v, (n + 1) * sizeof(*v)))) {
			snprintf(err, errsize, "%s: out of memory", path);
			goto fail;
		}
		v = nv;
		snprintf(v[n].name, sizeof(v[n].name), "%s", name);
		v[n].role = role;
		if (!(v[n].hash = strdup(hash))) {
			snprintf(err, errsize, "%s: out of memory", path);
			goto fail;
		}
		n++;
	}
	*v_r = v;
	*n_r = n;
	return 0;
fail:
	free_entries(v, n);
	return -1;
}

/* load - read the file into users (lock held): 0, or -1 with err */
static int load(char *err, size_t errsize)
{
	struct entry *v;
	struct stat st;
	char *text;
	size_t n;

	if (stat(users.path, &st) < 0) {
		snprintf(err, errsize, "%s: %s", users.path, strerror(errno));
		return -1;
	}
	if (cn_read_private_file(users.path, USERS_FILE_MAX, &text, NULL, err,
				 errsize) < 0)
		return -1;
	if (parse_file(users.path, text, &v, &n, err, errsize) < 0) {
		free(text);
		return -1;
	}
	free(text);
	free_entries(users.v, users.n);
	users.v = v;
	users.n = n;
	users.st = st;
	users.generation++;
	return 0;
}

/* refresh - re-read the file when it changed (lock held) */
static void refresh(void)
{
	struct stat st;
	char err[512];

	if (stat(users.path, &st) == 0 && st.st_mtim.tv_sec == users.st.st_mtim.tv_sec
	    && st.st_mtim.tv_nsec == users.st.st_mtim.tv_nsec
	    && st.st_size == users.st.st_size && st.st_ino == users.st.st_ino)
		return;
	if (load(err, sizeof(err)) == 0) {
		cn_log(CN_LOG_INFO, "users file %s read: %zu users", users.path,
		       users.n);
		return;
	}
	/* a bad new version: nobody, until it is fixed */
	if (users.n || users.st.st_ino)
		cn_log(CN_LOG_ERR, "users file not read again, every login refused until it is fixed: %s",
		       err);
	free_entries(users.v, users.n);
	users.v = NULL;
	users.n = 0;
	users.generation++;
	memset(&users.st, 0, sizeof(users.st));
	if (stat(users.path, &st) == 0)
		users.st = st;
}

/* cn_users_generation - which read of the file is in use */
unsigned cn_users_generation(void)
{
	unsigned g;

	pthread_mutex_lock(&users.lock);
	g = users.generation;
	pthread_mutex_unlock(&users.lock);
	return g;
}

/* cn_users_hash - a new yescrypt hash */
int cn_users_hash(const char *password, char *out, size_t outsize)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;
	int rc = -1;

	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)))
		return -1;
	if (!(cd = calloc(1, sizeof(*cd))))
		return -1;
	h = crypt_rn(password, salt, cd, sizeof(*cd));
	if (h && h[0] == '$' && strlen(h) < outsize) {
		snprintf(out, outsize, "%s", h);
		rc = 0;
	}
	free(cd);
	return rc;
}

/* cn_users_open - the first read, at start */
int cn_users_open(const char *path, char *err, size_t errsize)
{
	int rc;

	pthread_mutex_lock(&users.lock);
	free(users.path);
	users.path = strdup(path);
	free_entries(users.v, users.n);
	users.v = NULL;
	users.n = 0;
	memset(&users.st, 0, sizeof(users.st));
	rc = users.path ? load(err, errsize) : -1;
	if (rc == 0 && !users.dummy[0]
	    && cn_users_hash("no such user", users.dummy, sizeof(users.dummy)) < 0) {
		snprintf(err, errsize, "crypt_gensalt(\"$y$\"): yescrypt not available");
		rc = -1;
	}
	pthread_mutex_unlock(&users.lock);
	return rc;
}

/* hash_matches - crypt(password, hash) == hash, in constant time */
static int hash_matches(const char *password, const char *hash)
{
	struct crypt_data *cd;
	const char *h;
	int ok;

	if (!(cd = calloc(1, sizeof(*cd))))
		return 0;
	h = crypt_rn(password, hash, cd, sizeof(*cd));
	ok = h && h[0] == '$' && cn_auth_equal(h, hash);
	free(cd);
	return ok;
}

/* cn_users_verify - check a password */
int cn_users_verify(const char *name, const char *password,
		    struct cn_user *user_r)
{
	char hash[256];
	enum cn_role role = CN_ROLE_NONE;
	size_t i;
	int found = 0;

	if (!*password)
		return -2;
	pthread_mutex_lock(&users.lock);
	refresh();
	snprintf(hash, sizeof(hash), "%s", users.dummy);
	for (i = 0; i < users.n; i++)
		if (strcmp(users.v[i].name, name) == 0) {
			snprintf(hash, sizeof(hash), "%s", users.v[i].hash);
			role = users.v[i].role;
			found = 1;
			break;
		}
	pthread_mutex_unlock(&users.lock);
	/* hashing outside the lock: logins do not wait on each other */
	if (strlen(password) > PASSWORD_MAX || !hash_matches(password, hash))
		return found ? 0 : -1;
	if (!found)
		return -1;
	snprintf(user_r->name, sizeof(user_r->name), "%s", name);
	user_r->role = role;
	return 1;
}

/* cn_users_find - whether the user is (still) there, and their role */
int cn_users_find(const char *name, struct cn_user *user_r)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&users.lock);
	refresh();
	for (i = 0; i < users.n; i++)
		if (strcmp(users.v[i].name, name) == 0) {
			snprintf(user_r->name, sizeof(user_r->name), "%s", name);
			user_r->role = users.v[i].role;
			found = 1;
			break;
		}
	pthread_mutex_unlock(&users.lock);
	return found;
}
