// SPDX-License-Identifier: GPL-2.0-only
/*
 * botwalld: attaches the XDP filter, loads the lists, scores the HTTP
 * requests the datapath samples and pushes block verdicts back into it.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "botwall_abi.h"
#include "http.h"
#include "lists.h"
#include "loader.h"
#include "log.h"
#include "ltable.h"
#include "maps.h"
#include "names.h"
#include "score.h"

#define MAX_LIST_FILES 32
#define SWEEP_INTERVAL_NS (5ull * 1000000000ull)

struct list_files {
	const char *paths[MAX_LIST_FILES];
	size_t n;
};

struct daemon {
	/* options */
	const char *iface;
	const char *pin_dir;
	enum bw_xdp_mode mode;
	struct list_files block, allow;
	struct bw_list_def ldefs[BW_LISTS_MAX]; /* --list; .set unused here */
	const char *lpaths[BW_LISTS_MAX];
	size_t nlists;
	__u16 ports[BW_MAX_PORTS];
	size_t nports;
	unsigned int threshold;
	unsigned int verdict_ttl;
	uint8_t verdict_action;   /* enum bw_action for score verdicts */
	uint32_t verdict_rate;    /* its rate_pps (rate_limit) */
	unsigned int sample_bytes;
	bool sampling;
	bool keep;

	/* state */
	struct bw_loader loader;
	struct bw_maps maps;
	struct bw_score_stats stats;
	bool stats_dirty;
	uint64_t release_at_ns;   /* free the old list generation then (0: none) */
};

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
"Usage: botwalld --iface IFNAME [options]\n"
"\n"
"Attach the botwall XDP filter to IFNAME, score sampled HTTP requests and\n"
"block sources whose score reaches the threshold.\n"
"\n"
"  -i, --iface IFNAME       interface to attach to (required)\n"
"  -m, --mode MODE          auto (native, else skb), native or skb [auto]\n"
"  -d, --pin-dir DIR        where maps are pinned [" BW_DEFAULT_PIN_DIR "]\n"
"  -b, --blocklist FILE     prefixes to drop, one address/CIDR per line (repeatable)\n"
"  -a, --allowlist FILE     prefixes never filtered (repeatable)\n"
"                           (these two stay editable live with botwall block/allow)\n"
"  -l, --list NAME:CATEGORY:ACTION:FILE\n"
"                           a large list in the scalable table (repeatable, up to 64);\n"
"                           CATEGORY: blocklist tor vpn proxy hosting ai_crawler_ranges\n"
"                           good_bot_ranges custom; ACTION: drop monitor rate_limit allow\n"
"  -p, --port PORT          TCP port whose HTTP requests are sampled (repeatable) [80]\n"
"  -t, --threshold SCORE    block at this score, 1-100 [80]\n"
"      --verdict-ttl SEC    how long a block verdict lasts, 1-604800 [600]\n"
"      --verdict-action A   what a verdict does: drop, reset, monitor, rate_limit:PPS [drop]\n"
"      --sample-bytes N     request bytes copied per sample, 64-%u [%u]\n"
"      --no-sampling        filter only: no samples, no scoring\n"
"      --keep               on exit leave the program attached and maps pinned\n"
"  -v, --verbose            log every scored request\n"
"  -q, --quiet              log warnings and errors only\n"
"  -h, --help               this text\n"
"\n"
"Signals: SIGHUP re-reads the list files (a bad file keeps the old list),\n"
"SIGINT/SIGTERM detach and exit (unless --keep).\n",
		BW_SAMPLE_CAP, BW_SAMPLE_CAP);
}

/* Parses an unsigned option value in [lo, hi] or exits naming the option. */
static unsigned long num_arg(const char *opt, const char *val, unsigned long lo,
			     unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || end == val || *end || val[0] == '-' || v < lo || v > hi) {
		bw_err("--%s: '%s' is not a number in %lu-%lu", opt, val, lo, hi);
		exit(2);
	}
	return v;
}

