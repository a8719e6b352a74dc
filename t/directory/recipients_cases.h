/*
 * NAME
 *	recipients_cases - the made-up addresses of the large recipients
 *	tests
 * SYNOPSIS
 *	#include "recipients_cases.h"
 *
 *	void big_name(unsigned i, char *local, char *domain)
 * DESCRIPTION
 *	big_name() writes the local part and the domain of address i: the
 *	lines of the big file (check_recipients_load) and the entries the
 *	concurrent readers look up (check_recipients). Both buffers must
 *	hold 32 bytes.
 */
#ifndef RECIPIENTS_CASES_H
#define RECIPIENTS_CASES_H

#include <stdio.h>

/* big_name - the address of line i of the big file */
static inline void big_name(unsigned i, char *local, char *domain)
{
	sprintf(local, "user%07u", i);
	sprintf(domain, "d%u.example", i % 997);
}

#endif
