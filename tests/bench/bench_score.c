// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench, scoring section: raw samples to decision on one core with the
 * daemon's code and data (docs/benchmarks.md, "Scoring"):
 *   bw_http_parse -> behaviour (table + bw_behave_score on srcstats)
 *   -> bw_score_full (uap-core regexes, crawler-user-agents, p0f, as
 *   bw_engine_open loads them for botwalld) -> policy match.
 * Requests: the corpus files (tests/corpus/NAME.http), from 256 sources.
 *   warm: the user agents repeat (the UA cache hits);
 *   cold: every request carries a user agent never seen before (a counter
 *         written into it), so every one runs the regexes.
 * Throughput from an untimed loop; latency percentiles from a second pass
 * timing every request. Not included: the bw_srcstats lookup syscall
 * (measured on its own when run as root) and the store/log I/O.
 * Usage: bench_score [--quick] [--warm-only] FILE...  (--warm-only: for
 * callgrind, docs/benchmarks.md)
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "behave.h"
#include "engine.h"
#include "policy.h"
#include "uadb.h"

#define MAX_REQS 64
#define SOURCES  256

struct req {
	char buf[BW_SAMPLE_CAP];
	size_t len;
	size_t ua_off, ua_len;  /* the User-Agent value, for the cold variant */
};

static struct req reqs[MAX_REQS];
static size_t nreqs;
static struct bw_scorer scorer;
static struct bw_behave_table *table;
static struct bw_policy policies[2], defpol;
static volatile unsigned int sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int load(const char *path)
{
	struct req *r = &reqs[nreqs];
	FILE *f = fopen(path, "rb");
	const char *ua;

	if (!f)
		return -1;
	r->len = fread(r->buf, 1, sizeof(r->buf), f);
	fclose(f);
	ua = memmem(r->buf, r->len, "User-Agent: ", 12);
	if (!ua)
		ua = memmem(r->buf, r->len, "user-agent: ", 12);
	if (ua) {
		const char *e = memchr(ua, '\r', r->len - (size_t)(ua - r->buf));

		r->ua_off = (size_t)(ua - r->buf) + 12;
		r->ua_len = e ? (size_t)(e - ua) - 12 : 0;
	}
	nreqs++;
	return 0;
}

/* One request, as on_sample handles it (minus the syscall and I/O). */
static unsigned int one(const char *buf, size_t len, unsigned int i)
{
	struct bw_http_req req;
	struct bw_addr src = { .b = { [10] = 0xff, [11] = 0xff, 198, 51, 100, (uint8_t)(i % SOURCES) } };
	struct bw_addr dst = { .b = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 } };
	struct bw_src_stats ss = {
		.count = 40 + i % 100, .first_ns = 1000000000ull, .last_ns = 21000000000ull,
		.iat_mean_us = 500000, .iat_m2 = 250000ull * 250000ull * 38,
	};
	struct bw_score_ctx ctx = { .src = &src, .dst = &dst };
	struct bw_policy_input in;
	struct bw_behave bh;
	struct bw_score sc;
	enum bw_http_status st = bw_http_parse(buf, len, &req);
	const struct bw_policy *p;

	if (st == BW_HTTP_OK)
		bw_behave_observe(bw_behave_table_get(table, &src, i + 1), &req);
	bw_behave_score(&ss, bw_behave_table_find(table, &src), &bh);
	ctx.behave = &bh;
	bw_score_full(&scorer, &req, st, &ctx, &sc);
	in = (struct bw_policy_input){ .sc = &sc };
	p = bw_policy_match(policies, 2, &defpol, &in);
	return sc.score + (p ? p->action : 0);
}

