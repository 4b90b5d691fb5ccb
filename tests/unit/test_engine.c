// SPDX-License-Identifier: GPL-2.0-only
/* The engine's added flags, datasets, cache, SYN classes, weights file. */
#include <stdlib.h>
#include <unistd.h>

#include "addr.h"
#include "check.h"
#include "engine.h"
#include "horder.h"
#include "names.h"
#include "p0f.h"
#include "score.h"
#include "uadb.h"

static struct bw_scorer S;
static bool have_uap, have_bots;

#define CHROME_WIN "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " \
		   "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
#define HAS(sc, f) (((sc).flags >> (f)) & 1u)

static struct bw_score run(const char *text, const struct bw_score_ctx *ctx)
{
	struct bw_http_req req;
	struct bw_score sc;

	bw_score_full(&S, &req, bw_http_parse(text, strlen(text), &req), ctx, &sc);
	return sc;
}

static void test_uap_device_name(void)
{
	struct bw_ua_result r;
	const char *ua = CHROME_WIN;

	if (!have_uap)
		SKIP("uap-core regexes.yaml not installed");
	bw_uadb_lookup(S.uadb, ua, strlen(ua), &r);
	CHECK(!strcmp(r.name, "Chrome on Windows 10"));
	CHECK(!strcmp(r.family, "Chrome"));
	CHECK(!r.spider);
	CHECK_EQ(r.bot_cat, BW_BOTCAT_NONE);
	ua = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
	bw_uadb_lookup(S.uadb, ua, strlen(ua), &r);
	CHECK(r.spider);
	CHECK_EQ(r.bot_cat, BW_BOTCAT_SEARCH);
}

static void test_bot_categories(void)
{
	static const struct { const char *ua; int cat; } cases[] = {
		{ "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)", BW_BOTCAT_AI_TRAINING },
		{ "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot", BW_BOTCAT_AI_ASSISTANT },
		{ "curl/7.88.1", BW_BOTCAT_LIBRARY },
		{ "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", BW_BOTCAT_SEO },
	};
	struct bw_ua_result r;

	if (!have_bots)
		SKIP("crawler-user-agents JSON not built (make data)");
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		bw_uadb_lookup(S.uadb, cases[i].ua, strlen(cases[i].ua), &r);
		if (r.bot_cat != cases[i].cat)
			printf("  %s -> %s\n", cases[i].ua, bw_bot_cat_name(r.bot_cat));
		CHECK_EQ(r.bot_cat, cases[i].cat);
	}
}

static void test_cache(void)
{
	struct bw_uadb_stats a, b;
	struct bw_ua_result r1, r2;
	char longua[400];

	bw_uadb_flush(S.uadb);
	bw_uadb_get_stats(S.uadb, &a);
	bw_uadb_lookup(S.uadb, CHROME_WIN, strlen(CHROME_WIN), &r1);
	bw_uadb_lookup(S.uadb, CHROME_WIN, strlen(CHROME_WIN), &r2);
	bw_uadb_get_stats(S.uadb, &b);
	CHECK_EQ(b.misses - a.misses, 1);
	CHECK_EQ(b.hits - a.hits, 1);
	CHECK(!r1.from_cache && r2.from_cache);
	CHECK(!strcmp(r1.name, r2.name));
	/* same hash slot, other key: never a wrong answer */
	bw_uadb_lookup(S.uadb, "curl/7.88.1", 11, &r2);
	CHECK(strcmp(r1.name, r2.name));
	memset(longua, 'A', sizeof(longua));
	bw_uadb_lookup(S.uadb, longua, sizeof(longua), &r2);
	bw_uadb_get_stats(S.uadb, &a);
	CHECK_EQ(a.uncacheable - b.uncacheable, 1);
}

/* Many more distinct user agents than the cache holds: bounded (a fixed
 * array), every replaced entry counted, the newest still answered from it,
 * answers unchanged. */
