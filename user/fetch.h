/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lists from a URL (list = NAME:CATEGORY:ACTION:URL [refresh=DURATION]):
 * fetched with libcurl (http, https, file), bounded in time and size; the
 * body replaces the last good copy in STATE_DIR/lists/NAME (tmp + rename)
 * only when it parses as a list. Each fetch writes a small status file,
 * STATE_DIR/lists/NAME.status, that `botwall lists` shows.
 */
#ifndef BW_FETCH_H
#define BW_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define BW_FETCH_TIMEOUT_SEC  30
#define BW_FETCH_MAX_BYTES    (256u << 20)

/* A transfer in progress aborts when *flag becomes non-zero (shutdown). */
void bw_fetch_set_cancel(const volatile int *flag);

/* Once, before any thread fetches. */
int bw_fetch_global_init(void);

/* GETs url into a malloc'ed buffer (NUL-terminated). Fails on a transfer
 * error, an HTTP status >= 400, a body above max_bytes or after timeout. */
int bw_fetch_url(const char *url, size_t max_bytes, long timeout_sec, char **body, size_t *len,
		 char *err, size_t errlen);

/* Creates STATE_DIR/lists (0700). */
int bw_fetch_state_dir(const char *state_dir, char *err, size_t errlen);

/*
 * Fetches one list into dest (the last good copy) if the body parses;
 * otherwise dest stays and err says why (the URL, and file:line for a
 * parse error). Writes dest.status either way. Returns 1 when dest changed,
 * 0 when the content was the same, -1 on failure.
 */
int bw_fetch_list(const char *url, const char *dest, size_t max_bytes, long timeout_sec,
		  char *err, size_t errlen);

struct bw_fetch_status {
	char url[2100];
	time_t last_attempt, last_success;
	char result[512];      /* "ok", "unchanged" or the error */
	unsigned long prefixes;
};

/* Reads dest.status; 0 or -1 (absent, unreadable). */
int bw_fetch_status_read(const char *dest, struct bw_fetch_status *st);

#endif
