// SPDX-License-Identifier: GPL-2.0-only
/*
 * botwalld: attaches the XDP filter, loads the lists, scores the HTTP
 * requests the datapath samples and pushes block verdicts back into it.
 *
 * Fail-static by design: everything that enforces (program, lists,
 * verdicts) lives in the kernel and pinned maps, so a daemon that dies
 * leaves protection in place; a restarted daemon adopts it.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include "addr.h"
#include "api.h"
#include "botwall_abi.h"
#include "config.h"
#include "http.h"
#include "lists.h"
#include "ltable.h"
#include "loader.h"
#include "lock.h"
#include "log.h"
#include "maps.h"
#include "names.h"
#include "p0f.h"
#include "record.h"
#include "score.h"
#include "engine.h"
#include "fetch.h"
#include "behave.h"
#include "policy.h"
#include "ltable.h"

#define NS_PER_SEC 1000000000ull
#define SWEEP_INTERVAL_NS (5 * NS_PER_SEC)
#define VFILTER_REBUILD_NS (60 * NS_PER_SEC)
#define MAP_LOCK_WAIT_MS 5000
/* A verdict push waits less: the sampling thread must keep up. */
#define VERDICT_LOCK_WAIT_MS 100

/* Lists with a URL source are fetched by a thread (libcurl blocks for up
 * to BW_FETCH_TIMEOUT_SEC), which writes the last good copy and raises
 * 'changed'; the main loop then re-reads the list files and flips the
 * table. The ring buffer consumer never waits for the network. */
struct fetch_job {
	char name[BW_LIST_NAME_MAX];
	char url[2100];
	char dest[PATH_MAX];
	unsigned int refresh;        /* seconds; 0: only at start and reload */
	uint64_t due_ns;             /* 0: not scheduled */
};

struct fetcher {
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	struct fetch_job *jobs;      /* BW_LISTS_MAX */
	size_t n;
	atomic_int changed;
	volatile int stop;
};

struct daemon {
	struct bw_settings cfg;
	const char *config_path;     /* NULL: none */
	bool config_explicit;        /* given with --config: must exist */
	int argc;                    /* kept to re-apply on SIGHUP */
	char **argv;

	struct bw_loader loader;
	struct bw_maps maps;
	struct bw_score_stats stats;
	struct bw_daemon_state state;
	struct bw_scorer scorer;
	struct bw_recorder rec;      /* store writer; rec.store NULL when off */
	uint64_t release_at_ns;      /* free the old list generation then (0: none) */
	struct bw_api *api;
	bool stats_dirty;
	int instance_lock;
	__u64 sample_salt;           /* keyed hash of the sampled share */

	/* blast radius */
	double tokens;               /* new verdicts allowed right now   */
	uint64_t tokens_ns;
	long live_verdicts;          /* estimate: last count + pushed since */
	bool vfilter_ready;          /* bw_vfilter rebuilt: BW_CFG_F_VFILTER */
	uint64_t vfilter_built_ns;   /* last rebuild                        */
	uint64_t last_suppress_log_ns;
	uint64_t suppressed_since_log;

	struct fetcher fetch;

	/* verdict table (LRU) bound: pushes that evicted another verdict */
	unsigned int verdict_cap;
	uint64_t verdict_evictions;
	uint64_t last_evict_log_ns;

	/* behaviour (user/behave.h) and policies (user/policy.h) */
	int srcstats_fd;             /* pinned bw_srcstats, -1: behaviour unknown */
	struct bw_behave_table *behave;
	struct bw_policy_counters pstats; /* read by the API thread (/metrics) */
};

#define BEHAVE_TABLE_CAP 16384       /* sources whose sampled requests are kept */

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
"Usage: botwalld [--config FILE] [options]\n"
"\n"
"Attach the botwall XDP filter to an interface, score sampled HTTP requests\n"
"and block sources whose score reaches the threshold.\n"
"\n"
"  -c, --config FILE          config file [" BW_DEFAULT_CONFIG " if it exists]\n"
"      --check-config         validate the config and list files, touch nothing\n"
"  -i, --iface IFNAME         interface to attach to (required)\n"
"  -m, --mode MODE            auto (native, else skb), native or skb [auto]\n"
"  -d, --pin-dir DIR          where maps are pinned [" BW_DEFAULT_PIN_DIR "]\n"
"  -b, --blocklist FILE       prefixes to drop (repeatable)\n"
"  -a, --allowlist FILE       prefixes never filtered (repeatable)\n"
"                             (these two stay editable live with botwall block/allow)\n"
"  -l, --list 'NAME:CATEGORY:ACTION:SOURCE [refresh=DURATION]'\n"
"                             a large list in the scalable table (repeatable, up to 64);\n"
"                             CATEGORY: blocklist tor vpn proxy hosting ai_crawler_ranges\n"
"                             good_bot_ranges custom; ACTION: drop monitor rate_limit allow;\n"
"                             SOURCE: a file, or an http(s):// or file:// URL fetched at\n"
"                             start, on reload and every DURATION (90, 90s, 15m, 1h, 1d)\n"
"      --state-dir DIR        last good copies of fetched lists [" BW_DEFAULT_STATE_DIR "]\n"
"  -p, --port PORT            TCP port whose HTTP requests are sampled (repeatable) [80]\n"
"  -t, --threshold SCORE      block at this score, 1-100 [80]\n"
"      --verdict-ttl SEC      how long a block verdict lasts [600]\n"
"      --verdict-action A     what a verdict does: drop, reset, monitor, rate_limit:PPS [drop]\n"
"      --sample-bytes N       request bytes copied per sample, 64-2048 [2048]\n"
"      --no-sampling          filter only: no samples, no scoring\n"
"      --no-require-established  push verdicts also for requests without an\n"
"                             established local connection (forwarding hosts)\n"
"      --max-verdicts-per-sec N   blast radius: new verdicts per second [100]\n"
"      --max-verdicts N       blast radius: live verdicts at most [100000]\n"
"      --verdict-table-size N entries of the verdict table [262144]; a change is\n"
"                             migrated (entries copied) when the daemon starts\n"
"      --keep                 on exit leave the program attached and maps pinned\n"
"      --log-format FMT       text or json [text]\n"
"      --weights FILE         scoring weights (docs/scoring.md) [built in]\n"
"      --uap FILE             uap-core regexes.yaml [/usr/share/uap-core/regexes.yaml]\n"
"      --crawlers FILE        crawler-user-agents JSON [build/data, /usr/share/botwall]\n"
"      --p0f FILE             p0f signatures for SYN classes [/etc/p0f/p0f.fp]\n"
"      --store PATH           record every scored request in this SQLite file [off]\n"
"      --sites FILE           Host names -> site ids for the store (docs/store.md)\n"
"      --geoip FILE           MaxMind-format .mmdb for the country of each source\n"
"      --api ADDR:PORT        serve the HTTP API (docs/api.md) [off; e.g. " BW_API_DEFAULT_ADDR "]\n"
"      --tokens FILE          API bearer tokens, 'TOKEN SCOPE[,SCOPE]' per line\n"
"  -v, --verbose              log every scored request\n"
"  -q, --quiet                log warnings and errors only\n"
"  -h, --help                 this text\n"
"\n"
"Command-line options override the config file (docs/config.md lists every key).\n"
"SIGHUP re-reads the config and list files; anything invalid keeps what runs.\n"
"SIGINT/SIGTERM detach and remove the pins, unless keep = yes.\n");
}

