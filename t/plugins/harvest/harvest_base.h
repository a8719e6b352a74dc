/*
 * NAME
 *	harvest_base.h - the core settings the harvest suites start from
 * DESCRIPTION
 *	One local domain, a recipients file in the fake host's folder
 *	(@TMP@), and a trusted network that harvest never counts.
 */
#ifndef HARVEST_BASE_H
#define HARVEST_BASE_H

#define BASE "local_domains = [ \"example.com\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"trusted_networks = [ \"10.0.0.0/8\" ];\n"

#endif
