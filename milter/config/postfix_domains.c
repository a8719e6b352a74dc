/*
 * NAME
 *	postfix_domains.c - the domains Postfix delivers for, asked from
 *	postconf and cut into names (see postfix_domains.h)
 * DESCRIPTION
 *	Only the three parameters whose domains Postfix delivers itself:
 *	mydestination (local), virtual_alias_domains and
 *	virtual_mailbox_domains. relay_domains is mail Postfix passes on,
 *	not a local domain. The values come expanded (postconf -x), so
 *	"$myhostname, localhost.$mydomain" arrives as names; what still
 *	holds a "$" was not expanded and is skipped.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "postconf.h"

/* Config library. */
#include "postfix_domains.h"

#define POSTCONF_MS	5000		/* the longest postconf may take */
#define ANSWER_MAX	((size_t) 1 << 20)	/* postconf's answer */
#define SHOWN_MAX	100		/* of an item quoted in a warning */

static const char *const params[] = {
	"mydestination", "virtual_alias_domains", "virtual_mailbox_domains"
};
#define N_PARAMS (sizeof(params) / sizeof(params[0]))

/* lg_domain_bad - see postfix_domains.h */
const char *lg_domain_bad(const char *name)
{
	const unsigned char *p;

	if (!*name)
		return "is empty";
	if (strlen(name) > LG_DOMAIN_MAX)
		return "is longer than a domain name may be";
	if (strchr(name, '@'))
		return "holds an \"@\"";
	for (p = (const unsigned char *) name; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return "holds a blank or a control character";
	return NULL;
}

/* lg_domain_list_free - see postfix_domains.h */
void lg_domain_list_free(struct lg_domain_list *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	d->names = NULL;
	d->n = 0;
}

/* not_a_domain - why a Postfix list item is no domain name, or NULL */
static const char *not_a_domain(const char *item)
{
	if (strchr(item, '$'))
		return "is not expanded";
	if (item[0] == '!')
		return "is an exclusion, which is not followed";
	if (item[0] == '/')
		return "is a file; its domains are not read";
	if (strpbrk(item, ":{}"))
		return "is a lookup table; its domains are not read";
	return lg_domain_bad(item);
}

/* warn_item - tell WARN, the item cut short and made printable */
static void warn_item(lg_domain_warn_fn warn, void *arg, const char *param,
		      const char *item, const char *why)
{
	char shown[SHOWN_MAX + 4];
	size_t i;

	if (!warn)
		return;
	for (i = 0; item[i] && i < SHOWN_MAX; i++)
		shown[i] = (unsigned char) item[i] < ' ' ||
			item[i] == 0x7f ? '?' : item[i];
	strcpy(shown + i, item[i] ? "..." : "");
	warn(arg, param, shown, why);
}

/* add_name - ITEM (lower-cased in place) into D unless it is there */
static int add_name(struct lg_domain_list *d, char *item, char *err,
		    size_t errsize)
{
	char **grown, *p;
	size_t i;

	for (p = item; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	for (i = 0; i < d->n; i++)
		if (strcmp(d->names[i], item) == 0)
			return 0;
	if (d->n >= LG_POSTFIX_DOMAINS_MAX) {
		snprintf(err, errsize, "Postfix names more than %d domains",
			 LG_POSTFIX_DOMAINS_MAX);
		return -1;
	}
	if (!(grown = realloc(d->names, (d->n + 1) * sizeof(*grown)))) {
		snprintf(err, errsize, "%s", strerror(ENOMEM));
		return -1;
	}
	d->names = grown;
	if (!(d->names[d->n] = strdup(item))) {
		snprintf(err, errsize, "%s", strerror(ENOMEM));
		return -1;
	}
	d->n++;
	return 0;
}

/* add_list - each item of one Postfix list value (cut in place) */
static int add_list(struct lg_domain_list *d, const char *param,
		    char *value, lg_domain_warn_fn warn, void *arg,
		    char *err, size_t errsize)
{
	static const char seps[] = " \t\r\n,";
	char *p = value, *item;
	const char *why;
	int depth, last;

	for (;;) {
		p += strspn(p, seps);
		if (!*p)
			return 0;
		/* "{...}" is one item, blanks and commas inside it too */
		for (item = p, depth = 0; *p; p++) {
			if (*p == '{')
				depth++;
			else if (*p == '}' && depth > 0)
				depth--;
			else if (depth == 0 && strchr(seps, *p))
				break;
		}
		last = !*p;
		*p = 0;
		if ((why = not_a_domain(item)) != NULL)
			warn_item(warn, arg, param, item, why);
		else if (add_name(d, item, err, errsize) != 0)
			return -1;
		if (last)
			return 0;
		p++;
	}
}

/* split - "NAME = VALUE" or "NAME =" into its halves; -1 otherwise */
static int split(char *line, char **name_r, char **value_r)
{
	char *eq = strstr(line, " =");

	if (!eq || eq == line || (eq[2] && eq[2] != ' ') ||
	    strcspn(line, " \t") != (size_t) (eq - line))
		return -1;
	*eq = 0;
	*name_r = line;
	*value_r = eq[2] ? eq + 3 : eq + 2;
	return 0;
}

/* lg_postfix_domains_parse - see postfix_domains.h */
int lg_postfix_domains_parse(char *answer, size_t len,
			     struct lg_domain_list *d, lg_domain_warn_fn warn,
			     void *arg, char *err, size_t errsize)
{
	char *line = answer, *end = answer + len, *nl, *name, *value;
	int seen[N_PARAMS] = { 0 };
	size_t k;

	if (memchr(answer, 0, len)) {
		snprintf(err, errsize, "postconf's answer is not text");
		return -1;
	}
	for (; line < end; line = nl + 1) {
		if (!(nl = memchr(line, '\n', (size_t) (end - line))))
			nl = end;
		*nl = 0;
		if (nl > line && nl[-1] == '\r')
			nl[-1] = 0;
		if (!*line)
			continue;
		if (split(line, &name, &value) != 0) {
			snprintf(err, errsize,
				 "postconf's answer has a line that is not NAME = VALUE: \"%.80s\"",
				 line);
			return -1;
		}
		for (k = 0; k < N_PARAMS; k++)
			if (strcmp(name, params[k]) == 0)
				break;
		if (k == N_PARAMS)
			continue;	/* not asked: no business of ours */
		seen[k] = 1;
		if (add_list(d, params[k], value, warn, arg, err,
			     errsize) != 0)
			return -1;
	}
	for (k = 0; k < N_PARAMS; k++)
		if (!seen[k]) {
			snprintf(err, errsize, "postconf gave no value for %s",
				 params[k]);
			return -1;
		}
	return 0;
}

/* names_program - WHY starts with "PROG:" or "postconf:" */
static int names_program(const char *why, const char *prog)
{
	size_t n = strlen(prog);

	return (strncmp(why, prog, n) == 0 && why[n] == ':') ||
		strncmp(why, "postconf:", 9) == 0;
}

/* lg_postfix_domains_ask - see postfix_domains.h */
int lg_postfix_domains_ask(const char *dir, struct lg_domain_list *d,
			   lg_domain_warn_fn warn, void *arg, char *err,
			   size_t errsize)
{
	const char *argv[N_PARAMS + 5];
	char why[512], *out = NULL;
	size_t len = 0, k = 0, i;
	int rc;

	if (!(argv[k++] = lg_postconf_find())) {
		snprintf(err, errsize,
			 "postconf is not run: LOOPGUARD_POSTCONF is empty");
		return -1;
	}
	if (dir) {
		argv[k++] = "-c";
		argv[k++] = dir;
	}
	argv[k++] = "-x";
	for (i = 0; i < N_PARAMS; i++)
		argv[k++] = params[i];
	argv[k] = NULL;
	why[0] = 0;
	rc = lg_run_capture(argv, POSTCONF_MS, ANSWER_MAX, &out, &len, why,
			    sizeof(why));
	/* "cannot run PATH: ..." and postconf's own "PATH: fatal: ..."
	 * name the program already */
	if (rc > 0 && (strncmp(why, "cannot run ", 11) == 0 ||
		       names_program(why, argv[0])))
		snprintf(err, errsize, "%s", why);
	else if (rc > 0 && why[0])
		snprintf(err, errsize, "%s failed: %s", argv[0], why);
	else if (rc > 0)
		snprintf(err, errsize, "%s failed (exit status %d)", argv[0],
			 rc);
	else if (rc < 0)
		snprintf(err, errsize, "%s: %s", argv[0],
			 why[0] ? why : "failed");
	else
		rc = lg_postfix_domains_parse(out, len, d, warn, arg, err,
					      errsize);
	free(out);
	return rc == 0 ? 0 : -1;
}