enum { OPT_TTL = 256, OPT_SAMPLE_BYTES, OPT_NO_SAMPLING, OPT_KEEP, OPT_CHECK,
       OPT_MAX_VPS, OPT_MAX_V, OPT_LOG_FORMAT, OPT_WEIGHTS, OPT_UAP, OPT_CRAWLERS, OPT_P0F,
       OPT_STORE, OPT_SITES, OPT_GEOIP, OPT_API, OPT_TOKENS, OPT_VACTION, OPT_NO_EST,
       OPT_VTABLE, OPT_STATE_DIR };

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "iface", required_argument, NULL, 'i' },
	{ "mode", required_argument, NULL, 'm' },
	{ "pin-dir", required_argument, NULL, 'd' },
	{ "blocklist", required_argument, NULL, 'b' },
	{ "allowlist", required_argument, NULL, 'a' },
	{ "list", required_argument, NULL, 'l' },
	{ "verdict-action", required_argument, NULL, OPT_VACTION },
	{ "port", required_argument, NULL, 'p' },
	{ "threshold", required_argument, NULL, 't' },
	{ "verdict-ttl", required_argument, NULL, OPT_TTL },
	{ "sample-bytes", required_argument, NULL, OPT_SAMPLE_BYTES },
	{ "no-sampling", no_argument, NULL, OPT_NO_SAMPLING },
	{ "no-require-established", no_argument, NULL, OPT_NO_EST },
	{ "max-verdicts-per-sec", required_argument, NULL, OPT_MAX_VPS },
	{ "max-verdicts", required_argument, NULL, OPT_MAX_V },
	{ "verdict-table-size", required_argument, NULL, OPT_VTABLE },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "weights", required_argument, NULL, OPT_WEIGHTS },
	{ "uap", required_argument, NULL, OPT_UAP },
	{ "crawlers", required_argument, NULL, OPT_CRAWLERS },
	{ "p0f", required_argument, NULL, OPT_P0F },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "sites", required_argument, NULL, OPT_SITES },
	{ "geoip", required_argument, NULL, OPT_GEOIP },
	{ "api", required_argument, NULL, OPT_API },
	{ "tokens", required_argument, NULL, OPT_TOKENS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{}
};
static const char short_opts[] = "c:i:m:d:b:a:l:p:t:vqh";

/* Option -> config key (and the value for flags without an argument). */
static int opt_key(int c, const char **key, const char **fixed)
{
	*fixed = NULL;
	switch (c) {
	case 'i': *key = "iface"; break;
	case 'm': *key = "mode"; break;
	case 'd': *key = "pin_dir"; break;
	case 'b': *key = "blocklist"; break;
	case 'a': *key = "allowlist"; break;
	case 'l': *key = "list"; break;
	case OPT_VACTION: *key = "verdict_action"; break;
	case 'p': *key = "port"; break;
	case 't': *key = "threshold"; break;
	case OPT_TTL: *key = "verdict_ttl"; break;
	case OPT_SAMPLE_BYTES: *key = "sample_bytes"; break;
	case OPT_NO_SAMPLING: *key = "sampling"; *fixed = "no"; break;
	case OPT_NO_EST: *key = "require_established"; *fixed = "no"; break;
	case OPT_MAX_VPS: *key = "max_verdicts_per_sec"; break;
	case OPT_MAX_V: *key = "max_verdicts"; break;
	case OPT_VTABLE: *key = "verdict_table_size"; break;
	case OPT_STATE_DIR: *key = "state_dir"; break;
	case OPT_KEEP: *key = "keep"; *fixed = "yes"; break;
	case OPT_LOG_FORMAT: *key = "log_format"; break;
	case OPT_WEIGHTS: *key = "weights"; break;
	case OPT_UAP: *key = "uap"; break;
	case OPT_CRAWLERS: *key = "crawlers"; break;
	case OPT_P0F: *key = "p0f"; break;
	case OPT_STORE: *key = "store"; break;
	case OPT_SITES: *key = "sites"; break;
	case OPT_GEOIP: *key = "geoip"; break;
	case OPT_API: *key = "api"; break;
	case OPT_TOKENS: *key = "tokens"; break;
	case 'v': *key = "log_level"; *fixed = "debug"; break;
	case 'q': *key = "log_level"; *fixed = "warning"; break;
	default: return -1;
	}
	return 0;
}

/* Builds the settings: defaults < config file < command line. */
static int build_settings(struct daemon *d, struct bw_settings *out, char *err, size_t errlen)
{
	unsigned int reset = 0;
	char where[64];
	int c;

	bw_settings_defaults(out);
	if (d->config_path && (d->config_explicit || access(d->config_path, F_OK) == 0) &&
	    bw_config_load(out, d->config_path, err, errlen))
		goto fail;

	optind = 0; /* rescan argv */
	while ((c = getopt_long(d->argc, d->argv, short_opts, long_opts, NULL)) != -1) {
		const char *key, *fixed;

		if (opt_key(c, &key, &fixed))
			continue;
		snprintf(where, sizeof(where), "option --%s", key);
		if (bw_settings_set(out, key, fixed ? fixed : optarg, where, &reset, err, errlen))
			goto fail;
	}
	if (bw_settings_validate(out, err, errlen))
		goto fail;
	if (!out->iface[0]) {
		snprintf(err, errlen, "no interface: set 'iface' in %s or give --iface",
			 d->config_path ? d->config_path : BW_DEFAULT_CONFIG);
		goto fail;
	}
	return 0;
fail:
	bw_settings_free(out);
	return -1;
}

/* First pass over argv: what is not a setting. Exits on bad usage. */
static void parse_args(struct daemon *d, int argc, char **argv, bool *check_only)
{
	int c;

	d->argc = argc;
	d->argv = argv;
	d->config_path = BW_DEFAULT_CONFIG;
	opterr = 1;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d->config_path = optarg;
			d->config_explicit = true;
			break;
		case OPT_CHECK: *check_only = true; break;
		case 'h': usage(stdout); exit(0);
		case '?': usage(stderr); exit(2);
		default: break;
		}
	}
	if (optind < argc) {
		bw_err("unexpected argument '%s' (see --help)", argv[optind]);
		exit(2);
	}
	opterr = 0;
}

/* ---- lists ---- */

struct parsed_lists {
	struct bw_prefix_set sets[BW_MAX_LIST_FILES];
	__u32 ids[BW_MAX_LIST_FILES];
	size_t n, total;
};