static void test_cache_overfill(void)
{
	struct bw_uadb_stats a, b;
	struct bw_ua_result r, fresh;
	const int n = 2 * BW_UA_CACHE_SLOTS;
	char ua[96];
	int len = 0;

	bw_uadb_flush(S.uadb);
	bw_uadb_get_stats(S.uadb, &a);
	for (int i = 0; i < n; i++) {
		len = snprintf(ua, sizeof(ua), "Mozilla/5.0 (compatible; FillBot/%d.%d)", i, i * 7);
		bw_uadb_lookup(S.uadb, ua, (size_t)len, &r);
	}
	bw_uadb_get_stats(S.uadb, &b);
	CHECK_EQ(b.misses - a.misses, n);
	CHECK_EQ(b.hits - a.hits, 0);
	/* at most BW_UA_CACHE_SLOTS lookups can land in an empty slot */
	CHECK(b.evictions - a.evictions >= (uint64_t)(n - BW_UA_CACHE_SLOTS));
	CHECK(b.evictions - a.evictions <= (uint64_t)n);
	bw_uadb_lookup(S.uadb, ua, (size_t)len, &r);   /* the last one: cached */
	CHECK(r.from_cache);
	snprintf(ua, sizeof(ua), "Mozilla/5.0 (compatible; FillBot/%d.%d)", 0, 0);
	bw_uadb_lookup(S.uadb, ua, strlen(ua), &r);
	bw_uadb_flush(S.uadb);
	bw_uadb_lookup(S.uadb, ua, strlen(ua), &fresh);
	CHECK(!strcmp(r.name, fresh.name) && r.bot_cat == fresh.bot_cat);
}

static void test_missing_dataset_falls_back(void)
{
	char warn[1024];
	struct bw_uadb *db = bw_uadb_open("/nonexistent/regexes.yaml", "/nonexistent.json",
					  warn, sizeof(warn));
	struct bw_ua_result r;

	CHECK(db != NULL);
	CHECK(strstr(warn, "/nonexistent/regexes.yaml") != NULL);
	CHECK(strstr(warn, "built-in") != NULL);
	bw_uadb_lookup(db, "python-requests/2.28.1", 21, &r);
	CHECK_EQ(r.bot_cat, BW_BOTCAT_LIBRARY);
	bw_uadb_close(db);
}

static void test_header_order_mismatch(void)
{
	/* Chrome UA with Firefox's order: fires, and says where */
	struct bw_score sc = run("GET / HTTP/1.1\r\nHost: www.shop.test\r\nUser-Agent: " CHROME_WIN "\r\n"
				 "Accept: text/html\r\nAccept-Language: en-US\r\n"
				 "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n"
				 "Upgrade-Insecure-Requests: 1\r\n\r\n", NULL);

	CHECK(HAS(sc, BW_FLAG_HEADER_ORDER_MISMATCH));
	CHECK(sc.why_order[0]);
	/* lower-case names from a client that claims Chrome on plaintext */
	sc = run("GET / HTTP/1.1\r\nhost: www.shop.test\r\nuser-agent: " CHROME_WIN "\r\n"
		 "accept-language: en\r\naccept-encoding: gzip, deflate\r\n\r\n", NULL);
	CHECK(HAS(sc, BW_FLAG_HEADER_ORDER_MISMATCH));
	/* must not: Chrome's order with Cookie and Referer inserted */
	sc = run("GET /a HTTP/1.1\r\nHost: www.shop.test\r\nConnection: keep-alive\r\n"
		 "Upgrade-Insecure-Requests: 1\r\nUser-Agent: " CHROME_WIN "\r\nAccept: text/html\r\n"
		 "Referer: http://www.shop.test/\r\nAccept-Encoding: gzip, deflate\r\n"
		 "Accept-Language: en-US\r\nCookie: a=b\r\n\r\n", NULL);
	CHECK(!HAS(sc, BW_FLAG_HEADER_ORDER_MISMATCH));
	CHECK(!strncmp(sc.horder, "ge11cr-en-", 10));
	CHECK(sc.trust > 0);
}

