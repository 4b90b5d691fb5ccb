/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prefix lists: parsing list files and keeping a list map in step with them.
 *
 * A list file holds one address, CIDR or range (FIRST-LAST, split into
 * CIDRs) per line, IPv4 or IPv6; '#' and ';' start a comment (so Spamhaus
 * DROP lines such as "192.0.2.0/24 ; SBL1" and FireHOL netsets work);
 * ipset save output is understood ("create" skipped, "add SET ENTRY
 * [timeout N]" read; other options such as nomatch are refused).
 * A file with any bad line is refused whole: the caller keeps what it had.
 */
#ifndef BW_LISTS_H
#define BW_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "botwall_abi.h"

#define BW_LIST_LINE_MAX 512

struct bw_prefix_set {
	struct bw_lpm_key *keys;
	size_t n, cap;
};

int bw_prefix_set_add(struct bw_prefix_set *s, const struct bw_lpm_key *k);
/* Sorts and removes duplicates; needed before bw_prefix_set_contains. */
void bw_prefix_set_finish(struct bw_prefix_set *s);
bool bw_prefix_set_contains(const struct bw_prefix_set *s, const struct bw_lpm_key *k);
void bw_prefix_set_free(struct bw_prefix_set *s);

/* Parse a list. 'name' is used in messages ("name:line: ..."). On error
 * returns -1, leaves *out empty and writes the message to err. */
int bw_list_parse_stream(FILE *f, const char *name, struct bw_prefix_set *out,
			 char *err, size_t errlen);
int bw_list_parse_file(const char *path, struct bw_prefix_set *out,
		       char *err, size_t errlen);

struct bw_sync_result {
	size_t added;    /* entries written (new or re-owned)      */
	size_t removed;  /* file-owned entries no list holds now   */
};

/*
 * Make the list map hold exactly: the manual entries (list_id 0) plus the
 * union of sets[i], owned by ids[i] (a later set wins on overlap). New
 * entries are written before stale ones are removed, so a prefix present
 * in both the old and new contents is never missing.
 */
int bw_list_sync(int map_fd, const struct bw_prefix_set *sets, const __u32 *ids,
		 size_t nsets, struct bw_sync_result *res, char *err, size_t errlen);

#endif
