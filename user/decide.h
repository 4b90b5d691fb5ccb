/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decisions for applications: POST /v1/bot (seed 001) and POST /v1/decision
 * (seed 003). The headers the application forwards are scored by the same
 * scorer as sampled requests, then combined with what the edge knows about
 * the address (allowlist, blocklist, a live verdict). See docs/api.md.
 */
#ifndef BW_DECIDE_H
#define BW_DECIDE_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct bw_decide_ctx {
	int allow_fd, block_fd, verdicts_fd;  /* pinned maps, -1 if absent */
	unsigned int threshold;               /* block at this score (policy "default") */
};

#define BW_DECIDE_FIELD_MAX 4096   /* bytes per string field */

/* Both return an HTTP status: 200 with *out set, or 400 with a message
 * naming the field in err. body need not be NUL-terminated. */
int bw_decide_bot(const struct bw_decide_ctx *ctx, const char *body, size_t len,
		  cJSON **out, char *err, size_t errlen);
int bw_decide_decision(const struct bw_decide_ctx *ctx, const char *body, size_t len,
		       cJSON **out, char *err, size_t errlen);

/* "Chrome on Windows 10", "curl", ... from a User-Agent. */
void bw_device_name(const char *ua, char *out, size_t len);

#endif
