/*
 * NAME
 *	mail_fixture - what the outbox and mailer tests share
 * SYNOPSIS
 *	#include "mail_fixture.h"
 * DESCRIPTION
 *	Paths in the fake host's temporary directory, and the text of a
 *	file the code under test wrote.
 */
#include "config.h"

#include <stdio.h>

#include "fakehost.h"
#include "mail_fixture.h"

/* dir - NAME in the temporary directory */
const char *dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", fh_tmpdir(), name);
	return path;
}

/* slurp - the text of PATH (static buffer), or NULL */
char *slurp(const char *path)
{
	static char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = 0;
	fclose(fp);
	return buf;
}
