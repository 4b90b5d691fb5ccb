/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-agent database: uap-core's regexes.yaml (browser, OS, device, Spider
 * class) and the crawler-user-agents JSON (known bots with a category),
 * matched with PCRE2 JIT under a match limit, results cached in a bounded
 * direct-mapped table so a repeated user agent costs one hash and one
 * memcmp. Either dataset may be missing: the database then says so once and
 * falls back to built-in patterns, it never fails the caller.
 *
 * Not thread-safe: one database per thread (the daemon is single-threaded).
 */
#ifndef BW_UADB_H
#define BW_UADB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BW_UAP_DEFAULT_PATH  "/usr/share/uap-core/regexes.yaml"
/* Where `make` puts the npm package's JSON; also searched: the path in
 * $BOTWALL_CRAWLERS. */
#define BW_CRAWLERS_BUILD_PATH "build/data/crawler-user-agents.json"
#define BW_CRAWLERS_SYSTEM_PATH "/usr/share/botwall/crawler-user-agents.json"

#define BW_UA_MATCH_MAX   512     /* longer user agents are matched on this prefix */
#define BW_UA_CACHE_KEY   256     /* longer user agents are not cached          */
#define BW_UA_CACHE_SLOTS 4096    /* power of two                               */
#define BW_UA_MATCH_LIMIT 100000  /* PCRE2 match limit: bounds ReDoS            */

enum bw_bot_cat {
	BW_BOTCAT_NONE = 0,
	BW_BOTCAT_SEARCH,
	BW_BOTCAT_AI_TRAINING,
	BW_BOTCAT_AI_ASSISTANT,
	BW_BOTCAT_SEO,
	BW_BOTCAT_MONITORING,
	BW_BOTCAT_LIBRARY,
	BW_BOTCAT_SCANNER,
	BW_BOTCAT_OTHER,       /* feed readers, social previews, archivers, ... */
	BW_BOTCAT__MAX,
};

struct bw_ua_result {
	char family[32];       /* uap family: "Chrome", "Firefox", "curl", "Other" */
	char major[12];
	char os[32];           /* uap os family: "Windows", "Linux", "Mac OS X"    */
	char os_major[12];
	char device[32];       /* uap device family: "Other", "Spider", "iPhone"   */
	char name[80];         /* seed 001 device name: "Chrome on Windows 10"     */
	char bot[32];          /* bot name from the dataset, "" if none            */
	uint8_t bot_cat;       /* enum bw_bot_cat                                  */
	bool spider;           /* uap says Spider (device class)                   */
	bool from_cache;
};

struct bw_uadb;

struct bw_uadb_stats {
	uint64_t hits, misses, uncacheable, match_errors;
	uint64_t evictions;    /* a miss replaced another user agent's slot */
	size_t n_ua, n_os, n_dev, n_bots;
	bool have_uap, have_bots;
};

/* Loads the datasets. NULL paths mean the defaults (for the crawlers: the
 * environment, the build directory, the system path). A missing or bad
 * dataset is reported once in *warn (if given) and replaced by built-in
 * patterns. Returns NULL only on allocation failure. */
struct bw_uadb *bw_uadb_open(const char *uap_path, const char *crawlers_path,
			     char *warn, size_t warnlen);
void bw_uadb_close(struct bw_uadb *db);
/* Classifies a user agent (not NUL-terminated). Always fills *out. */
void bw_uadb_lookup(struct bw_uadb *db, const char *ua, size_t len, struct bw_ua_result *out);
void bw_uadb_get_stats(const struct bw_uadb *db, struct bw_uadb_stats *st);
/* Drops every cached entry (benchmarks: cold cache). */
void bw_uadb_flush(struct bw_uadb *db);

const char *bw_bot_cat_name(unsigned int cat);

#endif
