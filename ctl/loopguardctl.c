/*
 * NAME
 *	loopguardctl - look at and lift what loopguard is tracking
 * SYNOPSIS
 *	loopguardctl [-s SOCKET] [--json] list [--plugin NAME]
 *		[--match PATTERN] [--all] [--sort FIELD] [--desc]
 *		[--offset N] [--limit N]
 *	loopguardctl [-s SOCKET] [--json] remove ID... | --all | --match PATTERN
 *		[--plugin NAME]
 *	loopguardctl [-s SOCKET] [--json] stats
 *	loopguardctl [-s SOCKET] reload [--force]
 *	loopguardctl [-s SOCKET] [--json] lookup ADDRESS...
 *	loopguardctl [-s SOCKET] [--json] queue [--match PATTERN]
 *		[--sort FIELD] [--desc] [--offset N] [--limit N]
 *	loopguardctl [-s SOCKET] queue remove|retry ID... | --all
 *	loopguardctl [-s SOCKET] [--json] state export FILE [--force]
 *	loopguardctl [-s SOCKET] [--json] state import FILE
 *	loopguardctl [-s SOCKET] [--json] watch
 * DESCRIPTION
 *	Talks to the daemon's control socket (the "control" setting;
 *	default unix:/run/loopguard/control.sock, a bare path will do).
 *
 *	list shows the tracked entries like a mail queue page: ID,
 *	Created, Next Try (when the client or sender is let through
 *	again), Count, Size, From, To, Status. --plugin keeps one
 *	plugin's entries; --match keeps entries whose sender, recipient,
 *	client or key matches the glob (case-insensitive); --all also
 *	shows the plugins' internal bookkeeping (entries with no status).
 *
 *	remove lifts entries by the ids list shows, or all the entries
 *	list would show (--all, --match, optionally --plugin).
 *
 *	stats prints the store's size, the message counters, each
 *	plugin's actions, the uptime and the version; reload has the
 *	daemon re-read its config and waits: "reloaded", or exit 1 with
 *	the daemon's "reload refused, old config kept: FILE:LINE: ..."
 *	on stderr.
 *
 *	queue lists the outbox of generated mail (autoreplies, notices)
 *	waiting to be handed over: ID, Created, Next Try, Attempts, Size,
 *	From, To, Status (the last error). queue remove drops messages,
 *	queue retry makes them due now.
 *
 *	state export writes every live entry the daemon holds (counters,
 *	blocks, the sent ledger; bookkeeping included) into FILE, a new
 *	file of mode 0600 (--force replaces one that exists); state
 *	import sets the entries of such a file in the running daemon's
 *	store, with their own created and expiry times, skipping those
 *	already expired. The file format is described in
 *	milter/store/snapshot/state_line.h and loopguardctl(8).
 *
 *	--sort, --desc, --offset and --limit have the daemon sort and
 *	cut list and queue into pages (control_cmd.h); the rows are then
 *	shown in the daemon's order.
 *
 *	watch prints what changes (entries added, changed, removed;
 *	outbox messages queued, sent, deferred, removed, given up;
 *	reloads) as it happens, until interrupted or the daemon stops.
 *
 *	--json prints JSON instead, for scripts; it may also follow the
 *	command.
 * DIAGNOSTICS
 *	Exit 0; 1 when the daemon cannot be reached or answers ERR (the
 *	message goes to stderr), a refused reload included; 64 for bad
 *	usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "lg_paths.h"

#define DEFAULT_SOCKET	LG_PATH_CONTROL
#define REQUEST_MAX	4096

/* What the command line asks for. */
struct args {
	const char *socket;
	int json;
	const char *cmd;
	char request[REQUEST_MAX + 1];
	size_t len;
	const char *state_sub;		/* state: export or import */
	const char *state_file;
	int force;
	int paged;			/* list/queue: a paging option given */
	int sorted;			/* --sort given: keep the daemon's order */
};