static void parsed_free(struct parsed_lists *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		bw_prefix_set_free(&pl->sets[i]);
	pl->n = pl->total = 0;
}

/* Parses every file of one kind; any bad file fails the whole kind, so the
 * caller keeps what it had. */
static int parse_lists(const struct bw_paths *files, const char *kind, struct parsed_lists *pl)
{
	char err[512];

	memset(pl, 0, sizeof(*pl));
	for (size_t i = 0; i < files->n; i++) {
		if (bw_list_parse_file(files->path[i], &pl->sets[i], err, sizeof(err))) {
			bw_err("%s: %s", kind, err);
			parsed_free(pl);
			return -1;
		}
		pl->ids[i] = (__u32)i + 1;
		pl->total += pl->sets[i].n;
		pl->n = i + 1;
	}
	return 0;
}

static int sync_lists(struct daemon *d, int map_fd, struct parsed_lists *pl, const char *kind)
{
	struct bw_sync_result res;
	char err[512];
	int rc = 0, lock;

	lock = bw_map_lock(d->cfg.pin_dir, MAP_LOCK_WAIT_MS, err, sizeof(err));
	if (lock < 0) {
		bw_err("%s not synced: %s", kind, err);
		parsed_free(pl);
		return -1;
	}
	if (bw_list_sync(map_fd, pl->sets, pl->ids, pl->n, &res, err, sizeof(err))) {
		bw_err("%s: %s", kind, err);
		rc = -1;
	} else if (pl->n) {
		bw_info("%s: %zu prefixes from %zu file(s), %zu stale removed",
			kind, pl->total, pl->n, res.removed);
	}
	bw_unlock(lock);
	if (map_fd == d->maps.block)
		d->state.block_prefixes = (__u32)pl->total;
	else
		d->state.allow_prefixes = (__u32)pl->total;
	d->state.lists_loaded_ns = bw_now_ns();
	parsed_free(pl);
	return rc;
}

/* ---- the scalable list table (user/ltable.c, docs/datapath.md) ---- */

/* Parses every list file of the table; one bad file refuses them all (the
 * table in force stays). */
static int parse_table_files(const struct bw_settings *cfg, struct bw_prefix_set *sets)
{
	char err[512], buf[PATH_MAX];

	for (size_t i = 0; i < cfg->ntables; i++) {
		const char *file = bw_table_list_file(cfg, &cfg->tables[i], buf, sizeof(buf));

		/* A URL list never fetched yet: empty until the first good
		 * fetch (said loudly at start). */
		if (cfg->tables[i].url && access(file, F_OK)) {
			memset(&sets[i], 0, sizeof(sets[i]));
			continue;
		}
		if (bw_list_parse_file(file, &sets[i], err, sizeof(err))) {
			bw_err("list %s: %s", cfg->tables[i].name, err);
			for (size_t j = 0; j < i; j++)
				bw_prefix_set_free(&sets[j]);
			return -1;
		}
	}
	return 0;
}

/* Compiles parsed sets into the generation not in force and flips to it;
 * consumes sets. */
static int load_table(struct daemon *d, const struct bw_settings *cfg, struct bw_prefix_set *sets)
{
	struct bw_list_def defs[BW_LISTS_MAX];
	struct bw_ltable_fds fds = bw_ltable_fds_of_maps(&d->maps);
	struct bw_ltable_stats st;
	char err[512];
	int rc = -1;

	if (!cfg->ntables)
		return 0;
	for (size_t i = 0; i < cfg->ntables; i++) {
		memset(&defs[i], 0, sizeof(defs[i]));
		defs[i].id = (__u32)i;
		snprintf(defs[i].name, sizeof(defs[i].name), "%s", cfg->tables[i].name);
		defs[i].category = cfg->tables[i].category;
		defs[i].action = cfg->tables[i].action;
		defs[i].rate_pps = cfg->tables[i].rate_pps;
		defs[i].set = &sets[i];
	}
	if (bw_ltable_apply(&fds, defs, cfg->ntables, &st, err, sizeof(err))) {
		bw_err("lists: %s", err);
		goto out;
	}
	d->release_at_ns = bw_now_ns() + BW_LTABLE_GRACE_MS * 1000000ull;
	bw_info("lists: %zu in force (generation %u): %zu IPv4 prefixes (%zu hosts, %zu tbl8 groups), "
		"%zu IPv6 prefixes (%zu buckets), %zu classes, %.0f ms build + %.0f ms write, %.1f MiB",
		cfg->ntables, st.gen, st.v4_prefixes, st.v4_hosts, st.t8_groups, st.v6_prefixes,
		st.v6_buckets, st.classes, st.build_ms, st.write_ms, st.map_bytes / 1048576.0);
	rc = 0;
out:
	for (size_t i = 0; i < cfg->ntables; i++)
		bw_prefix_set_free(&sets[i]);
	return rc;
}

/* ---- lists from URLs ---- */

static void *fetch_main(void *arg)
{
	struct fetcher *f = arg;
	char err[1024];

	while (!f->stop) {
		struct fetch_job job;
		uint64_t now = bw_now_ns();
		bool have = false;
		int rc;

		pthread_mutex_lock(&f->mu);
		for (size_t i = 0; i < f->n && !have; i++) {
			if (!f->jobs[i].due_ns || f->jobs[i].due_ns > now)
				continue;
			job = f->jobs[i];
			f->jobs[i].due_ns = job.refresh ? now + job.refresh * NS_PER_SEC : 0;
			have = true;
		}
		pthread_mutex_unlock(&f->mu);
		if (!have) {
			usleep(100000);
			continue;
		}
		rc = bw_fetch_list(job.url, job.dest, BW_FETCH_MAX_BYTES, BW_FETCH_TIMEOUT_SEC,
				   err, sizeof(err));
		if (rc < 0 && !f->stop)
			bw_warn("list %s: fetch failed, the last good copy stays in force: %s", job.name, err);
		else if (rc > 0) {
			bw_info("list %s: new content from %s", job.name, job.url);
			atomic_store(&f->changed, 1);
		} else if (rc == 0) {
			bw_debug("list %s: %s unchanged", job.name, job.url);
		}
	}
	return NULL;
}

/* (Re)schedules the URL lists of cfg: each is fetched now, then every
 * 'refresh' seconds. */
static void fetch_set_jobs(struct fetcher *f, const struct bw_settings *cfg)
{
	uint64_t now = bw_now_ns();
	char buf[PATH_MAX];

	if (!f->jobs)
		return;
	pthread_mutex_lock(&f->mu);
	f->n = 0;
	for (size_t i = 0; i < cfg->ntables; i++) {
		struct fetch_job *j = &f->jobs[f->n];

		if (!cfg->tables[i].url)
			continue;
		snprintf(j->name, sizeof(j->name), "%s", cfg->tables[i].name);
		snprintf(j->url, sizeof(j->url), "%s", cfg->tables[i].url);
		snprintf(j->dest, sizeof(j->dest), "%s",
			 bw_table_list_file(cfg, &cfg->tables[i], buf, sizeof(buf)));
		j->refresh = cfg->tables[i].refresh;
		j->due_ns = now;
		f->n++;
	}
	pthread_mutex_unlock(&f->mu);
}

