/*
 * NAME
 *	mail_fixture - what the outbox and mailer tests share
 * SYNOPSIS
 *	#include "mail_fixture.h"
 * DESCRIPTION
 *	dir() names a file in the temporary directory (static buffer);
 *	slurp() reads a whole file (static buffer), NULL if it cannot.
 */
#ifndef MAIL_FIXTURE_H
#define MAIL_FIXTURE_H

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

const char *dir(const char *);
char *slurp(const char *);

#endif
