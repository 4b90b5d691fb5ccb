/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Daemon settings: built-in defaults < config file < command line.
 *
 * The config file is "key = value" lines; '#' starts a comment; list keys
 * (port, blocklist, allowlist) may repeat. Every key is in one table in
 * config.c, which also drives the errors and docs/config.md's test.
 */
#ifndef BW_CONFIG_H
#define BW_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "botwall_abi.h"
#include "log.h"
#include "policy.h"

#define BW_DEFAULT_CONFIG "/etc/botwall/botwall.conf"
#define BW_MAX_LIST_FILES 32

enum bw_xdp_mode { BW_MODE_AUTO, BW_MODE_NATIVE, BW_MODE_SKB };
enum bw_log_format { BW_LOGFMT_TEXT, BW_LOGFMT_JSON };

struct bw_paths {
	char *path[BW_MAX_LIST_FILES];
	size_t n;
};

#define BW_DEFAULT_STATE_DIR "/var/lib/botwall"

/* One --list / list = NAME:CATEGORY:ACTION[:PPS]:SOURCE [refresh=DURATION],
 * validated. SOURCE is a file, or a URL (http://, https://, file://) whose
 * last good copy is kept in STATE_DIR/lists/NAME. */
struct bw_table_list {
	char name[BW_LIST_NAME_MAX];
	__u8 category;      /* enum bw_lcat */
	__u8 action;        /* enum bw_lact */
	__u32 rate_pps;     /* rate_limit: packets/s per source, 0 = default */
	char *path;         /* the file; for a URL: NULL (bw_table_list_file) */
	char *url;          /* NULL: a plain file                            */
	unsigned int refresh; /* seconds between fetches; 0: start and reload */
};

struct bw_settings {
	char iface[IF_NAMESIZE];
	enum bw_xdp_mode mode;
	char pin_dir[PATH_MAX];
	struct bw_paths blocklists, allowlists;
	struct bw_table_list tables[BW_LISTS_MAX]; /* the scalable lists */
	size_t ntables;
	__u16 ports[BW_MAX_PORTS];
	size_t nports;
	unsigned int threshold;           /* score that blocks, 1-100          */
	unsigned int verdict_ttl;         /* seconds                           */
	__u8 verdict_action;              /* enum bw_action of score verdicts  */
	__u32 verdict_rate;               /* its packets/s for rate_limit      */
	unsigned int sample_bytes;        /* payload bytes per sample          */
	bool sampling;
	unsigned int sample_share;        /* sources sampled in full, of BW_SHARE_ONE */
	unsigned int sample_budget;       /* samples per CPU per second, 0 = no limit */
	unsigned int flood_pps;           /* flood guard, packets per CPU per second  */
	bool keep;                        /* fail-static on exit               */
	bool require_established;         /* verdicts only for requests on an
					   * established local connection     */
	unsigned int max_verdicts_per_sec;/* blast radius: new verdicts/s      */
	unsigned int max_verdicts;        /* blast radius: live verdicts       */
	unsigned int verdict_table_size;  /* max_entries of bw_verdicts        */
	enum bw_log_level log_level;
	enum bw_log_format log_format;
	/* scoring engine data (docs/scoring.md); empty: built-in default */
	char weights[PATH_MAX];
	char uap[PATH_MAX];
	char crawlers[PATH_MAX];
	char p0f[PATH_MAX];
	/* store and API (docs/store.md, docs/api.md); empty: off */
	char store[PATH_MAX];
	char sites[PATH_MAX];
	char geoip[PATH_MAX];
	char api[128];
	char tokens[PATH_MAX];
	char state_dir[PATH_MAX];         /* fetched lists (docs/config.md)    */
	/* policies (user/policy.h), in order; the implicit "default" follows */
	struct bw_policy policies[BW_POLICIES_MAX];
	size_t npolicies;
	bool shadow;                      /* every policy in shadow mode       */
};

/* The file a table list is read from: its path, or for a URL source the
 * last good copy STATE_DIR/lists/NAME. */
const char *bw_table_list_file(const struct bw_settings *s, const struct bw_table_list *l,
			       char *buf, size_t len);

/* Checks that go across keys (e.g. the API needs a tokens file). */
int bw_settings_validate(const struct bw_settings *s, char *err, size_t errlen);

struct bw_config_key {
	const char *name;
	const char *help;    /* one line: what it does, its range */
	const char *def;     /* default, as text (for docs and --help) */
};

extern const struct bw_config_key bw_config_keys[];
extern const size_t bw_config_nkeys;

void bw_settings_defaults(struct bw_settings *s);
void bw_settings_free(struct bw_settings *s);
/* Deep copy (list paths are duplicated). */
int bw_settings_copy(struct bw_settings *dst, const struct bw_settings *src);

/*
 * Applies one "key = value" setting. 'where' names the place for messages
 * ("file:line" or "--option"). Returns 0, or -1 with err filled.
 * A list key replaces the list on its first use from a new source
 * (*list_reset tracks which lists were already reset by this source).
 */
int bw_settings_set(struct bw_settings *s, const char *key, const char *value,
		    const char *where, unsigned int *list_reset, char *err, size_t errlen);

/* Reads a config file into s (on top of what s holds). On any error s is
 * left unchanged and err names file:line and the key. */
int bw_config_load(struct bw_settings *s, const char *path, char *err, size_t errlen);

/* Prints the effective settings as a config file. */
void bw_settings_print(const struct bw_settings *s, FILE *out);

#endif