/* The cold variant: a fresh user agent (the counter in its last 8 bytes). */
static void make_cold(char *dst, const struct req *r, unsigned int n)
{
	memcpy(dst, r->buf, r->len);
	if (r->ua_len >= 8) {
		char hex[9];

		snprintf(hex, sizeof(hex), "%08x", n);
		memcpy(dst + r->ua_off + r->ua_len - 8, hex, 8);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void run(const char *name, bool cold, unsigned int n)
{
	static char tmp[BW_SAMPLE_CAP];
	uint64_t *lat = malloc(n * sizeof(*lat)), t0, dt;
	unsigned int base = cold ? 0x10000000u : 0;

	if (!lat)
		exit(1);
	if (cold)
		bw_uadb_flush(scorer.uadb);
	/* throughput: no per-request timing */
	t0 = now_ns();
	for (unsigned int i = 0; i < n; i++) {
		const struct req *r = &reqs[i % nreqs];

		if (cold) {
			make_cold(tmp, r, base + i);
			sink += one(tmp, r->len, i);
		} else {
			sink += one(r->buf, r->len, i);
		}
	}
	dt = now_ns() - t0;
	/* latency: every request timed (new user agents again for cold) */
	for (unsigned int i = 0; i < n; i++) {
		const struct req *r = &reqs[i % nreqs];
		uint64_t a;

		if (cold)
			make_cold(tmp, r, base + n + i);
		a = now_ns();
		sink += one(cold ? tmp : r->buf, r->len, i);
		lat[i] = now_ns() - a;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("  %-5s %8u requests: %9.0f requests/s (%.2f us each); latency p50 %.2f us, "
	       "p90 %.2f us, p99 %.2f us, max %.1f us\n", name, n, n / (dt / 1e9),
	       dt / 1e3 / n, lat[n / 2] / 1e3, lat[n * 9 / 10] / 1e3, lat[n * 99 / 100] / 1e3,
	       lat[n - 1] / 1e3);
	free(lat);
}

/* The daemon's one map lookup per sample, measured on its own. */
static void srcstats_lookup(unsigned int n)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	struct bw_addr k = { .b = { [10] = 0xff, [11] = 0xff, 198, 51, 100, 1 } };
	struct bw_src_stats v = { .count = 1 };
	uint64_t t0;
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "bench_srcstats", sizeof(k), sizeof(v),
				1024, &o);

	if (fd < 0) {
		printf("  bw_srcstats lookup: not measured (%s; needs root)\n", strerror(errno));
		return;
	}
	bpf_map_update_elem(fd, &k, &v, BPF_ANY);
	t0 = now_ns();
	for (unsigned int i = 0; i < n; i++)
		sink += (unsigned int)bpf_map_lookup_elem(fd, &k, &v);
	printf("  bw_srcstats lookup (bpf syscall, LRU hash): %.2f us each, %.0f/s on its own\n",
	       (now_ns() - t0) / 1e3 / n, n / ((now_ns() - t0) / 1e9));
	close(fd);
}

int main(int argc, char **argv)
{
	struct bw_engine_opts eo = { 0 };
	struct bw_uadb_stats us;
	char err[512], warn[1536] = "";
	unsigned int warm_n = 2000000, cold_n = 20000;
	int i = 1;
	bool warm_only = false;
	cpu_set_t cpus;
	int cpu = sched_getcpu();

	if (argc > 1 && !strcmp(argv[1], "--quick")) {
		warm_n = 50000;
		cold_n = 2000;
		i++;
	}
	if (i < argc && !strcmp(argv[i], "--warm-only")) {
		warm_only = true;
		i++;
	}
	for (; i < argc && nreqs < MAX_REQS; i++)
		if (load(argv[i]))
			fprintf(stderr, "bench_score: %s: %s\n", argv[i], strerror(errno));
	if (!nreqs) {
		fprintf(stderr, "usage: bench_score [--quick] FILE...\n");
		return 2;
	}
	/* one core */
	CPU_ZERO(&cpus);
	CPU_SET(cpu < 0 ? 0 : cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	if (bw_engine_open(&scorer, &eo, err, sizeof(err), warn, sizeof(warn))) {
		fprintf(stderr, "bench_score: %s\n", err);
		return 1;
	}
	bw_uadb_get_stats(scorer.uadb, &us);
	table = bw_behave_table_new(16384);
	if (!table || bw_policy_parse("libs: botcat=library score>=50 -> rate_limit:5", &policies[0],
				      err, sizeof(err)) ||
	    bw_policy_parse("regular: bot>=0.90 !verified -> monitor shadow", &policies[1], err,
			    sizeof(err))) {
		fprintf(stderr, "bench_score: setup: %s\n", err);
		return 1;
	}
	bw_policy_default(&defpol, BW_ACT_DROP, 0, 600);
	printf("Scoring, one core (cpu %d), %zu corpus requests from %d sources, datasets: "
	       "uap-core %s (%zu UA regexes), crawler-user-agents %s (%zu bots), p0f %s\n",
	       cpu, nreqs, SOURCES, us.have_uap ? "yes" : "NO", us.n_ua,
	       us.have_bots ? "yes" : "NO", us.n_bots, scorer.p0f ? "yes" : "NO");
	if (warn[0])
		printf("  warning: %s\n", warn);
	run("warm", false, warm_n);
	if (!warm_only) {
		run("cold", true, cold_n);
		srcstats_lookup(warm_n / 10);
	}
	bw_uadb_get_stats(scorer.uadb, &us);
	printf("  UA cache: %llu hits, %llu misses, %llu uncacheable, %llu regex limit hits\n",
	       (unsigned long long)us.hits, (unsigned long long)us.misses,
	       (unsigned long long)us.uncacheable, (unsigned long long)us.match_errors);
	bw_behave_table_free(table);
	bw_engine_close(&scorer);
	return 0;
}
