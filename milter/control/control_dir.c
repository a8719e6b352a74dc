/*
 * NAME
 *	control_dir.c - the recipient sources in "stats"
 * DESCRIPTION
 *	One line per source of the running config, in config order:
 *
 *	source SPEC KIND HEALTH ENTRIES FAILURES DOWN_SINCE LOADED_AT ERROR
 *
 *	HEALTH is "up", "down" (its last answer or load failed: the
 *	recipients it decides get on_error) or "held" (up, but a newer
 *	load that lost more than max_shrink waits for reload --force);
 *	ENTRIES is "-" for a source asked per recipient; the times are
 *	seconds since the epoch, 0 when not applicable; ERROR is the last
 *	failure, escaped.
 *
 *	"lookup ADDRESS..." answers, per address, what the running
 *	directory says of it, the way the milter would at RCPT:
 *
 *	lookup ADDRESS local SOURCE	exists (SOURCE said so)
 *	lookup ADDRESS unknown -	a local domain, no source knows it
 *	lookup ADDRESS fail WHY		a source could not answer
 *	lookup ADDRESS external -	not a local domain
 *	lookup ADDRESS bad -		not an address
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

/* Utility library. */
#include "parse.h"

/* Directory library. */
#include "directory.h"

/* Config library. */
#include "settings.h"

/* Control socket. */
#include "control_impl.h"

/* lg_ctl_dir_lines - a "source" line for each recipient source */
void lg_ctl_dir_lines(struct lg_ctl_request *rq)
{
	struct lg_config *cfg = lg_config_current();
	struct lg_dir_source_stats st;
	size_t i, n = cfg ? lg_dir_nsources(cfg->dir) : 0;

	for (i = 0; i < n; i++) {
		if (lg_dir_source_stats(cfg->dir, i, &st) != 0)
			break;
		rq->len = 0;
		lg_ctl_add(rq, "source", 6);
		lg_ctl_add_field(rq, st.spec);
		lg_ctl_add_field(rq, st.kind);
		lg_ctl_add_field(rq, !st.up ? "down" : st.held_back ? "held" :
				 "up");
		if (st.entries == (size_t) -1)
			lg_ctl_add_field(rq, "-");
		else
			lg_ctl_addf(rq, "\t%zu", st.entries);
		lg_ctl_addf(rq, "\t%lu\t%lld\t%lld", st.failures,
			    (long long) st.down_since, (long long) st.loaded_at);
		lg_ctl_add_field(rq, st.last_error);
		lg_ctl_emit(rq);
	}
	lg_config_unref(&cfg);
}

/* lookup_one - one "lookup" line for ADDR */
static void lookup_one(struct lg_ctl_request *rq, struct lg_config *cfg,
		       const char *addr)
{
	char buf[2100], why[300];
	const char *local, *domain, *what = "bad";

	why[0] = 0;
	if (strlen(addr) < 1000 &&
	    lg_parse_address(addr, 0, buf, sizeof(buf), &local, &domain) ==
	    LG_ADDR_OK) {
		if (!lg_config_is_local_domain(cfg, domain))
			what = "external";
		else
			switch (lg_dir_lookup(cfg->dir, local, domain, why,
					      sizeof(why))) {
			case LG_DIR_YES:
				what = "local";
				break;
			case LG_DIR_NO:
				what = "unknown";
				break;
			default:
				what = "fail";
				break;
			}
	}
	rq->len = 0;
	lg_ctl_add(rq, "lookup", 6);
	lg_ctl_add_field(rq, addr);
	lg_ctl_add_field(rq, what);
	lg_ctl_add_field(rq, why[0] ? why : "-");
	lg_ctl_emit(rq);
}

/* lg_ctl_lookup - "lookup ADDRESS...": what the directory says */
int lg_ctl_lookup(struct lg_ctl_request *rq, char **w, size_t n)
{
	struct lg_config *cfg;
	size_t i;

	if (n == 0)
		return lg_ctl_reply(rq, 0, "lookup: give one or more addresses");
	if (!(cfg = lg_config_current()))
		return lg_ctl_reply(rq, 0, "lookup: no config loaded");
	for (i = 0; i < n && !rq->gone; i++)
		lookup_one(rq, cfg, w[i]);
	lg_config_unref(&cfg);
	if (rq->gone)
		return -1;
	return lg_ctl_reply(rq, 1, "%s", "");
}
