/* console_events.c - change events to the browsers (to be written) */
#include "config.h"
#include "console.h"

void cn_events_routes(void)
{
}

int cn_events_start(void)
{
	return 0;
}

void cn_events_stop(void)
{
}