static int fetch_start(struct fetcher *f, const struct bw_settings *cfg)
{
	pthread_mutex_init(&f->mu, NULL);
	f->jobs = calloc(BW_LISTS_MAX, sizeof(*f->jobs));
	if (!f->jobs)
		return -1;
	bw_fetch_set_cancel(&f->stop);
	fetch_set_jobs(f, cfg);
	if (pthread_create(&f->thread, NULL, fetch_main, f)) {
		free(f->jobs);
		f->jobs = NULL;
		return -1;
	}
	f->running = true;
	return 0;
}

static void fetch_stop(struct fetcher *f)
{
	if (f->running) {
		f->stop = 1;
		pthread_join(f->thread, NULL);
		f->running = false;
	}
	free(f->jobs);
	f->jobs = NULL;
}

/* At start: lists with a URL source and no copy yet are fetched now (there
 * is nothing else to enforce for them); the others start from the last good
 * copy and are refreshed in the background, so a start without network is
 * not delayed. */
static int fetch_initial(const struct bw_settings *cfg)
{
	char err[1024], buf[PATH_MAX];
	bool any = false;

	for (size_t i = 0; i < cfg->ntables; i++)
		any |= cfg->tables[i].url != NULL;
	if (!any)
		return 0;
	if (bw_fetch_global_init()) {
		bw_err("lists from URLs: libcurl initialisation failed");
		return -1;
	}
	if (bw_fetch_state_dir(cfg->state_dir, err, sizeof(err))) {
		bw_err("lists from URLs: %s (state_dir)", err);
		return -1;
	}
	for (size_t i = 0; i < cfg->ntables; i++) {
		const struct bw_table_list *l = &cfg->tables[i];
		const char *file;

		if (!l->url)
			continue;
		file = bw_table_list_file(cfg, l, buf, sizeof(buf));
		if (!access(file, F_OK)) {
			bw_info("list %s: starting from the last good copy of %s (%s)", l->name, l->url, file);
			continue;
		}
		if (bw_fetch_list(l->url, file, BW_FETCH_MAX_BYTES, BW_FETCH_TIMEOUT_SEC, err,
				  sizeof(err)) < 0)
			bw_warn("list %s: no copy yet and the fetch failed: %s; the list is EMPTY until a "
				"fetch succeeds", l->name, err);
		else
			bw_info("list %s: fetched %s", l->name, l->url);
	}
	return 0;
}

/* The list files changed (a fetch): re-read them, flip the table. */
static void reload_tables(struct daemon *d)
{
	static struct bw_prefix_set sets[BW_LISTS_MAX];

	if (parse_table_files(&d->cfg, sets)) {
		bw_err("lists not reloaded: the previous lists stay in force");
		return;
	}
	if (load_table(d, &d->cfg, sets))
		bw_err("lists not reloaded: the previous lists stay in force");
}

/* ---- datapath config and state ---- */

static int write_config(struct daemon *d)
{
	struct bw_config cfg = {};
	__u32 zero = 0;

	memcpy(cfg.http_ports, d->cfg.ports, d->cfg.nports * sizeof(d->cfg.ports[0]));
	cfg.sample_cap = d->cfg.sample_bytes;
	cfg.flags = (d->cfg.sampling ? BW_CFG_F_SAMPLING : 0) |
		    (d->vfilter_ready ? BW_CFG_F_VFILTER : 0);
	cfg.sample_share = d->cfg.sample_share;
	cfg.sample_budget = d->cfg.sample_budget;
	cfg.flood_pps = d->cfg.flood_pps;
	/* Kept across reloads (and restarts, read back from the map) so the
	 * sampled sources stay the same ones. */
	cfg.sample_salt = d->sample_salt;
	return bpf_map_update_elem(d->maps.config, &zero, &cfg, BPF_ANY);
}

static void write_state(struct daemon *d)
{
	d->state.heartbeat_ns = bw_now_ns();
	d->state.threshold = d->cfg.threshold;
	bw_write_daemon_state(d->maps.daemon, &d->state);
}

/* ---- scoring ---- */

static void flags_text(uint32_t flags, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < BW_FLAG__MAX && n < len; i++)
		if (flags & (1u << i))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", bw_flag_name(i));
}

/* Copies a header value for a log line: printable ASCII only, bounded. */
static void printable(const struct bw_slice *s, char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; s && i < s->len && n + 1 < len; i++) {
		unsigned char c = (unsigned char)s->p[i];

		buf[n++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
	}
	buf[n] = '\0';
}

/* Blast radius: may we add one more verdict now? Token bucket for the rate,
 * a live-count estimate for the total. */
static bool verdict_allowed(struct daemon *d, uint64_t now)
{
	double rate = d->cfg.max_verdicts_per_sec;

	d->tokens += (double)(now - d->tokens_ns) / NS_PER_SEC * rate;
	if (d->tokens > rate)
		d->tokens = rate;
	d->tokens_ns = now;
	if (d->tokens < 1.0 || d->live_verdicts >= (long)d->cfg.max_verdicts)
		return false;
	d->tokens -= 1.0;
	return true;
}

/* The block log line names the policy, its action and the bot probability;
 * a shadow decision is logged the same way as "shadow" (would-be). */
static void log_block(const char *addr, const struct bw_score *sc, const char *flags,
		      unsigned int ttl, const char *ua, const struct bw_policy *pol, bool shadow)
{
	char fields[2048], esc[400], syn[200], act[32], prob[8];

	if (pol->action == BW_PACT_RATE_LIMIT)
		snprintf(act, sizeof(act), "rate_limit:%u", pol->rate);
	else
		snprintf(act, sizeof(act), "%s", bw_pact_name(pol->action));
	if (sc->behave.known)
		snprintf(prob, sizeof(prob), "%u.%02u", sc->behave.prob / 100, sc->behave.prob % 100);
	else
		snprintf(prob, sizeof(prob), "null");
	if (!bw_log_is_json()) {
		bw_info("%s %s score=%u top=%s flags=%s ttl=%us policy=%s action=%s%s bot_probability=%s "
			"syn=\"%s\" ua=\"%s\"", shadow ? "shadow" : "block", addr, sc->score,
			bw_flag_name((unsigned int)sc->top_flag), flags, ttl, pol->name,
			shadow ? "would-" : "", act, prob, sc->syn_class[0] ? sc->syn_class : "-", ua);
		return;
	}
	if (bw_log_level() < BW_LOG_INFO)
		return;
	bw_json_escape(esc, sizeof(esc), ua);
	bw_json_escape(syn, sizeof(syn), sc->syn_class);
	snprintf(fields, sizeof(fields),
		 "\"event\":\"%s\",\"address\":\"%s\",\"score\":%u,\"top_flag\":\"%s\","
		 "\"flags\":\"%s\",\"ttl\":%u,\"policy\":\"%s\",\"action\":\"%s\","
		 "\"shadow\":%s,\"bot_probability\":%s,\"syn_class\":\"%s\",\"user_agent\":\"%s\"",
		 shadow ? "shadow" : "block", addr, sc->score,
		 bw_flag_name((unsigned int)sc->top_flag), flags, ttl, pol->name, act,
		 shadow ? "true" : "false", prob, syn, esc);
	bw_log_json_line(BW_LOG_INFO, fields);
}

