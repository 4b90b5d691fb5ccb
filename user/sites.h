/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sites: Host names mapped to site ids (seed 000's account_id). Everything
 * in the store is kept per site. File format in docs/store.md.
 */
#ifndef BW_SITES_H
#define BW_SITES_H

#include <stddef.h>

#define BW_SITE_ID_MAX   64   /* including the NUL */
#define BW_SITE_HOST_MAX 254
#define BW_SITES_MAX     4096
#define BW_SITE_DEFAULT  "default"

struct bw_site_rule {
	char host[BW_SITE_HOST_MAX];  /* lower case; "*.x.y" wildcard or "*"  */
	char site[BW_SITE_ID_MAX];
};

struct bw_sites {
	struct bw_site_rule *rules;
	size_t n;
};

/* Parses a sites file. Returns 0, or -1 with "file:line: why" in err (and
 * out untouched). */
int bw_sites_load(const char *path, struct bw_sites *out, char *err, size_t errlen);
void bw_sites_free(struct bw_sites *s);
/* A site id is 1-63 characters of [A-Za-z0-9_.-]. */
int bw_site_id_valid(const char *id);
/* Site of a Host header value (may carry :port, any case; not NUL-terminated).
 * Exact name first, then the longest matching wildcard, then "*", else
 * BW_SITE_DEFAULT. s may be NULL (no sites file). */
const char *bw_sites_match(const struct bw_sites *s, const char *host, size_t len);

#endif
