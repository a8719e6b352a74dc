/*
 * NAME
 *	console_static.c - /static/: the script and style built in
 * SYNOPSIS
 *	#include "console_views.h"
 *
 *	cn_static_routes();
 *	url = cn_static_url("console.js");	("/static/console.js?v=1a2b3c4d")
 * DESCRIPTION
 *	console/www/console.js and console.css are compiled into the
 *	program (console_www.c, made by console/www/embed.awk at build
 *	time), so the console needs no files of its own at run time and
 *	serves exactly what it was built with. Anyone may fetch them (the
 *	login page uses them). The pages name them with a hash of their
 *	content, so a browser may keep them as long as it likes and still
 *	gets a new build's at once.
 * DIAGNOSTICS
 *	404 for a name that is not built in.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "console_views.h"

#define FILES_MAX	8
#define CACHE_SECONDS	31536000	/* a year: the URL changes with it */

static char urls[FILES_MAX][64];

/* type_of - the Content-Type of a name */
static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot && strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (dot && strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	return "application/octet-stream";
}

/* find - the built-in file of a name, or NULL */
static const struct cn_www_file *find(const char *name, size_t *i_r)
{
	size_t i;

	for (i = 0; i < cn_www_count; i++)
		if (strcmp(cn_www_files[i].name, name) == 0) {
			*i_r = i;
			return &cn_www_files[i];
		}
	return NULL;
}

/* cn_static_url - the URL a page names a file by */
const char *cn_static_url(const char *name)
{
	size_t i;

	if (find(name, &i) && i < FILES_MAX && urls[i][0])
		return urls[i];
	return "/static/-";	/* not built in: a 404, not a page */
}

/* serve - GET /static/NAME */
static void serve(struct cn_request *rq, struct cn_response *resp)
{
	const struct cn_www_file *f;
	size_t i;

	if (!(f = find(rq->path + strlen("/static/"), &i))) {
		cn_error_page(rq, resp, 404, "no such file");
		return;
	}
	resp->type = type_of(f->name);
	cn_buf_add(&resp->body, f->data, f->len);
	resp->no_store = 0;
	resp->max_age = CACHE_SECONDS;
	if (resp->body.nomem)
		resp->status = 500;
}

static const struct cn_route route = {
	"GET", "/static/", CN_ROLE_NONE, CN_ROUTE_PREFIX, serve
};

/* cn_static_routes - the hashed URLs, and the route */
void cn_static_routes(void)
{
	uint32_t h;
	size_t i, k;

	for (i = 0; i < cn_www_count && i < FILES_MAX; i++) {
		h = 2166136261u;	/* FNV-1a */
		for (k = 0; k < cn_www_files[i].len; k++) {
			h ^= (unsigned char) cn_www_files[i].data[k];
			h *= 16777619u;
		}
		snprintf(urls[i], sizeof(urls[i]), "/static/%s?v=%08x",
			 cn_www_files[i].name, (unsigned) h);
	}
	cn_route_add(&route);
}