/* Behaviour of the sample's source: its sampled requests (the daemon's
 * table) and the datapath's per-source stats (one map lookup). */
static void sample_behaviour(struct daemon *d, const struct bw_sample *s,
			     const struct bw_http_req *req, bool parsed, struct bw_behave *out)
{
	struct bw_src_stats ss;
	const struct bw_behave_obs *obs = NULL;
	bool have = false;

	if (d->behave) {
		if (parsed) {
			struct bw_behave_obs *o = bw_behave_table_get(d->behave, &s->saddr, s->ts_ns);

			bw_behave_observe(o, req);
			obs = o;
		} else {
			obs = bw_behave_table_find(d->behave, &s->saddr);
		}
		__atomic_store_n(&d->pstats.behave_evictions, bw_behave_table_evictions(d->behave),
				 __ATOMIC_RELAXED);
	}
	if (d->srcstats_fd >= 0 && bpf_map_lookup_elem(d->srcstats_fd, &s->saddr, &ss) == 0)
		have = true;
	bw_behave_score(have ? &ss : NULL, obs, out);
	if (out->known)
		__atomic_fetch_add(&d->pstats.behave_known, 1, __ATOMIC_RELAXED);
}

/* The policy of a scored sample (NULL: none matched, allow). */
static const struct bw_policy *sample_policy(struct daemon *d, const struct bw_sample *s,
					     const struct bw_http_req *req, bool parsed,
					     const struct bw_score *sc, struct bw_policy *def)
{
	uint8_t cats[BW_LISTS_MAX];
	const struct bw_slice *host = parsed ? bw_http_get(req, "Host") : NULL;
	struct bw_policy_input in = {
		.sc = sc, .list_mask = s->list_mask, .list_cat = cats, .nlists = d->cfg.ntables,
	};

	for (size_t i = 0; i < d->cfg.ntables && i < BW_LISTS_MAX; i++)
		cats[i] = d->cfg.tables[i].category;
	if (d->rec.store)
		in.site = bw_sites_match(&d->rec.sites, host ? host->p : NULL, host ? host->len : 0);
	bw_policy_default(def, d->cfg.verdict_action, d->cfg.verdict_rate, d->cfg.verdict_ttl);
	return bw_policy_match(d->cfg.policies, d->cfg.npolicies, def, &in);
}

static int on_sample(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct bw_sample *s = data;
	struct bw_http_req req;
	enum bw_http_status st;
	struct bw_score_ctx sctx;
	struct bw_score sc;
	struct bw_syn syn;
	struct bw_behave bh;
	struct bw_policy defpol;
	const struct bw_policy *pol;
	bool shadow;
	unsigned int ttl;
	char addr[BW_PREFIX_STRLEN], flags[512], ua[160], action[32];
	uint64_t now;
	size_t cap;

	d->stats.samples_seen++;
	d->stats_dirty = true;
	if (len < offsetof(struct bw_sample, payload))
		return 0;
	/* Never trust the record's own length field beyond the record. */
	cap = s->cap_len;
	if (cap > len - offsetof(struct bw_sample, payload))
		cap = len - offsetof(struct bw_sample, payload);

	st = bw_http_parse((const char *)s->payload, cap, &req);
	if (st != BW_HTTP_OK)
		d->stats.parse_errors++;
	sctx = (struct bw_score_ctx){ .src = &s->saddr, .dst = &s->daddr };
	/* The source's last SYN, as the datapath recorded it (none for a
	 * connection opened before botwall was attached, or under a flood). */
	if (s->syn.ts_ns && s->syn.ts_ns <= s->ts_ns) {
		bw_syn_from_traits(&s->syn, &syn);
		sctx.syn = &syn;
	}
	/* Behaviour (seed 002): independent evidence from the source's history. */
	sample_behaviour(d, s, &req, st == BW_HTTP_OK, &bh);
	sctx.behave = &bh;
	bw_score_full(&d->scorer, &req, st, &sctx, &sc);

	d->stats.scored++;
	d->stats.score_sum += sc.score;
	d->stats.buckets[bw_score_bucket(sc.score)]++;
	for (int i = 0; i < BW_FLAG__MAX; i++)
		if (sc.flags & (1u << i))
			d->stats.flag_hits[i]++;

	bw_format_addr(&s->saddr, addr, sizeof(addr));
	flags_text(sc.flags, flags, sizeof(flags));
	printable(st == BW_HTTP_OK ? bw_http_get(&req, "User-Agent") : NULL, ua, sizeof(ua));

	/* Policies (first match; the implicit default is "deny -> verdict
	 * action"). Shadow: decided, logged, recorded, not pushed. */
	pol = sample_policy(d, s, &req, st == BW_HTTP_OK, &sc, &defpol);
	shadow = pol && (pol->shadow || d->cfg.shadow);
	if (pol)
		__atomic_fetch_add(&d->pstats.decisions[shadow][pol->action], 1, __ATOMIC_RELAXED);
	snprintf(action, sizeof(action), "%s%s", shadow ? "shadow:" : "",
		 bw_pact_name(pol ? pol->action : BW_PACT_ALLOW));
	if (d->rec.store)
		bw_recorder_hit_policy(&d->rec, s, &req, st, &sc, pol ? pol->name : "none", action);

	if (!pol || pol->action == BW_PACT_ALLOW || shadow) {
		if (shadow && pol->action != BW_PACT_ALLOW)
			log_block(addr, &sc, flags, pol->ttl ? pol->ttl : d->cfg.verdict_ttl, ua,
				  pol, true);
		else
			bw_debug("%s %s score=%u flags=%s policy=%s ua=\"%s\"%s",
				 bw_status_name(sc.status), addr, sc.score, flags[0] ? flags : "-",
				 pol ? pol->name : "none", ua, st == BW_HTTP_OK ? "" : " (not HTTP)");
		return 0;
	}
	ttl = pol->ttl ? pol->ttl : d->cfg.verdict_ttl;
	/* A single spoofed packet carrying a bot's request must not get its
	 * claimed source blocked: only a request on a connection that went
	 * through the handshake with a local socket counts. */
	if (d->cfg.require_established && !s->established) {
		d->stats.verdicts_unestablished++;
		bw_info("not blocking %s (score %u): the request did not arrive on an established "
			"connection (spoofed? set require_established = no on a forwarding host)",
			addr, sc.score);
		return 0;
	}
	now = bw_now_ns();
	/* A monitored or rate-limited source keeps sending samples: a live
	 * verdict with the same action and most of its time left stays. */
	{
		struct bw_verdict v;

		if (bpf_map_lookup_elem(d->maps.verdicts, &s->saddr, &v) == 0 &&
		    v.action == bw_pact_verdict_action(pol->action) && v.rate_pps == pol->rate &&
		    (v.expires_ns == 0 || v.expires_ns > now + (uint64_t)ttl * NS_PER_SEC / 2))
			return 0;
	}
	if (!verdict_allowed(d, now)) {
		d->stats.verdicts_suppressed++;
		d->suppressed_since_log++;
		/* Loud, but at most once per 10 s so the log itself stays usable. */
		if (now - d->last_suppress_log_ns > 10 * NS_PER_SEC) {
			bw_warn("blast-radius limit reached (max_verdicts_per_sec=%u, max_verdicts=%u, "
				"about %ld live): NOT blocking %s (score %u); %llu verdicts suppressed "
				"in the last interval. A scoring bug, or a real flood? Check `botwall stats`.",
				d->cfg.max_verdicts_per_sec, d->cfg.max_verdicts, d->live_verdicts, addr,
				sc.score, (unsigned long long)d->suppressed_since_log);
			d->last_suppress_log_ns = now;
			d->suppressed_since_log = 0;
		}
		return 0;
	}
	{
		struct bw_verdict old;

		/* A new key in a full LRU table evicts the least recently used
		 * verdict: count it, say it (at most every 10 s). */
		if (d->verdict_cap && d->live_verdicts >= (long)d->verdict_cap &&
		    bpf_map_lookup_elem(d->maps.verdicts, &s->saddr, &old)) {
			d->verdict_evictions++;
			if (now - d->last_evict_log_ns > 10 * NS_PER_SEC) {
				bw_warn("verdict table full (%u entries): new verdicts evict the least recently "
					"used ones, %llu evictions so far; raise verdict_table_size",
					d->verdict_cap, (unsigned long long)d->verdict_evictions);
				d->last_evict_log_ns = now;
			}
		}
	}
	{
		struct bw_verdict_fds vf = bw_verdict_fds_of(&d->maps);
		char err[256];
		int lock = bw_map_lock(d->cfg.pin_dir, VERDICT_LOCK_WAIT_MS, err, sizeof(err));
		int rc;

		if (lock < 0) {
			bw_err("block %s: verdict not written: %s (the next sample of it tries again)",
			       addr, err);
			return 0;
		}
		rc = bw_verdict_put_action(&vf, &s->saddr, ttl, bw_pact_verdict_action(pol->action),
					   pol->rate, BW_VR_SCORE, (uint8_t)sc.score,
					   sc.top_flag < 0 ? BW_FLAG__MAX : (uint8_t)sc.top_flag);
		if (rc)
			bw_err("block %s: writing the verdict failed: %s", addr, strerror(errno));
		bw_unlock(lock);
		if (rc)
			return 0;
	}
	d->stats.verdicts_pushed++;
	d->live_verdicts++;
	log_block(addr, &sc, flags, ttl, ua, pol, false);
	return 0;
}