static void test_fingerprint_stable(void)
{
	struct bw_score a = run("GET / HTTP/1.1\r\nHost: a.test\r\nUser-Agent: x\r\nAccept-Language: de\r\n\r\n", NULL);
	struct bw_score b = run("GET /other HTTP/1.1\r\nHost: b.test\r\nUser-Agent: y\r\nAccept-Language: de-DE\r\nCookie: s=1\r\n\r\n", NULL);
	struct bw_score c = run("GET / HTTP/1.1\r\nhost: a.test\r\nUser-Agent: x\r\nAccept-Language: de\r\n\r\n", NULL);

	CHECK(!strcmp(a.horder + 10, b.horder + 10)); /* same names, same order */
	CHECK(strcmp(a.horder, c.horder));            /* case counts */
	CHECK_EQ(strlen(a.horder), 18);
}

static void test_tcp_os_mismatch(void)
{
	struct bw_syn linux_syn, win_syn;
	struct bw_score_ctx ctx = { 0 };
	struct bw_score sc;
	char err[256];
	const char *req = "GET / HTTP/1.1\r\nHost: www.shop.test\r\nConnection: keep-alive\r\n"
			  "Upgrade-Insecure-Requests: 1\r\nUser-Agent: " CHROME_WIN "\r\n"
			  "Accept: text/html\r\nAccept-Encoding: gzip, deflate\r\n"
			  "Accept-Language: en-US\r\n\r\n";

	if (!S.p0f)
		SKIP("p0f signatures not installed");
	CHECK_EQ(bw_syn_parse("4:57:0:1460:29200,7:mss,sok,ts,nop,ws:df,id+:0", &linux_syn, err, sizeof(err)), 0);
	CHECK_EQ(bw_syn_parse("4:120:0:1460:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0", &win_syn, err, sizeof(err)), 0);
	CHECK(bw_syn_parse("4:57:0:1460:x,7:mss:df:0", &win_syn, err, sizeof(err)) < 0);
	CHECK(bw_syn_parse("4:300:0:1460:8192,8:mss:df:0", &linux_syn, err, sizeof(err)) < 0);
	CHECK(strstr(err, "ttl") != NULL);
	bw_syn_parse("4:57:0:1460:29200,7:mss,sok,ts,nop,ws:df,id+:0", &linux_syn, err, sizeof(err));
	ctx.syn = &linux_syn;
	sc = run(req, &ctx);
	CHECK(HAS(sc, BW_FLAG_TCP_OS_MISMATCH));
	CHECK(strstr(sc.syn_class, "Linux") != NULL);
	CHECK(sc.status != BW_STATUS_DENY); /* moderate weight: proxies cause it too */
	bw_syn_parse("4:120:0:1460:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0", &win_syn, err, sizeof(err));
	ctx.syn = &win_syn;
	sc = run(req, &ctx);
	CHECK(!HAS(sc, BW_FLAG_TCP_OS_MISMATCH));
	CHECK(strstr(sc.syn_class, "Windows") != NULL);
}

/* The datapath's raw SYN traits become the same observed form (and the
 * same p0f class) as the text a p0f user would write. */
