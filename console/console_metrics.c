/* console_metrics.c - /metrics (to be written) */
#include "config.h"
#include "console.h"

void cn_metrics_routes(void)
{
}