/* ---- scoring engine ---- */

static int engine_open(const struct bw_settings *cfg, struct bw_scorer *out)
{
	struct bw_engine_opts o = {
		.weights = cfg->weights[0] ? cfg->weights : NULL,
		.uap = cfg->uap[0] ? cfg->uap : NULL,
		.crawlers = cfg->crawlers[0] ? cfg->crawlers : NULL,
		.p0f = cfg->p0f[0] ? cfg->p0f : NULL,
		.deny = cfg->threshold,
	};
	char err[512], warn[1024] = "";

	if (bw_engine_open(out, &o, err, sizeof(err), warn, sizeof(warn))) {
		bw_err("%s", err);
		return -1;
	}
	if (warn[0])
		bw_warn("%s", warn);
	return 0;
}

/* ---- reload ---- */

static void apply_logging(const struct bw_settings *s)
{
	bw_log_init("botwalld", s->log_level);
	bw_log_set_json(s->log_format == BW_LOGFMT_JSON);
}

static void reload(struct daemon *d)
{
	static struct bw_prefix_set table_sets[BW_LISTS_MAX];
	struct parsed_lists block, allow;
	struct bw_settings next;
	struct bw_scorer scorer;
	char err[1024];

	bw_info("SIGHUP: re-reading %s and the list files",
		d->config_path ? d->config_path : "(no config file)");
	if (build_settings(d, &next, err, sizeof(err))) {
		bw_err("reload refused, the running configuration stays in force: %s", err);
		return;
	}
	if (parse_lists(&next.blocklists, "blocklist", &block)) {
		bw_err("reload refused: the running configuration and lists stay in force");
		bw_settings_free(&next);
		return;
	}
	if (parse_lists(&next.allowlists, "allowlist", &allow)) {
		bw_err("reload refused: the running configuration and lists stay in force");
		parsed_free(&block);
		bw_settings_free(&next);
		return;
	}
	if (parse_table_files(&next, table_sets)) {
		bw_err("reload refused: the running configuration and lists stay in force");
		parsed_free(&block);
		parsed_free(&allow);
		bw_settings_free(&next);
		return;
	}
	if (engine_open(&next, &scorer)) {
		for (size_t i = 0; i < next.ntables; i++)
			bw_prefix_set_free(&table_sets[i]);
		bw_err("reload refused: the running configuration and lists stay in force");
		parsed_free(&block);
		parsed_free(&allow);
		bw_settings_free(&next);
		return;
	}
	bw_engine_close(&d->scorer);
	d->scorer = scorer;
	if (strcmp(next.iface, d->cfg.iface) || strcmp(next.pin_dir, d->cfg.pin_dir) ||
	    next.mode != d->cfg.mode)
		bw_warn("iface, mode and pin_dir changes need a restart; keeping %s, %s",
			d->cfg.iface, d->cfg.pin_dir);
	snprintf(next.iface, sizeof(next.iface), "%s", d->cfg.iface);
	snprintf(next.pin_dir, sizeof(next.pin_dir), "%s", d->cfg.pin_dir);
	next.mode = d->cfg.mode;

	bw_settings_free(&d->cfg);
	d->cfg = next;
	apply_logging(&d->cfg);
	if (write_config(d))
		bw_err("writing the datapath config: %s", strerror(errno));
	sync_lists(d, d->maps.block, &block, "blocklist");
	sync_lists(d, d->maps.allow, &allow, "allowlist");
	if (load_table(d, &d->cfg, table_sets))
		bw_err("lists not reloaded: the previous lists stay in force");
	if (bw_fetch_state_dir(d->cfg.state_dir, err, sizeof(err)) == 0)
		fetch_set_jobs(&d->fetch, &d->cfg);
	if (d->rec.store && bw_recorder_reload(&d->rec, err, sizeof(err)))
		bw_err("sites not reloaded (%s): the previous mapping stays in force", err);
	write_state(d);
	bw_info("reloaded: threshold %u, verdict ttl %us, %zu port(s), sampling %s, %zu policies%s",
		d->cfg.threshold, d->cfg.verdict_ttl, d->cfg.nports, d->cfg.sampling ? "on" : "off",
		d->cfg.npolicies, d->cfg.shadow ? " (shadow)" : "");
}