/* usage - the synopsis; exit 64 (or 0 for --help) */
static void usage(FILE *fp, int code) __attribute__((noreturn));
static void usage(FILE *fp, int code)
{
	fputs("usage: loopguardctl [-s SOCKET] [--json] COMMAND ...\n"
	      "  list [--plugin NAME] [--match PATTERN] [--all] [PAGING]\n"
	      "  remove ID... | --all | --match PATTERN [--plugin NAME]\n"
	      "  stats\n"
	      "  reload [--force]\n"
	      "  lookup ADDRESS...\n"
	      "  queue [--match PATTERN] [PAGING]\n"
	      "  queue remove|retry ID... | --all\n"
	      "  watch\n"
	      "  state export FILE [--force]\n"
	      "  state import FILE\n"
	      "  -s SOCKET  control socket (default " DEFAULT_SOCKET ")\n"
	      "  --json     JSON output for scripts\n"
	      "  PAGING: [--sort FIELD] [--desc] [--offset N] [--limit N]\n", fp);
	exit(code);
}

/* bad_usage - one line saying what is wrong, then the synopsis */
static void bad_usage(const char *what, const char *arg)
	__attribute__((noreturn));
static void bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "loopguardctl: %s%s%s\n", what, arg ? ": " : "",
		arg ? arg : "");
	usage(stderr, CTL_EX_USAGE);
}

/* add_word - append a word to the request; the protocol splits at
 * spaces and takes printable text only */
static void add_word(struct args *a, const char *word)
{
	const unsigned char *p = (const unsigned char *) word;
	size_t n = strlen(word);

	if (n == 0)
		bad_usage("empty argument", NULL);
	for (; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			bad_usage("arguments may not contain spaces or control characters (use ? or [ ] in a pattern)",
				  word);
	if (a->len + (a->len ? 1 : 0) + n > REQUEST_MAX)
		bad_usage("the request is too long", NULL);
	if (a->len)
		a->request[a->len++] = ' ';
	memcpy(a->request + a->len, word, n + 1);
	a->len += n;
}

/* value_of - "--opt VALUE" or "--opt=VALUE"; NULL if argv[*i] is not
 * that option */
static const char *value_of(const char *opt, int argc, char **argv, int *i)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != 0)
		return NULL;
	if (*i + 1 >= argc)
		bad_usage("option needs a value", opt);
	return argv[++*i];
}

/* page_arg - --sort FIELD, --desc, --offset N, --limit N (and for the
 * queue --match PATTERN), passed on as they are: 1 when argv[*i] was
 * one (the daemon checks the field names and bounds) */
static int page_arg(struct args *a, int argc, char **argv, int *i,
		    int queue)
{
	static const char *const opts[] = { "--sort", "--offset", "--limit",
					    "--match" };
	const char *v;
	size_t k;

	if (strcmp(argv[*i], "--desc") == 0) {
		add_word(a, "--desc");
		a->paged = 1;
		return 1;
	}
	for (k = 0; k < sizeof(opts) / sizeof(opts[0]) - !queue; k++)
		if ((v = value_of(opts[k], argc, argv, i)) != NULL) {
			add_word(a, opts[k]);
			add_word(a, v);
			a->paged = 1;
			a->sorted |= k == 0;
			return 1;
		}
	return 0;
}

