/*
 * NAME
 *	nullmilter - a milter that does nothing, the benchmarks' baseline
 * SYNOPSIS
 *	nullmilter -p SOCKET [-E | -N]
 * DESCRIPTION
 *	Built with libmilter like loopguard and registering the same
 *	callbacks (connect, HELO, MAIL, RCPT, DATA, header, end of header,
 *	body, end of message, abort, close), each of which only continues;
 *	at end of message it adds one header, "X-Null-Milter: yes", so the
 *	reply is several packets as with a real milter. TCP_NODELAY is set
 *	on the listening socket (accepted sockets inherit it), found after
 *	smfi_opensocket by scanning /proc/self/fd; a unix socket is made
 *	mode 0666 so the MTA's unprivileged user can connect. It runs in
 *	the foreground until SIGTERM, SIGHUP or SIGINT (libmilter's).
 *
 *	SOCKET is libmilter's: unix:/path, inet:PORT@HOST, inet6:PORT@HOST.
 *
 *	Two variants measure what fewer round trips would save (they are
 *	not the baseline): -E registers only the end-of-message callback,
 *	so libmilter asks the MTA to skip every other step; -N keeps every
 *	step but negotiates "no reply" for all of them before end of
 *	message, where the MTA offers it. (Over TCP to Postfix both stall
 *	on delayed ACKs; see MTA-NOTES.md.)
 * DIAGNOSTICS
 *	Exit 64 on bad options, 1 when the socket cannot be opened.
 */
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

/* What the steps before end of message answer: SMFIS_NOREPLY with -N. */
static sfsistat nm_reply = SMFIS_CONTINUE;

/* nm_* - every step but the last: continue (or no reply) */
static sfsistat nm_connect(SMFICTX *c, char *h, _SOCK_ADDR *a)
{
	(void) c; (void) h; (void) a;
	return nm_reply;
}

static sfsistat nm_helo(SMFICTX *c, char *h)
{
	(void) c; (void) h;
	return nm_reply;
}

static sfsistat nm_envelope(SMFICTX *c, char **argv)
{
	(void) c; (void) argv;
	return nm_reply;
}

static sfsistat nm_header(SMFICTX *c, char *name, char *value)
{
	(void) c; (void) name; (void) value;
	return nm_reply;
}

static sfsistat nm_step(SMFICTX *c)
{
	(void) c;
	return nm_reply;
}

static sfsistat nm_body(SMFICTX *c, unsigned char *chunk, size_t len)
{
	(void) c; (void) chunk; (void) len;
	return nm_reply;
}

/* nm_eom - one header, then accept */
static sfsistat nm_eom(SMFICTX *c)
{
	if (smfi_addheader(c, "X-Null-Milter", "yes") != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	return SMFIS_ACCEPT;
}

/* nm_negotiate - with -N: no reply for every step before end of message */
static sfsistat nm_negotiate(SMFICTX *c, unsigned long f0, unsigned long f1,
			     unsigned long f2, unsigned long f3,
			     unsigned long *pf0, unsigned long *pf1,
			     unsigned long *pf2, unsigned long *pf3)
{
	(void) c; (void) f2; (void) f3;
	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = f1 & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
		     SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_HDR |
		     SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_UNKN);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc nm_desc = {
	"nullmilter", SMFI_VERSION, SMFIF_ADDHDRS,
	nm_connect, nm_helo, nm_envelope, nm_envelope, nm_header, nm_step,
	nm_body, nm_eom, nm_step, nm_step, NULL, nm_step, NULL
};

/* set_nodelay - TCP_NODELAY on every listening TCP socket we hold */
static int set_nodelay(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss), il = sizeof(int);
		int fd, on = 0, one = 1;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		fd = atoi(e->d_name);
		if (fd == dirfd(d) ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &il) != 0 ||
		    !on ||
		    getsockname(fd, (struct sockaddr *) &ss, &sl) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			       sizeof(one)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: nullmilter -p SOCKET [-E | -N]\n"
		"  SOCKET: unix:/path, inet:PORT@HOST or inet6:PORT@HOST\n"
		"  -E  only the end-of-message callback\n"
		"  -N  no reply for the steps before end of message\n");
	exit(64);
}

int main(int argc, char **argv)
{
	const char *spec = NULL, *path = NULL;
	int ch, eom_only = 0, no_reply = 0;

	while ((ch = getopt(argc, argv, "p:ENh")) != -1) {
		if (ch == 'p')
			spec = optarg;
		else if (ch == 'E')
			eom_only = 1;
		else if (ch == 'N')
			no_reply = 1;
		else
			usage();
	}
	if (!spec || optind != argc || (eom_only && no_reply))
		usage();
	if (eom_only) {
		struct smfiDesc eom = { "nullmilter", SMFI_VERSION,
			SMFIF_ADDHDRS, NULL, NULL, NULL, NULL, NULL, NULL,
			NULL, nm_eom, NULL, NULL, NULL, NULL, NULL };

		nm_desc = eom;
	} else if (no_reply) {
		nm_reply = SMFIS_NOREPLY;
		nm_desc.xxfi_negotiate = nm_negotiate;
	}
	if (strncmp(spec, "unix:", 5) == 0)
		path = spec + 5;
	else if (strncmp(spec, "local:", 6) == 0)
		path = spec + 6;
	else if (spec[0] == '/')
		path = spec;
	if (smfi_setconn((char *) spec) != MI_SUCCESS ||
	    smfi_register(nm_desc) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: %s: cannot use this socket\n",
			spec);
		return 1;
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: %s: cannot open the socket\n",
			spec);
		return 1;
	}
	if (path)
		chmod(path, 0666);
	else if (set_nodelay() == 0)
		fprintf(stderr, "nullmilter: %s: TCP_NODELAY not set\n", spec);
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
