// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static const char *log_prog = "botwall";
static enum bw_log_level log_max = BW_LOG_INFO;

void bw_log_init(const char *prog, enum bw_log_level max)
{
	log_prog = prog;
	log_max = max;
}

enum bw_log_level bw_log_level(void)
{
	return log_max;
}

void bw_log(enum bw_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[1024];
	va_list ap;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line so concurrent writers do not interleave. */
	fprintf(stderr, "%s: %s: %s\n", log_prog, names[lvl], line);
}