/* ---- main loop ---- */

/* Under the map lock. */
static int vfilter_rebuild(struct daemon *d, uint64_t now)
{
	struct bw_verdict_fds vf = bw_verdict_fds_of(&d->maps);
	long bits = bw_vfilter_rebuild(&vf);

	if (bits < 0) {
		bw_warn("rebuilding %s: %s (stale bits stay: only a little slower)", BW_MAP_VFILTER,
			strerror(errno));
		return -1;
	}
	d->vfilter_built_ns = now;
	bw_debug("%s: %ld bits for the live verdicts", BW_MAP_VFILTER, bits);
	return 0;
}

static void sweep(struct daemon *d, uint64_t now)
{
	char err[256];
	int lock = bw_map_lock(d->cfg.pin_dir, 200, err, sizeof(err));
	int n;

	if (lock < 0)
		return; /* the CLI is editing: try again next time */
	n = bw_verdict_sweep(d->maps.verdicts, now);
	d->live_verdicts = bw_map_count(d->maps.verdicts, sizeof(struct bw_addr));
	/* Clear the filter bits of verdicts gone: swept now, or deleted,
	 * evicted or written around the filter (bpftool) since the last time. */
	if (n > 0 || now - d->vfilter_built_ns > VFILTER_REBUILD_NS)
		vfilter_rebuild(d, now);
	bw_unlock(lock);
	if (n > 0)
		bw_debug("swept %d expired verdicts, %ld live", n, d->live_verdicts);
}

static int run(struct daemon *d, struct parsed_lists *block, struct parsed_lists *allow,
	       struct bw_prefix_set *table_sets)
{
	struct ring_buffer *rb = NULL;
	uint64_t last_sweep = 0;
	char err[512];
	int rc;

	if (bw_maps_open(d->cfg.pin_dir, &d->maps, err, sizeof(err))) {
		bw_err("%s", err);
		return -1;
	}
	{
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);

