// SPDX-License-Identifier: GPL-2.0-only
/*
 * Behaviour score (user/behave.c) on synthetic per-source statistics built
 * exactly as the datapath builds them (bw_welford_step on each
 * inter-arrival time), and synthetic sampled requests.
 */
#include <stdlib.h>

#include "behave.h"
#include "check.h"
#include "score.h"

#define MS 1000000ull   /* ns */

/* The datapath's update (bpf/botwall.bpf.c bw_src_stats_update). */
static void hit(struct bw_src_stats *st, uint64_t now)
{
	uint64_t x;

	if (!st->count) {
		st->count = 1;
		st->first_ns = st->last_ns = now;
		return;
	}
	x = now > st->last_ns ? (now - st->last_ns) / 1000 : 0;
	if (x > BW_IAT_CAP_US)
		x = BW_IAT_CAP_US;
	st->count++;
	st->last_ns = now;
	bw_welford_step(&st->iat_mean_us, &st->iat_m2, x, st->count - 1);
}

static void sample(struct bw_behave_obs *o, const char *head)
{
	struct bw_http_req req;

	CHECK_EQ(bw_http_parse(head, strlen(head), &req), BW_HTTP_OK);
	bw_behave_observe(o, &req);
}

/* A cron-like bot: every 100 ms exactly, 200 requests, the same URL. */
static void test_periodic_bot_high(void)
{
	struct bw_src_stats st = {};
	struct bw_behave b;
	uint64_t t = 1000 * MS;

	for (int i = 0; i < 200; i++, t += 100 * MS)
		hit(&st, t);
	bw_behave_score(&st, NULL, &b);
	CHECK(b.known);
	CHECK(b.cv >= 0 && b.cv < 0.01);
	CHECK(b.rate > 9.9 && b.rate < 10.1);
	CHECK(b.prob >= BW_BEHAVE_HIGH);
	CHECK_EQ(b.level, BW_BEHAVE_HI);
}

/* The same with a little jitter (+-5 ms) and sampled requests of a crawl:
 * every page new, no assets, robots.txt first. */
static void test_crawler_high(void)
{
	struct bw_src_stats st = {};
	struct bw_behave_obs o = {};
	struct bw_behave b;
	char head[256];
	uint64_t t = 5000 * MS;

	srand(7);
	sample(&o, "GET /robots.txt HTTP/1.1\r\nHost: shop.test\r\n\r\n");
	for (int i = 0; i < 60; i++) {
		hit(&st, t);
		t += (500 + (uint64_t)(rand() % 11) - 5) * MS;
		snprintf(head, sizeof(head), "GET /product/%d?ref=x HTTP/1.1\r\nHost: shop.test\r\n\r\n", i);
		sample(&o, head);
	}
	bw_behave_score(&st, &o, &b);
	CHECK(b.known && b.have_obs);
	CHECK(b.robots);
	CHECK(b.static_share < 0.01);
	CHECK(b.distinct_saturated);
	CHECK(b.prob >= BW_BEHAVE_HIGH);
}

/* A person: pages with 20 assets each fetched in a burst (~20 ms apart),
 * then 10-40 s of reading; cookies from the second request on. */
static void test_human_low(void)
{
	struct bw_src_stats st = {};
	struct bw_behave_obs o = {};
	struct bw_behave b;
	char head[256];
	uint64_t t = 1000 * MS;

	srand(11);
	for (int page = 0; page < 6; page++) {
		hit(&st, t);
		snprintf(head, sizeof(head), "GET /article/%d HTTP/1.1\r\nHost: news.test\r\n%s\r\n",
			 page, page ? "Cookie: sid=abc\r\n" : "");
		sample(&o, head);
		for (int a = 0; a < 20; a++) {
			static const char *const ext[] = { "css", "js", "png", "woff2" };

			t += (10 + (uint64_t)(rand() % 30)) * MS;
			hit(&st, t);
			snprintf(head, sizeof(head),
				 "GET /static/%d.%s HTTP/1.1\r\nHost: news.test\r\nCookie: sid=abc\r\n\r\n",
				 a, ext[a % 4]);
			sample(&o, head);
		}
		t += (10000 + (uint64_t)(rand() % 30000)) * MS;
	}
	bw_behave_score(&st, &o, &b);
	CHECK(b.known);
	CHECK(b.cv > 2);
	CHECK(b.static_share > 0.9);
	CHECK(b.cookie_later > 0);
	CHECK(b.prob < BW_BEHAVE_MODERATE);
	CHECK(b.prob <= 5);
	CHECK_EQ(b.level, BW_BEHAVE_LOW);
	/* the timing alone says human too */
	bw_behave_score(&st, NULL, &b);
	CHECK(b.known && b.prob < BW_BEHAVE_MODERATE);
}

/* A person reading slowly: one page every 5-60 s (irregular). */
static void test_slow_reader_low(void)
{
	struct bw_src_stats st = {};
	struct bw_behave b;
	uint64_t t = 1000 * MS;

	srand(3);
	for (int i = 0; i < 30; i++, t += (5000 + (uint64_t)(rand() % 55000)) * MS)
		hit(&st, t);
	bw_behave_score(&st, NULL, &b);
	CHECK(b.known);
	CHECK(b.prob < BW_BEHAVE_MODERATE);
}

