/*
 * NAME
 *	nullmilter - a milter that does nothing, the benchmarks' baseline
 * SYNOPSIS
 *	nullmilter -p SOCKET
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

/* nm_cont - every step but the last: continue */
static sfsistat nm_connect(SMFICTX *c, char *h, _SOCK_ADDR *a)
{
	(void) c; (void) h; (void) a;
	return SMFIS_CONTINUE;
}

static sfsistat nm_helo(SMFICTX *c, char *h)
{
	(void) c; (void) h;
	return SMFIS_CONTINUE;
}

static sfsistat nm_envelope(SMFICTX *c, char **argv)
{
	(void) c; (void) argv;
	return SMFIS_CONTINUE;
}

static sfsistat nm_header(SMFICTX *c, char *name, char *value)
{
	(void) c; (void) name; (void) value;
	return SMFIS_CONTINUE;
}

static sfsistat nm_step(SMFICTX *c)
{
	(void) c;
	return SMFIS_CONTINUE;
}

static sfsistat nm_body(SMFICTX *c, unsigned char *chunk, size_t len)
{
	(void) c; (void) chunk; (void) len;
	return SMFIS_CONTINUE;
}

/* nm_eom - one header, then accept */
static sfsistat nm_eom(SMFICTX *c)
{
	if (smfi_addheader(c, "X-Null-Milter", "yes") != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	return SMFIS_ACCEPT;
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
	fprintf(stderr, "usage: nullmilter -p SOCKET\n"
		"  SOCKET: unix:/path, inet:PORT@HOST or inet6:PORT@HOST\n");
	exit(64);
}

int main(int argc, char **argv)
{
	const char *spec = NULL, *path = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "p:h")) != -1) {
		if (ch == 'p')
			spec = optarg;
		else
			usage();
	}
	if (!spec || optind != argc)
		usage();
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