/* queue_args - "queue [paging]", or "queue remove|retry ID... | --all" */
static void queue_args(struct args *a, int argc, char **argv, int i)
{
	int ids = 0, all = 0, sub = 0;

	for (; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if (!sub && page_arg(a, argc, argv, &i, 1))
			continue;
		else if (!sub && (strcmp(argv[i], "remove") == 0 ||
				  strcmp(argv[i], "retry") == 0)) {
			add_word(a, argv[i]);
			sub = 1;
		} else if (sub && strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (argv[i][0] == '-')
			bad_usage("unknown option", argv[i]);
		else if (sub) {
			add_word(a, argv[i]);
			ids++;
		} else
			bad_usage("unexpected argument (queue remove|retry ID...)",
				  argv[i]);
	}
	if (sub && a->paged)
		bad_usage("queue remove/retry take no --sort, --desc, --offset, --limit or --match", NULL);
	if (sub && ids && all)
		bad_usage("queue: give ids or --all, not both", NULL);
	if (sub && !ids && !all)
		bad_usage("queue remove/retry needs ids or --all", NULL);
	if (all)
		add_word(a, "--all");
}

/* state_args - "state export FILE [--force]" or "state import FILE" */
static void state_args(struct args *a, int argc, char **argv, int i)
{
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if (strcmp(argv[i], "--force") == 0)
			a->force = 1;
		else if (argv[i][0] == '-' && argv[i][1] != 0)
			bad_usage("unknown option", argv[i]);
		else if (!a->state_sub)
			a->state_sub = argv[i];
		else if (!a->state_file)
			a->state_file = argv[i];
		else
			bad_usage("unexpected argument", argv[i]);
	}
	if (!a->state_sub || (strcmp(a->state_sub, "export") != 0 &&
			      strcmp(a->state_sub, "import") != 0))
		bad_usage("state needs export or import", a->state_sub);
	if (!a->state_file || !*a->state_file)
		bad_usage("state export/import needs a FILE", NULL);
	if (a->force && strcmp(a->state_sub, "export") != 0)
		bad_usage("--force is for state export only", NULL);
}

/* command_args - check the command's own options, build the request */
static void command_args(struct args *a, int argc, char **argv, int i)
{
	const char *plugin = NULL, *match = NULL, *v;
	int all = 0, ids = 0, list = strcmp(a->cmd, "list") == 0;
	int remove = strcmp(a->cmd, "remove") == 0;
	int reload = strcmp(a->cmd, "reload") == 0, force = 0;
	int lookup = strcmp(a->cmd, "lookup") == 0, addrs = 0;

	if (strcmp(a->cmd, "state") == 0) {
		state_args(a, argc, argv, i);
		return;
	}
	add_word(a, a->cmd);
	if (strcmp(a->cmd, "queue") == 0) {
		queue_args(a, argc, argv, i);
		return;
	}
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if (list && page_arg(a, argc, argv, &i, 0))
			continue;
		else if ((list || remove) &&
			 (v = value_of("--plugin", argc, argv, &i)) != NULL) {
			if (plugin)
				bad_usage("--plugin given twice", NULL);
			plugin = v;
		} else if ((list || remove) &&
			   (v = value_of("--match", argc, argv, &i)) != NULL) {
			if (match)
				bad_usage("--match given twice", NULL);
			match = v;
		} else if ((list || remove) && strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (reload && strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (argv[i][0] == '-')
			bad_usage("unknown option", argv[i]);
		else if (remove) {
			add_word(a, argv[i]);
			ids++;
		} else if (lookup) {
			add_word(a, argv[i]);
			addrs++;
		} else
			bad_usage("unexpected argument", argv[i]);
	}
	if (lookup && !addrs)
		bad_usage("lookup needs one or more addresses", NULL);
	if (remove && ids && (all || match || plugin))
		bad_usage("remove takes ids, or --all, or --match, not both", NULL);
	if (remove && !ids && !all && !match)
		bad_usage("remove needs ids, --all or --match PATTERN", NULL);
	if (remove && all && match)
		bad_usage("--all and --match exclude each other for remove", NULL);
	if (plugin) {
		add_word(a, "--plugin");
		add_word(a, plugin);
	}
	if (match) {
		add_word(a, "--match");
		add_word(a, match);
	}
	if (all)
		add_word(a, "--all");
	if (force)
		add_word(a, "--force");
}

/* parse_args - global options, the command, its arguments */
static void parse_args(struct args *a, int argc, char **argv)
{
	static const char *const cmds[] = { "list", "remove", "stats",
					    "reload", "queue", "state",
					    "lookup", "watch" };
	const char *v;
	size_t k;
	int i;

	memset(a, 0, sizeof(*a));
	a->socket = DEFAULT_SOCKET;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			usage(stdout, 0);
		else if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
			printf("loopguardctl %s\n", PACKAGE_VERSION);
			exit(0);
		} else if ((v = value_of("--socket", argc, argv, &i)) != NULL ||
			   (v = value_of("-s", argc, argv, &i)) != NULL)
			a->socket = v;
		else if (strncmp(argv[i], "-s", 2) == 0)
			a->socket = argv[i] + 2;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			bad_usage("unknown option", argv[i]);
	}
	if (i >= argc)
		bad_usage("no command given", NULL);
	a->cmd = argv[i];
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (strcmp(a->cmd, cmds[k]) == 0)
			break;
	if (k == sizeof(cmds) / sizeof(cmds[0]))
		bad_usage("unknown command", a->cmd);
	command_args(a, argc, argv, i + 1);
}

