/* console_chart.c - decisions per plugin and action (to be written) */
#include "config.h"
#include "console.h"

int cn_chart_start(void)
{
	return 0;
}

void cn_chart_stop(void)
{
}