static void add_list(struct list_files *l, const char *opt, const char *path)
{
	if (l->n == MAX_LIST_FILES) {
		bw_err("--%s: at most %d files", opt, MAX_LIST_FILES);
		exit(2);
	}
	l->paths[l->n++] = path;
}

/* --list NAME:CATEGORY:ACTION:FILE (the file may contain ':'). */
static void add_table_list(struct daemon *d, const char *arg)
{
	char buf[4096], *name, *cat, *act, *path, *save = NULL;
	struct bw_list_def *l;
	int c, a;

	if (d->nlists == BW_LISTS_MAX) {
		bw_err("--list: at most %d lists", BW_LISTS_MAX);
		exit(2);
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	name = strtok_r(buf, ":", &save);
	cat = strtok_r(NULL, ":", &save);
	act = strtok_r(NULL, ":", &save);
	path = strtok_r(NULL, "", &save);
	if (!name || !cat || !act || !path || !*path) {
		bw_err("--list: '%s' is not NAME:CATEGORY:ACTION:FILE", arg);
		exit(2);
	}
	if (strlen(name) >= BW_LIST_NAME_MAX) {
		bw_err("--list: name '%s' longer than %d characters", name, BW_LIST_NAME_MAX - 1);
		exit(2);
	}
	c = bw_lcat_parse(cat);
	a = bw_lact_parse(act);
	if (c < 0) {
		bw_err("--list %s: unknown category '%s'", name, cat);
		exit(2);
	}
	if (a < 0) {
		bw_err("--list %s: unknown action '%s' (drop, monitor, rate_limit, allow)", name, act);
		exit(2);
	}
	for (size_t i = 0; i < d->nlists; i++)
		if (!strcmp(d->ldefs[i].name, name)) {
			bw_err("--list: name '%s' used twice", name);
			exit(2);
		}
	l = &d->ldefs[d->nlists];
	l->id = (__u32)d->nlists;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->category = (__u8)c;
	l->action = (__u8)a;
	d->lpaths[d->nlists++] = strdup(path);
}

static void parse_args(struct daemon *d, int argc, char **argv)
{
	enum { OPT_TTL = 256, OPT_SAMPLE_BYTES, OPT_NO_SAMPLING, OPT_KEEP, OPT_VACTION };
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "mode", required_argument, NULL, 'm' },
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "blocklist", required_argument, NULL, 'b' },
		{ "allowlist", required_argument, NULL, 'a' },
		{ "list", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "threshold", required_argument, NULL, 't' },
		{ "verdict-ttl", required_argument, NULL, OPT_TTL },
		{ "verdict-action", required_argument, NULL, OPT_VACTION },
		{ "sample-bytes", required_argument, NULL, OPT_SAMPLE_BYTES },
		{ "no-sampling", no_argument, NULL, OPT_NO_SAMPLING },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	enum bw_log_level lvl = BW_LOG_INFO;
	int c;

	d->pin_dir = BW_DEFAULT_PIN_DIR;
	d->threshold = 80;
	d->verdict_ttl = 600;
	d->verdict_action = BW_ACT_DROP;
	d->sample_bytes = BW_SAMPLE_CAP;
	d->sampling = true;

	while ((c = getopt_long(argc, argv, "i:m:d:b:a:l:p:t:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': d->iface = optarg; break;
		case 'm':
			if (!strcmp(optarg, "auto")) d->mode = BW_MODE_AUTO;
			else if (!strcmp(optarg, "native")) d->mode = BW_MODE_NATIVE;
			else if (!strcmp(optarg, "skb")) d->mode = BW_MODE_SKB;
			else {
				bw_err("--mode: '%s' is not one of auto, native, skb", optarg);
				exit(2);
			}
			break;
		case 'd': d->pin_dir = optarg; break;
		case 'b': add_list(&d->block, "blocklist", optarg); break;
		case 'a': add_list(&d->allow, "allowlist", optarg); break;
		case 'l': add_table_list(d, optarg); break;
		case 'p':
			if (d->nports == BW_MAX_PORTS) {
				bw_err("--port: at most %d ports", BW_MAX_PORTS);
				exit(2);
			}
			d->ports[d->nports++] = (__u16)num_arg("port", optarg, 1, 65535);
			break;
		case 't': d->threshold = (unsigned int)num_arg("threshold", optarg, 1, 100); break;
		case OPT_TTL: d->verdict_ttl = (unsigned int)num_arg("verdict-ttl", optarg, 1, 604800); break;
		case OPT_VACTION:
			if (bw_verdict_action_parse(optarg, &d->verdict_action, &d->verdict_rate)) {
				bw_err("--verdict-action: '%s' is not drop, reset, monitor or rate_limit:PPS",
				       optarg);
				exit(2);
			}
			break;
		case OPT_SAMPLE_BYTES:
			d->sample_bytes = (unsigned int)num_arg("sample-bytes", optarg, 64, BW_SAMPLE_CAP);
			break;
		case OPT_NO_SAMPLING: d->sampling = false; break;
		case OPT_KEEP: d->keep = true; break;
		case 'v': lvl = BW_LOG_DEBUG; break;
		case 'q': lvl = BW_LOG_WARN; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc) {
		bw_err("unexpected argument '%s' (see --help)", argv[optind]);
		exit(2);
	}
	if (!d->iface) {
		bw_err("--iface is required (see --help)");
		exit(2);
	}
	if (!d->nports)
		d->ports[d->nports++] = 80;
	bw_log_init("botwalld", lvl);
}

/* Parsed contents of every list file of one kind. */
struct parsed_lists {
	struct bw_prefix_set sets[MAX_LIST_FILES];
	__u32 ids[MAX_LIST_FILES];
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
static int parse_lists(const struct list_files *files, const char *kind,
		       struct parsed_lists *pl)
{
	char err[512];

	memset(pl, 0, sizeof(*pl));
	for (size_t i = 0; i < files->n; i++) {
		if (bw_list_parse_file(files->paths[i], &pl->sets[i], err, sizeof(err))) {
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

static int sync_lists(int map_fd, struct parsed_lists *pl, const char *kind)
{
	struct bw_sync_result res;
	char err[512];
	int rc = 0;

	if (bw_list_sync(map_fd, pl->sets, pl->ids, pl->n, &res, err, sizeof(err))) {
		bw_err("%s: %s", kind, err);
		rc = -1;
	} else if (pl->n) {
		bw_info("%s: %zu prefixes from %zu file(s), %zu stale removed",
			kind, pl->total, pl->n, res.removed);
	}
	parsed_free(pl);
	return rc;
}

/* Parses every --list file; one bad file refuses them all (the table in
 * force stays), otherwise compiles and flips to the new generation. */
static int parse_table_files(struct daemon *d, struct bw_prefix_set *sets)
{
	char err[512];

	for (size_t i = 0; i < d->nlists; i++) {
		if (bw_list_parse_file(d->lpaths[i], &sets[i], err, sizeof(err))) {
			bw_err("list %s: %s", d->ldefs[i].name, err);
			for (size_t j = 0; j < i; j++)
				bw_prefix_set_free(&sets[j]);
			return -1;
		}
	}
	return 0;
}

/* Compiles parsed sets (or, with pre == NULL, freshly parsed files) into
 * the generation not in force and flips to it; consumes pre. */
static int load_table(struct daemon *d, struct bw_prefix_set *pre)
{
	struct bw_prefix_set sets[BW_LISTS_MAX] = {};
	struct bw_list_def defs[BW_LISTS_MAX];
	struct bw_ltable_fds fds = {
		.lstate = d->maps.lstate, .lclass = d->maps.lclass, .lists = d->maps.lists,
		.v4t24 = d->maps.v4t24, .v4t8 = d->maps.v4t8, .v4host = d->maps.v4host,
		.v6bkt = d->maps.v6bkt, .v6pfx = d->maps.v6pfx,
	};
	struct bw_ltable_stats st;
	char err[512];
	int rc = -1;

	if (!d->nlists)
		return 0;
	if (pre)
		memcpy(sets, pre, d->nlists * sizeof(*sets));
	else if (parse_table_files(d, sets))
		return -1;
	for (size_t i = 0; i < d->nlists; i++) {
		defs[i] = d->ldefs[i];
		defs[i].set = &sets[i];
	}
	if (bw_ltable_apply(&fds, defs, d->nlists, &st, err, sizeof(err))) {
		bw_err("lists: %s", err);
		goto out;
	}
	d->release_at_ns = bw_now_ns() + BW_LTABLE_GRACE_MS * 1000000ull;
	bw_info("lists: %zu in force (generation %u): %zu IPv4 prefixes (%zu hosts, %zu tbl8 groups), "
		"%zu IPv6 prefixes (%zu buckets), %zu classes, %.0f ms build + %.0f ms write, %.1f MiB",
		d->nlists, st.gen, st.v4_prefixes, st.v4_hosts, st.t8_groups, st.v6_prefixes,
		st.v6_buckets, st.classes, st.build_ms, st.write_ms, st.map_bytes / 1048576.0);
	rc = 0;
out:
	for (size_t i = 0; i < d->nlists; i++)
		bw_prefix_set_free(&sets[i]);
	return rc;
}

static int write_config(struct daemon *d)
{
	struct bw_config cfg = {};
	__u32 zero = 0;

	memcpy(cfg.http_ports, d->ports, d->nports * sizeof(d->ports[0]));
	cfg.sample_cap = d->sample_bytes;
	cfg.flags = d->sampling ? BW_CFG_F_SAMPLING : 0;
	return bpf_map_update_elem(d->maps.config, &zero, &cfg, BPF_ANY);
}

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

		buf[n++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
	}
	buf[n] = '\0';
}

static int on_sample(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct bw_sample *s = data;
	struct bw_http_req req;
	enum bw_http_status st;
	struct bw_score sc;
	char addr[BW_PREFIX_STRLEN], flags[512], ua[160];
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
	bw_score_request(&req, st, &sc);

	d->stats.scored++;
	d->stats.score_sum += sc.score;
	d->stats.buckets[bw_score_bucket(sc.score)]++;
	for (int i = 0; i < BW_FLAG__MAX; i++)
		if (sc.flags & (1u << i))
			d->stats.flag_hits[i]++;

	bw_format_addr(&s->saddr, addr, sizeof(addr));
	flags_text(sc.flags, flags, sizeof(flags));
	printable(st == BW_HTTP_OK ? bw_http_get(&req, "User-Agent") : NULL, ua, sizeof(ua));

	if (sc.score < d->threshold) {
		bw_debug("allow %s score=%u flags=%s ua=\"%s\"%s", addr, sc.score,
			 flags[0] ? flags : "-", ua, st == BW_HTTP_OK ? "" : " (not HTTP)");
		return 0;
	}
	if (bw_verdict_put_action(d->maps.verdicts, &s->saddr, d->verdict_ttl, d->verdict_action,
				  d->verdict_rate, BW_VR_SCORE, (uint8_t)sc.score,
				  sc.top_flag < 0 ? BW_FLAG__MAX : (uint8_t)sc.top_flag)) {
		bw_err("block %s: writing the verdict failed: %s", addr, strerror(errno));
		return 0;
	}
	d->stats.verdicts_pushed++;
	bw_info("block %s score=%u top=%s flags=%s ttl=%us ua=\"%s\"", addr, sc.score,
		bw_flag_name((unsigned int)sc.top_flag), flags, d->verdict_ttl, ua);
	return 0;
}

static void reload(struct daemon *d)
{
	struct parsed_lists pl;

	bw_info("SIGHUP: re-reading list files");
	if (parse_lists(&d->block, "blocklist", &pl) == 0)
		sync_lists(d->maps.block, &pl, "blocklist");
	else
		bw_err("blocklist not reloaded: the previous contents stay in force");
	if (parse_lists(&d->allow, "allowlist", &pl) == 0)
		sync_lists(d->maps.allow, &pl, "allowlist");
	else
		bw_err("allowlist not reloaded: the previous contents stay in force");
	if (load_table(d, NULL))
		bw_err("lists not reloaded: the previous lists stay in force");
}

static int run(struct daemon *d, struct parsed_lists *block, struct parsed_lists *allow,
	       struct bw_prefix_set *table_sets)
{
	struct ring_buffer *rb = NULL;
	uint64_t last_sweep = 0;
	char err[512];
	int rc;

	if (bw_maps_open(d->pin_dir, &d->maps, err, sizeof(err))) {
		bw_err("%s", err);
		return -1;
	}
	/* Counters survive a restart: continue from what the map holds. */
	bw_read_scorestats(d->maps.scorestats, &d->stats);
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
	if (sync_lists(d->maps.block, block, "blocklist") ||
	    sync_lists(d->maps.allow, allow, "allowlist"))
		return -1;
	if (load_table(d, table_sets))
		return -1;

	rb = ring_buffer__new(d->maps.samples, on_sample, d, NULL);
	if (!rb) {
		bw_err("ring buffer: %s", strerror(errno));
		return -1;
	}
	bw_info("running: iface %s, ports %u%s, threshold %u, verdict ttl %us, pins in %s",
		d->iface, d->ports[0], d->nports > 1 ? " and more" : "", d->threshold,
		d->verdict_ttl, d->pin_dir);

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
		now = bw_now_ns();
		if (d->release_at_ns && now >= d->release_at_ns) {
			struct bw_ltable_fds fds = {
				.lstate = d->maps.lstate, .v4t24 = d->maps.v4t24, .v4t8 = d->maps.v4t8,
				.v4host = d->maps.v4host, .v6bkt = d->maps.v6bkt, .v6pfx = d->maps.v6pfx,
			};

			if (bw_ltable_release_old(&fds, err, sizeof(err)))
				bw_warn("freeing the previous list generation: %s", err);
			d->release_at_ns = 0;
		}
		if (now - last_sweep > SWEEP_INTERVAL_NS) {
			int n = bw_verdict_sweep(d->maps.verdicts, now);

			if (n > 0)
				bw_debug("swept %d expired verdicts", n);
			last_sweep = now;
		}
	}
	ring_buffer__free(rb);
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = {};
	struct sigaction sa = { .sa_handler = on_signal };
	struct parsed_lists block, allow;
	static struct bw_prefix_set table_sets[BW_LISTS_MAX];
	int rc;

	bw_log_init("botwalld", BW_LOG_INFO);
	parse_args(&d, argc, argv);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* Bad list files stop us before anything touches the interface. */
	if (parse_lists(&d.block, "blocklist", &block))
		return 1;
	if (parse_lists(&d.allow, "allowlist", &allow)) {
		parsed_free(&block);
		return 1;
	}
	if (parse_table_files(&d, table_sets)) {
		parsed_free(&block);
		parsed_free(&allow);
		return 1;
	}
	if (bw_loader_open(&d.loader, d.pin_dir) ||
	    bw_loader_attach(&d.loader, d.iface, d.mode)) {
		parsed_free(&block);
		parsed_free(&allow);
		bw_loader_close(&d.loader);
		return 1;
	}
	rc = run(&d, &block, &allow, table_sets);
	parsed_free(&block);
	parsed_free(&allow);

	bw_write_scorestats(d.maps.scorestats, &d.stats);
	bw_maps_close(&d.maps);
	if (d.keep) {
		bw_info("exiting; program stays attached to %s, maps stay pinned in %s (--keep)",
			d.iface, d.pin_dir);
	} else {
		bw_loader_detach(&d.loader);
		bw_loader_unpin(&d.loader);
		bw_info("detached from %s and removed the pins in %s", d.iface, d.pin_dir);
	}
	bw_loader_close(&d.loader);
	return rc ? 1 : 0;
}