/* show_ok - the final "OK text" of remove and reload */
static void show_ok(const struct args *a, const char *text)
{
	char *safe = ctl_display(text);

	if (!a->json) {
		if (*text)
			printf("%s\n", safe ? safe : "");
	} else {
		fputs("{\"ok\": true, \"message\": ", stdout);
		ctl_json_string(stdout, text);
		if (strcmp(a->cmd, "remove") == 0)
			printf(", \"removed\": %lld", strtoll(text, NULL, 10));
		else if (strcmp(a->cmd, "queue") == 0)
			printf(", \"count\": %lld", strtoll(text, NULL, 10));
		puts("}");
	}
	free(safe);
}

/* main - parse, ask the daemon, print its answer */
int main(int argc, char **argv)
{
	struct ctl_reply reply;
	struct args a;
	const char *path;
	char err[1024], *safe;
	int rc;

	parse_args(&a, argc, argv);
	if ((path = ctl_socket_path(a.socket)) == NULL)
		bad_usage("not a unix socket (use unix:/path or /path)", a.socket);
	if (a.state_sub)
		return ctl_state(path, a.state_sub, a.state_file, a.force,
				 a.json);
	if (strcmp(a.cmd, "watch") == 0)
		return ctl_watch(path, a.request, a.json);
	if (ctl_request(path, a.request, &reply, err, sizeof(err)) != 0) {
		safe = ctl_display(err);
		fprintf(stderr, "loopguardctl: %s\n", safe ? safe : err);
		free(safe);
		return CTL_EX_FAIL;
	}
	if (strncmp(reply.final, "ERR", 3) == 0) {
		safe = ctl_display(reply.final[3] ? reply.final + 4 : "error");
		fprintf(stderr, "loopguardctl: %s\n", safe ? safe : "error");
		free(safe);
		ctl_reply_free(&reply);
		return CTL_EX_FAIL;
	}
	if (strcmp(a.cmd, "list") == 0)
		rc = ctl_show_list(&reply, a.json, a.sorted);
	else if (strcmp(a.cmd, "stats") == 0)
		rc = ctl_show_stats(&reply, a.json);
	else if (strcmp(a.cmd, "lookup") == 0)
		rc = ctl_show_lookup(&reply, a.json);
	else if (strcmp(a.cmd, "queue") == 0 &&
		 (!strchr(a.request, ' ') || a.paged))
		rc = ctl_show_queue(&reply, a.json, a.sorted);
	else {
		show_ok(&a, reply.final[2] ? reply.final + 3 : "");
		rc = 0;
	}
	ctl_reply_free(&reply);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("loopguardctl: stdout");
		return CTL_EX_FAIL;
	}
	return rc == 0 ? 0 : CTL_EX_FAIL;
}
