// SPDX-License-Identifier: GPL-2.0-only
/*
 * API under scoring load (make bench): serves the API on loopback over a
 * store while one thread scores the captured corpus requests as fast as it
 * can and queues every row for the store, as botwalld's sampling path does,
 * until SIGTERM (at most SECONDS, and a bounded count). tests/bench/
 * bench_api.sh times HTTP calls against it, once idle and once under load.
 *   bench_api STORE TOKENS SECONDS idle|load CORPUS_FILE...
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "http.h"
#include "score.h"
#include "store.h"

#define MAX_REQS 64
#define MAX_SAMPLES 50000000ull

static char *reqs[MAX_REQS];
static size_t req_len[MAX_REQS], nreqs;
static struct bw_store *st;
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}
static unsigned long long scored;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *load(void *arg)
{
	struct bw_http_req req;
	struct bw_score sc;
	struct bw_hit h;
	char addr[32];

	(void)arg;
	while (!stop && scored < MAX_SAMPLES) {
		size_t i = scored % nreqs;
		enum bw_http_status s = bw_http_parse(reqs[i], req_len[i], &req);

		bw_score_request(&req, s, &sc);
		snprintf(addr, sizeof(addr), "198.51.100.%llu", scored % 250);
		bw_hit_fill(&h, st, NULL, addr, &req, s, &sc, "default",
			    sc.score >= 80 ? "block" : "allow", bw_realtime_ms());
		bw_store_enqueue(st, &h);
		scored++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct bw_api_config cfg = {
		.listen = "127.0.0.1:0", .counters_fd = -1, .scorestats_fd = -1, .verdicts_fd = -1, .vfilter_fd = -1,
		.allow_fd = -1, .block_fd = -1, .threshold = 80,
	};
	struct bw_store_counters c;
	struct bw_api *api;
	pthread_t th;
	char err[256];
	double secs, t0, t1;
	int loaded;

	if (argc < 6) {
		fprintf(stderr, "usage: bench_api STORE TOKENS SECONDS idle|load CORPUS_FILE...\n");
		return 2;
	}
	secs = atof(argv[3]);
	if (secs <= 0 || secs > 30) {
		fprintf(stderr, "SECONDS: 0-30\n");
		return 2;
	}
	loaded = !strcmp(argv[4], "load");
	for (int i = 5; i < argc && nreqs < MAX_REQS; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (!f)
			continue;
		reqs[nreqs] = malloc(BW_SAMPLE_CAP);
		req_len[nreqs] = fread(reqs[nreqs], 1, BW_SAMPLE_CAP, f);
		fclose(f);
		nreqs++;
	}
	if (!nreqs) {
		fprintf(stderr, "no corpus files\n");
		return 2;
	}
	st = bw_store_open(argv[1], false, err, sizeof(err));
	if (!st || bw_store_writer_start(st, BW_STORE_QUEUE_DEFAULT)) {
		fprintf(stderr, "store: %s\n", err);
		return 1;
	}
	cfg.store_path = argv[1];
	cfg.tokens_path = argv[2];
	cfg.writer = st;
	api = bw_api_start(&cfg, err, sizeof(err));
	if (!api) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("port %u\n", bw_api_port(api));
	fflush(stdout);
	{
		struct sigaction sa = { .sa_handler = on_term };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
	}
	t0 = now_s();
	if (loaded)
		pthread_create(&th, NULL, load, NULL);
	while (!stop && now_s() - t0 < secs)
		usleep(50000);
	stop = 1;
	if (loaded)
		pthread_join(th, NULL);
	t1 = now_s();
	bw_api_stop(api);
	bw_store_get_counters(st, &c);
	printf("scored %llu in %.2f s = %.0f/s; rows written %llu, dropped %llu (queue %llu)\n",
	       scored, t1 - t0, (double)scored / (t1 - t0), (unsigned long long)c.written,
	       (unsigned long long)c.dropped, (unsigned long long)c.queue_cap);
	bw_store_close(st);
	return 0;
}
