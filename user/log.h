/* SPDX-License-Identifier: GPL-2.0-only */
/* One-line-per-event logging to stderr (journald picks it up). */
#ifndef BW_LOG_H
#define BW_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum bw_log_level { BW_LOG_ERROR, BW_LOG_WARN, BW_LOG_INFO, BW_LOG_DEBUG };

void bw_log_init(const char *prog, enum bw_log_level max);
void bw_log(enum bw_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum bw_log_level bw_log_level(void);
/* JSON lines: {"ts":..., "prog":..., "level":..., "msg":...} */
void bw_log_set_json(bool on);
bool bw_log_is_json(void);
/* One JSON log line with caller-built fields (already escaped JSON
 * members, without braces). */
void bw_log_json_line(enum bw_log_level lvl, const char *fields);
size_t bw_json_escape(char *out, size_t cap, const char *s);

#define bw_err(...)   bw_log(BW_LOG_ERROR, __VA_ARGS__)
#define bw_warn(...)  bw_log(BW_LOG_WARN, __VA_ARGS__)
#define bw_info(...)  bw_log(BW_LOG_INFO, __VA_ARGS__)
#define bw_debug(...) bw_log(BW_LOG_DEBUG, __VA_ARGS__)

#endif