static void test_syn_from_datapath_traits(void)
{
	struct bw_syn_traits lt = { .ts_ns = 1, .window = 29200, .mss = 1460, .family = 4,
				    .ttl = 57, .wscale = 7, .has_wscale = 1, .nopts = 5,
				    .quirks = BW_SQ_DF | BW_SQ_ID_NZ, .opts = { 2, 4, 8, 1, 3 } };
	struct bw_syn_traits wt = { .ts_ns = 1, .window = 8192, .mss = 1460, .family = 4,
				    .ttl = 120, .wscale = 8, .has_wscale = 1, .nopts = 6,
				    .quirks = BW_SQ_DF | BW_SQ_ID_NZ, .opts = { 2, 1, 3, 1, 1, 4 } };
	struct bw_syn_traits odd = { .family = 6, .ttl = 64, .window = 1024, .nopts = 3,
				     .eol_pad = 2, .quirks = BW_SQ_FLOW | BW_SQ_ECN | BW_SQ_WS_BIG,
				     .wscale = 15, .has_wscale = 1, .opts = { 3, 77, 0 } };
	struct bw_syn s, back;
	struct bw_syn_class c;
	char text[256], err[256];

	bw_syn_from_traits(&lt, &s);
	bw_syn_format(&s, text, sizeof(text));
	CHECK_STR(text, "4:57:0:1460:29200,7:mss,sok,ts,nop,ws:df,id+:0");
	CHECK_EQ(bw_syn_parse(text, &back, err, sizeof(err)), 0);
	bw_syn_from_traits(&wt, &s);
	bw_syn_format(&s, text, sizeof(text));
	CHECK_STR(text, "4:120:0:1460:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0");
	bw_syn_from_traits(&odd, &s);
	bw_syn_format(&s, text, sizeof(text));
	CHECK_STR(text, "6:64:0:0:1024,14:ws,?77,eol+2:ecn,flow,exws:0");
	/* No DF and a zero IPv4 ID is p0f's id-. */
	lt.quirks = 0;
	bw_syn_from_traits(&lt, &s);
	CHECK_STR(s.quirks, "id-");
	if (!S.p0f)
		SKIP("p0f signatures not installed");
	lt.quirks = BW_SQ_DF | BW_SQ_ID_NZ;
	bw_syn_from_traits(&lt, &s);
	CHECK(bw_p0f_match(S.p0f, &s, &c) == 1 && !strcmp(c.os, "Linux"));
	bw_syn_from_traits(&wt, &s);
	CHECK(bw_p0f_match(S.p0f, &s, &c) == 1 && !strcmp(c.os, "Windows"));
}

static void test_bot_impersonation_and_reputation(void)
{
	struct bw_range good[1], rep[2];
	struct bw_addr in, out;
	struct bw_score_ctx ctx = { 0 };
	struct bw_score sc;
	char err[128];
	const char *gb = "GET / HTTP/1.1\r\nHost: www.shop.test\r\nUser-Agent: Mozilla/5.0 "
			 "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)\r\n"
			 "Accept: */*\r\nAccept-Encoding: gzip\r\n\r\n";

	bw_parse_prefix("192.0.2.0/24", &good[0].pfx, err, sizeof(err));
	strcpy(good[0].tag, "google");
	bw_parse_prefix("198.51.100.0/24", &rep[0].pfx, err, sizeof(err));
	strcpy(rep[0].tag, "tor");
	bw_parse_prefix("2001:db8::/32", &rep[1].pfx, err, sizeof(err));
	strcpy(rep[1].tag, "hosting");
	bw_parse_addr("192.0.2.7", &in, err, sizeof(err));
	bw_parse_addr("198.51.100.9", &out, err, sizeof(err));
	S.good_bots = (struct bw_rangeset){ good, 1 };
	S.reputation = (struct bw_rangeset){ rep, 2 };
	ctx.src = &out;
	sc = run(gb, &ctx);
	CHECK(HAS(sc, BW_FLAG_BOT_IMPERSONATION));
	CHECK(HAS(sc, BW_FLAG_IP_TOR));
	CHECK_EQ(sc.status, BW_STATUS_DENY);
	CHECK(!strcmp(sc.threat_category, "BOT-IMPERSONATION"));
	ctx.src = &in;
	sc = run(gb, &ctx);
	CHECK(!HAS(sc, BW_FLAG_BOT_IMPERSONATION));
	CHECK(sc.verified_bot);
	CHECK_EQ(sc.status, BW_STATUS_ALLOW);
	/* no ranges for the operator: cannot tell, must not fire */
	S.good_bots.n = 0;
	ctx.src = &out;
	sc = run(gb, &ctx);
	CHECK(!HAS(sc, BW_FLAG_BOT_IMPERSONATION));
	bw_parse_addr("2001:db8::5", &out, err, sizeof(err));
	sc = run(gb, &ctx);
	CHECK(HAS(sc, BW_FLAG_IP_HOSTING));
	S.good_bots.n = 0;
	S.reputation.n = 0;
}