/* Too little history: no value, a reason instead. */
static void test_insufficient_history(void)
{
	struct bw_src_stats st = {};
	struct bw_behave b;
	uint64_t t = 1000 * MS;

	bw_behave_score(NULL, NULL, &b);
	CHECK(!b.known && b.prob == 0 && b.why);
	/* one request: a single browser request is never a bot by behaviour */
	hit(&st, t);
	bw_behave_score(&st, NULL, &b);
	CHECK(!b.known && b.prob == 0 && strstr(b.why, "10 requests"));
	/* nine perfectly periodic requests: still nothing */
	for (int i = 0; i < 8; i++)
		hit(&st, t += 100 * MS);
	bw_behave_score(&st, NULL, &b);
	CHECK(!b.known && b.prob == 0);
	/* 50 requests within one second: too short */
	memset(&st, 0, sizeof(st));
	for (int i = 0; i < 50; i++)
		hit(&st, t += 10 * MS);
	bw_behave_score(&st, NULL, &b);
	CHECK(!b.known && strstr(b.why, "2 seconds"));
	CHECK_EQ(b.level, BW_BEHAVE_NONE);
}

static void test_static_paths(void)
{
	CHECK(bw_behave_is_static("/a/b.css", 8));
	CHECK(bw_behave_is_static("/f.WOFF2", 8));
	CHECK(!bw_behave_is_static("/index.html", 11));
	CHECK(!bw_behave_is_static("/js", 3));
	CHECK(!bw_behave_is_static("/a.css/x", 8));
	CHECK(!bw_behave_is_static("", 0));
}

/* Bounded table: capacity holds, eviction is counted, the least recently
 * seen entry of a set goes. */
static void test_table_bounded(void)
{
	struct bw_behave_table *t = bw_behave_table_new(64);
	struct bw_addr a = {};
	struct bw_behave_obs *o;
	size_t cap;

	CHECK(t);
	if (!t)
		return;
	cap = bw_behave_table_capacity(t);
	CHECK(cap >= 64 && cap <= 128);
	a.b[15] = 1;
	o = bw_behave_table_get(t, &a, 1);
	o->samples = 42;
	CHECK(bw_behave_table_find(t, &a) == o);
	for (uint32_t i = 2; i < 10000; i++) {
		struct bw_addr b = {};

		memcpy(b.b, &i, sizeof(i));
		bw_behave_table_get(t, &b, i);
		/* keep the first one recent */
		if (i % 2 == 0)
			CHECK(bw_behave_table_get(t, &a, i)->samples == 42);
	}
	CHECK(bw_behave_table_evictions(t) > 9000);
	CHECK(bw_behave_table_find(t, &a) && bw_behave_table_find(t, &a)->samples == 42);
	bw_behave_table_free(t);
}

/* In the score: behaviour is one group of its own. A high probability
 * with a curl request is a second independent group (deny); alone, with a
 * browser's full header profile, it reaches challenge, never deny. */
static void test_score_group(void)
{
	static const char curl[] = "GET / HTTP/1.1\r\nHost: shop.test\r\nUser-Agent: curl/7.88.1\r\n"
				   "Accept: */*\r\n\r\n";
	static const char chrome[] = "GET / HTTP/1.1\r\nHost: shop.test\r\nConnection: keep-alive\r\n"
		"Upgrade-Insecure-Requests: 1\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) "
		"AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
		"image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"
		"Accept-Encoding: gzip, deflate\r\nAccept-Language: en-US,en;q=0.9\r\n\r\n";
	struct bw_behave hi = { .known = true, .prob = 95, .level = BW_BEHAVE_HI };
	struct bw_behave mod = { .known = true, .prob = 75, .level = BW_BEHAVE_MOD };
	struct bw_behave low = { .known = true, .prob = 20, .level = BW_BEHAVE_LOW };
	struct bw_score_ctx ctx = { .behave = &hi };
	struct bw_http_req req;
	struct bw_score a, b;
	struct bw_weights w;

	bw_weights_default(&w);
	CHECK_EQ(bw_http_parse(chrome, sizeof(chrome) - 1, &req), BW_HTTP_OK);
	bw_score_full(NULL, &req, BW_HTTP_OK, NULL, &a);
	bw_score_full(NULL, &req, BW_HTTP_OK, &ctx, &b);
	CHECK_EQ(a.status, BW_STATUS_ALLOW);
	CHECK_EQ(b.behave_contrib, w.behave_high);
	CHECK(b.groups & (1u << BW_G_BEHAVIOUR));
	CHECK_EQ(b.raw, a.raw + w.behave_high);
	CHECK_EQ(b.score, a.raw + w.behave_high - b.trust);
	CHECK_EQ(b.status, BW_STATUS_CHALLENGE);
	CHECK(!b.strong);
	CHECK(!strcmp(b.threat_category, "BOT-BEHAVIOUR"));
	ctx.behave = &mod;
	bw_score_full(NULL, &req, BW_HTTP_OK, &ctx, &b);
	CHECK_EQ(b.behave_contrib, w.behave_moderate);
	ctx.behave = &low;
	bw_score_full(NULL, &req, BW_HTTP_OK, &ctx, &b);
	CHECK_EQ(b.behave_contrib, 0);
	CHECK_EQ(b.score, a.score);

	/* a tool's UA (identity) + behaviour: two groups, deny */
	CHECK_EQ(bw_http_parse(curl, sizeof(curl) - 1, &req), BW_HTTP_OK);
	ctx.behave = &hi;
	bw_score_full(NULL, &req, BW_HTTP_OK, &ctx, &b);
	CHECK(b.strong && b.status == BW_STATUS_DENY);
	CHECK(b.groups & (1u << BW_G_BEHAVIOUR));
}

int main(void)
{
	RUN(test_score_group);
	RUN(test_periodic_bot_high);
	RUN(test_crawler_high);
	RUN(test_human_low);
	RUN(test_slow_reader_low);
	RUN(test_insufficient_history);
	RUN(test_static_paths);
	RUN(test_table_bounded);
	return CHECK_EXIT();
}
