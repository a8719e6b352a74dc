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
 */
#include "config.h"

#include <stdio.h>

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