static void test_grouping_and_deny_rule(void)
{
	/* curl: three flags, two groups; headers group damped */
	struct bw_score sc = run("GET / HTTP/1.1\r\nHost: www.shop.test\r\nUser-Agent: curl/7.88.1\r\n"
				 "Accept: */*\r\n\r\n", NULL);

	CHECK_EQ(sc.contrib[BW_FLAG_MISSING_ACCEPT_LANGUAGE], 25);
	CHECK(sc.contrib[BW_FLAG_INCOMPLETE_ACCEPT_ENCODING] < 15);
	CHECK(sc.score >= 80);
	CHECK_EQ(sc.status, BW_STATUS_DENY);
	CHECK(!strcmp(sc.threat_profile, "BOT"));
	/* one non-deterministic group alone never denies, however high */
	sc = run("GET / HTTP/1.1\r\nHost: www.shop.test\r\nUser-Agent: " CHROME_WIN "\r\n"
		 "Accept-Language: en\r\nAccept-Encoding: gzip, deflate, br\r\n"
		 "sec-ch-ua-platform: \"Linux\"\r\nsec-ch-ua-mobile: ?1\r\n\r\n", NULL);
	CHECK(sc.groups == (1u << BW_G_CONSISTENCY));
	CHECK(sc.status != BW_STATUS_DENY);
}

static void test_weights_file(void)
{
	char path[] = "/tmp/bw-weights-XXXXXX", err[256];
	struct bw_weights w;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, "# comment\nweight known_bot_pattern 70\ncap headers 20\ndamping 0\ndeny 90\n");
	fclose(f);
	bw_weights_default(&w);
	CHECK_EQ(bw_weights_load(path, &w, err, sizeof(err)), 0);
	CHECK_EQ(w.w[BW_FLAG_KNOWN_BOT_PATTERN], 70);
	CHECK_EQ(w.cap[BW_G_HEADERS], 20);
	CHECK_EQ(w.deny, 90);
	f = fopen(path, "w");
	fprintf(f, "weight known_bot_pattern 70\nweight no_such_flag 3\n");
	fclose(f);
	bw_weights_default(&w);
	CHECK(bw_weights_load(path, &w, err, sizeof(err)) < 0);
	CHECK(strstr(err, ":2: unknown flag 'no_such_flag'") != NULL);
	CHECK_EQ(w.w[BW_FLAG_KNOWN_BOT_PATTERN], 55); /* old state kept */
	f = fopen(path, "w");
	fprintf(f, "damping 101\n");
	fclose(f);
	CHECK(bw_weights_load(path, &w, err, sizeof(err)) < 0);
	CHECK(strstr(err, ":1:") != NULL);
	unlink(path);
}

static void test_p0f_bad_file(void)
{
	char path[] = "/tmp/bw-p0f-XXXXXX", err[256];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, "[tcp:request]\nlabel = s:unix:Linux:3.x\nsig = *:64:0:*:mss*20,10:mss:df\n");
	fclose(f);
	CHECK(bw_p0f_load(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, ":3: sig") != NULL);
	unlink(path);
}

int main(void)
{
	struct bw_engine_opts o = { 0 };
	struct bw_uadb_stats st;
	char err[512], warn[1536];

	if (bw_engine_open(&S, &o, err, sizeof(err), warn, sizeof(warn))) {
		printf("FAIL engine_open: %s\n", err);
		return 1;
	}
	if (warn[0])
		printf("  note: %s\n", warn);
	bw_uadb_get_stats(S.uadb, &st);
	have_uap = st.have_uap;
	have_bots = st.have_bots;
	RUN(test_uap_device_name);
	RUN(test_bot_categories);
	RUN(test_cache);
	RUN(test_cache_overfill);
	RUN(test_missing_dataset_falls_back);
	RUN(test_header_order_mismatch);
	RUN(test_fingerprint_stable);
	RUN(test_tcp_os_mismatch);
	RUN(test_syn_from_datapath_traits);
	RUN(test_bot_impersonation_and_reputation);
	RUN(test_grouping_and_deny_rule);
	RUN(test_weights_file);
	RUN(test_p0f_bad_file);
	bw_engine_close(&S);
	return CHECK_EXIT();
}
