// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static const char *log_prog = "botwall";
static enum bw_log_level log_max = BW_LOG_INFO;
static bool log_json;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void bw_log_init(const char *prog, enum bw_log_level max)
{
	log_prog = prog;
	log_max = max;
}

void bw_log_set_json(bool on)
{
	log_json = on;
}

bool bw_log_is_json(void)
{
	return log_json;
}

enum bw_log_level bw_log_level(void)
{
	return log_max;
}

/* Appends s to out as JSON string content (no quotes); bounded. */
static size_t json_escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

void bw_log_json_line(enum bw_log_level lvl, const char *fields)
{
	char ts[40];
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "{\"ts\":\"%s.%03ldZ\",\"prog\":\"%s\",\"level\":\"%s\",%s}\n", ts,
		now.tv_nsec / 1000000, log_prog, level_names[lvl], fields);
}

void bw_log(enum bw_log_level lvl, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_json) {
		char esc[2048 + 16];

		snprintf(esc, sizeof(esc), "\"msg\":\"");
		json_escape(esc + 7, sizeof(esc) - 8, line);
		snprintf(esc + strlen(esc), sizeof(esc) - strlen(esc), "\"");
		bw_log_json_line(lvl, esc);
		return;
	}
	/* One fprintf per line so concurrent writers do not interleave. */
	fprintf(stderr, "%s: %s: %s\n", log_prog, level_names[lvl], line);
}

size_t bw_json_escape(char *out, size_t cap, const char *s)
{
	return json_escape(out, cap, s);
}
