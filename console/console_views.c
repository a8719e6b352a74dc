/* console_views.c - the pages and the JSON API (to be written) */
#include "config.h"
#include "console.h"

void cn_views_routes(void)
{
}