		if (!bpf_obj_get_info_by_fd(d->maps.verdicts, &mi, &mlen))
			d->verdict_cap = mi.max_entries;
	}
	/* Per-source request stats for the behaviour score: optional (an
	 * adopted older program may lack them; behaviour is then unknown). */
	{
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/%s", d->cfg.pin_dir, BW_MAP_SRCSTATS);
		d->srcstats_fd = bpf_obj_get(path);
		if (d->srcstats_fd < 0)
			bw_warn("%s: %s: no behaviour score (bot_probability stays null)", path,
				strerror(errno));
	}
	d->behave = bw_behave_table_new(BEHAVE_TABLE_CAP);
	if (!d->behave)
		bw_warn("no memory for the behaviour table: sampled-request features off");
	/* Counters survive a restart: continue from what the map holds. */
	bw_read_scorestats(d->maps.scorestats, &d->stats);
	d->state.pid = (__u32)getpid();
	d->state.ifindex = (__u32)d->loader.ifindex;
	d->state.prog_id = d->loader.prog_id;
	d->state.attach_mode = (__u32)d->loader.attach_mode;
	d->state.started_ns = bw_now_ns();
	d->state.flags = (d->loader.adopted ? BW_DS_F_ADOPTED : 0) |
			 (d->loader.legacy ? BW_DS_F_LEGACY : 0);
	/* Keep the salt of a running datapath (adoption after a restart), so
	 * the sampled share stays the same sources; else draw a new one. */
	{
		struct bw_config old;
		__u32 zero = 0;

		if (!bpf_map_lookup_elem(d->maps.config, &zero, &old) && old.sample_salt)
			d->sample_salt = old.sample_salt;
		else if (getrandom(&d->sample_salt, sizeof(d->sample_salt), 0) !=
			 (ssize_t)sizeof(d->sample_salt))
			d->sample_salt = bw_now_ns() ^ ((__u64)getpid() << 32);
	}
	/* The verdict filter must hold every verdict already pinned (an
	 * upgrade, verdicts written while no daemon ran) before the datapath
	 * may trust it; until then it looks every source up. */
	{
		int lock = bw_map_lock(d->cfg.pin_dir, MAP_LOCK_WAIT_MS, err, sizeof(err));

		if (lock < 0)
			bw_warn("%s not rebuilt, every source is looked up in %s: %s", BW_MAP_VFILTER,
				BW_MAP_VERDICTS, err);
		else
			d->vfilter_ready = vfilter_rebuild(d, bw_now_ns()) == 0;
		bw_unlock(lock);
	}
	if (write_config(d)) {
		bw_err("writing the datapath config: %s", strerror(errno));
		return -1;
	}
	/* The datapath probes the LPM tries only with this flag: set it when
	 * files go there or entries are there already (an adopted program's
	 * maps, edits made with the CLI). */
	{
		struct bw_lpm_key k;

		if ((block->n || allow->n || !bpf_map_get_next_key(d->maps.block, NULL, &k) ||
		     !bpf_map_get_next_key(d->maps.allow, NULL, &k)) &&
		    bw_lstate_flags(d->maps.lstate, BW_LS_F_MANUAL, 0)) {
			bw_err("writing %s: %s", BW_MAP_LSTATE, strerror(errno));
			return -1;
		}
	}
	if (sync_lists(d, d->maps.block, block, "blocklist") ||
	    sync_lists(d, d->maps.allow, allow, "allowlist"))
		return -1;
	if (load_table(d, &d->cfg, table_sets))
		return -1;
	write_state(d);
	d->tokens = d->cfg.max_verdicts_per_sec;
	d->tokens_ns = bw_now_ns();

	if (d->cfg.api[0]) {
		struct bw_api_config ac = {
			.listen = d->cfg.api, .tokens_path = d->cfg.tokens,
			.store_path = d->cfg.store[0] ? d->cfg.store : NULL, .writer = d->rec.store,
			.counters_fd = d->maps.counters, .scorestats_fd = d->maps.scorestats,
			.verdicts_fd = d->maps.verdicts, .vfilter_fd = d->maps.vfilter,
			.pin_dir = d->cfg.pin_dir,
			.allow_fd = d->maps.allow, .block_fd = d->maps.block,
			.threshold = d->cfg.threshold,
			.policy = &d->pstats,
		};

		d->api = bw_api_start(&ac, err, sizeof(err));
		if (!d->api) {
			bw_err("%s", err);
			return -1;
		}
		bw_info("api listening on %s (port %u)", d->cfg.api, bw_api_port(d->api));
	}

	if (fetch_start(&d->fetch, &d->cfg)) {
		bw_err("starting the list fetcher: %s", strerror(errno));
		return -1;
	}
	rb = ring_buffer__new(d->maps.samples, on_sample, d, NULL);
	if (!rb) {
		bw_err("ring buffer: %s", strerror(errno));
		return -1;
	}
	bw_info("running: iface %s, %zu port(s) from %u, threshold %u, verdict ttl %us, pins in %s, "
		"%zu policies%s", d->cfg.iface, d->cfg.nports, d->cfg.ports[0], d->cfg.threshold,
		d->cfg.verdict_ttl, d->cfg.pin_dir, d->cfg.npolicies,
		d->cfg.shadow ? " (shadow mode: nothing enforced)" : "");

	while (!stop_requested) {
		uint64_t now;

		rc = ring_buffer__poll(rb, 200);
		if (rc < 0 && rc != -EINTR) {
			bw_err("ring buffer poll: %s", strerror(-rc));
			break;
		}
		if (d->stats_dirty) {
			bw_write_scorestats(d->maps.scorestats, &d->stats);
			d->stats_dirty = false;
		}
		if (reload_requested) {
			reload_requested = 0;
			reload(d);
		}
		if (atomic_exchange(&d->fetch.changed, 0))
			reload_tables(d);
		now = bw_now_ns();
		if (d->release_at_ns && now >= d->release_at_ns) {
			struct bw_ltable_fds fds = bw_ltable_fds_of_maps(&d->maps);

			if (bw_ltable_release_old(&fds, err, sizeof(err)))
				bw_warn("freeing the previous list generation: %s", err);
			d->release_at_ns = 0;
		}
		if (now - last_sweep > SWEEP_INTERVAL_NS) {
			sweep(d, now);
			last_sweep = now;
		}
		write_state(d);
	}
	ring_buffer__free(rb);
	fetch_stop(&d->fetch);
	if (d->verdict_evictions)
		bw_warn("verdict table: %llu verdicts evicted by newer ones while full (%u entries)",
			(unsigned long long)d->verdict_evictions, d->verdict_cap);
	bw_api_stop(d->api);
	d->api = NULL;
	bw_behave_table_free(d->behave);
	d->behave = NULL;
	if (d->srcstats_fd >= 0)
		close(d->srcstats_fd);
	d->srcstats_fd = -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = { .instance_lock = -1, .srcstats_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	static struct bw_prefix_set table_sets[BW_LISTS_MAX];
	struct parsed_lists block, allow;
	bool check_only = false;
	char err[1024];
	int rc;

	memset(&d.maps, 0xff, sizeof(d.maps)); /* every fd -1 */
	bw_log_init("botwalld", BW_LOG_INFO);
	parse_args(&d, argc, argv, &check_only);
	if (build_settings(&d, &d.cfg, err, sizeof(err))) {
		bw_err("%s", err);
		return 2;
	}
	apply_logging(&d.cfg);

	/* Bad list files stop us before anything touches the interface. */
	if (parse_lists(&d.cfg.blocklists, "blocklist", &block)) {
		bw_settings_free(&d.cfg);
		return 2;
	}
	if (parse_lists(&d.cfg.allowlists, "allowlist", &allow)) {
		parsed_free(&block);
		bw_settings_free(&d.cfg);
		return 2;
	}
	if (!check_only && fetch_initial(&d.cfg)) {
		parsed_free(&block);
		parsed_free(&allow);
		bw_settings_free(&d.cfg);
		return 2;
	}
	if (parse_table_files(&d.cfg, table_sets)) {
		parsed_free(&block);
		parsed_free(&allow);
		bw_settings_free(&d.cfg);
		return 2;
	}
	if (engine_open(&d.cfg, &d.scorer)) {
		parsed_free(&block);
		parsed_free(&allow);
		bw_settings_free(&d.cfg);
		return 2;
	}
	if (!check_only && d.cfg.store[0]) {
		if (bw_recorder_open(&d.rec, d.cfg.store, d.cfg.sites[0] ? d.cfg.sites : NULL,
				     d.cfg.geoip[0] ? d.cfg.geoip : NULL, err, sizeof(err))) {
			bw_err("%s", err);
			parsed_free(&block);
			parsed_free(&allow);
			bw_engine_close(&d.scorer);
			bw_settings_free(&d.cfg);
			return 2;
		}
		bw_info("store: %s%s%s", d.cfg.store, d.cfg.sites[0] ? ", sites " : "", d.cfg.sites);
	}
	if (check_only) {
		printf("configuration OK: %zu blocklist prefixes in %zu file(s), %zu allowlist "
		       "prefixes in %zu file(s); effective settings:\n", block.total, block.n,
		       allow.total, allow.n);
		bw_settings_print(&d.cfg, stdout);
		for (size_t i = 0; i < d.cfg.ntables; i++)
			bw_prefix_set_free(&table_sets[i]);
		parsed_free(&block);
		parsed_free(&allow);
		bw_engine_close(&d.scorer);
		bw_settings_free(&d.cfg);
		return 0;
	}

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = 1;
	d.instance_lock = bw_instance_lock(d.cfg.pin_dir, err, sizeof(err));
	if (d.instance_lock < 0) {
		bw_err("%s", err);
		goto out;
	}
	if (bw_loader_open(&d.loader, d.cfg.pin_dir) ||
	    bw_loader_migrate(&d.loader, d.cfg.verdict_table_size) ||
	    bw_loader_attach(&d.loader, d.cfg.iface, d.cfg.mode)) {
		bw_loader_close(&d.loader);
		goto out;
	}
	rc = run(&d, &block, &allow, table_sets) ? 1 : 0;

	if (d.maps.scorestats >= 0) {
		bw_write_scorestats(d.maps.scorestats, &d.stats);
		d.state.pid = 0;
		bw_write_daemon_state(d.maps.daemon, &d.state);
	}
	bw_maps_close(&d.maps);
	if (d.cfg.keep) {
		bw_info("exiting; program stays attached to %s, maps stay pinned in %s (keep = yes)",
			d.cfg.iface, d.cfg.pin_dir);
	} else {
		bw_loader_detach(&d.loader);
		bw_loader_unpin(&d.loader);
		bw_info("detached from %s and removed the pins in %s", d.cfg.iface, d.cfg.pin_dir);
	}
	bw_loader_close(&d.loader);
out:
	/* Consumed by the table load; freeing again is harmless. */
	for (size_t i = 0; i < BW_LISTS_MAX; i++)
		bw_prefix_set_free(&table_sets[i]);
	bw_recorder_close(&d.rec);
	bw_engine_close(&d.scorer);
	bw_unlock(d.instance_lock);
	parsed_free(&block);
	parsed_free(&allow);
	bw_settings_free(&d.cfg);
	return rc;
}
