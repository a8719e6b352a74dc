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

void cn_chart_svg(struct cn_buf *b)
{
	(void) b;
}

void cn_chart_json(struct cn_buf *b)
{
	cn_buf_adds(b, "{}");
}
