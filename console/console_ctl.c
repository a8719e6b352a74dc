/*
 * NAME
 *	console_ctl.c - the console's requests to the daemon
 * SYNOPSIS
 *	#include "console.h"
 *	#include "ctl.h"
 *
 *	if (cn_ctl(cn_who(rq), "list --limit 100", &reply, err, size) < 0)
 *		...
 *	ctl_reply_free(&reply);
 * DESCRIPTION
 *	One request over the daemon's control socket (the console's
 *	"control" setting, else loopguard.conf's), with loopguardctl's
 *	client (ctl/ctl_conn.c). A request made for a web user starts
 *	with "as NAME", so the daemon's log names who did it; a request
 *	of the console's own ("-" or NULL) goes as it is.
 * DIAGNOSTICS
 *	-1 with err: the socket's error, or "bad control setting".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "console.h"
#include "console_impl.h"
#include "ctl.h"

/* cn_ctl - one request, one reply */
int cn_ctl(const char *who, const char *request, struct ctl_reply *reply,
	   char *err, size_t errsize)
{
	char line[8192];
	const char *path;

	memset(reply, 0, sizeof(*reply));
	if (!cn_cfg.control || !(path = ctl_socket_path(cn_cfg.control))) {
		snprintf(err, errsize, "control \"%s\" is no unix socket",
			 cn_cfg.control ? cn_cfg.control : "");
		return -1;
	}
	if (who && strcmp(who, "-") != 0) {
		if (!cn_user_name_ok(who)) {
			snprintf(err, errsize, "bad user name");
			return -1;
		}
		if ((size_t) snprintf(line, sizeof(line), "as %s %s", who, request)
		    >= sizeof(line)) {
			snprintf(err, errsize, "request too long");
			return -1;
		}
		request = line;
	}
	return ctl_request(path, request, reply, err, errsize);
}
