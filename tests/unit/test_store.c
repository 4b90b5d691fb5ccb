// SPDX-License-Identifier: GPL-2.0-only
/* The store: retention with injected timestamps, the 7-day session window,
 * sites kept apart, session identity, rollups, the writer queue; sites and
 * tokens files. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "check.h"
#include "names.h"
#include "sites.h"
#include "store.h"

static char dir[] = "/tmp/bw-test-store-XXXXXX";
static int64_t NOW;

static struct bw_store *fresh(const char *name)
{
	char path[256], err[256];
	struct bw_store *st;

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	st = bw_store_open(path, false, err, sizeof(err));
	if (!st)
		printf("  open: %s\n", err);
	return st;
}

static struct bw_hit hit(const char *site, const char *sid, int64_t ts, int score, uint32_t flags)
{
	struct bw_hit h = {};

	h.ts_ms = ts;
	snprintf(h.site, sizeof(h.site), "%s", site);
	snprintf(h.addr, sizeof(h.addr), "192.0.2.7");
	snprintf(h.session_id, sizeof(h.session_id), "%s", sid);
	h.score = (uint8_t)score;
	h.flags = flags;
	snprintf(h.policy, sizeof(h.policy), "default");
	snprintf(h.action, sizeof(h.action), score >= 80 ? "block" : "allow");
	snprintf(h.user_agent, sizeof(h.user_agent), "agent-%s", sid);
	snprintf(h.path, sizeof(h.path), "/");
	return h;
}

static cJSON *sessions(struct bw_store *st, const char *site, int min)
{
	char err[256];
	cJSON *d = bw_store_sessions(st, site, min, 100, NOW, err, sizeof(err));

	if (!d)
		printf("  sessions: %s\n", err);
	return d;
}

static int n_sessions(struct bw_store *st, const char *site, int min)
{
	cJSON *d = sessions(st, site, min);
	int n = d ? cJSON_GetArraySize(cJSON_GetObjectItem(d, "data")) : -1;

	cJSON_Delete(d);
	return n;
}

static long total_hits(struct bw_store *st, const char *site, int days)
{
	char err[256];
	cJSON *d = bw_store_overview(st, site, days, NOW, err, sizeof(err));
	long n;

	if (!d)
		return -1;
	n = (long)cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "data"),
				"distribution"), "total_hits")->valuedouble;
	cJSON_Delete(d);
	return n;
}

static void test_retention(void)
{
	struct bw_store *st = fresh("retention");
	struct bw_hit h[3];

	CHECK(st);
	if (!st)
		return;
	h[0] = hit("s1", "ses_old", NOW - 15 * BW_DAY_MS, 90, 0);
	h[1] = hit("s1", "ses_edge", NOW - 14 * BW_DAY_MS + 60000, 90, 0);
	h[2] = hit("s1", "ses_new", NOW - 3600000, 90, 0);
	CHECK_EQ(bw_store_insert(st, h, 3), 0);
	CHECK_EQ(bw_store_retention(st, NOW), 1);
	/* Only the 15-day-old row went; the rollup keeps the day's counts. */
	CHECK_EQ(bw_store_retention(st, NOW), 0);
	CHECK_EQ(total_hits(st, "s1", 30), 3);
	/* An hour later than 14 days for the edge row: gone too. */
	CHECK_EQ(bw_store_retention(st, NOW + 2 * 60000), 1);
	/* Rollups older than 90 days go as well. */
	bw_store_retention(st, NOW + 100 * BW_DAY_MS);
	NOW += 100 * BW_DAY_MS;
	CHECK_EQ(total_hits(st, "s1", 90), 0);
	NOW -= 100 * BW_DAY_MS;
	bw_store_close(st);
}

static void test_session_window(void)
{
	struct bw_store *st = fresh("window");
	struct bw_hit h[3];
	cJSON *d, *s0;

	CHECK(st);
	if (!st)
		return;
	h[0] = hit("s1", "ses_a", NOW - 8 * BW_DAY_MS, 95, 1u << BW_FLAG_KNOWN_BOT_PATTERN);
	h[1] = hit("s1", "ses_a", NOW - 2 * BW_DAY_MS, 60, 1u << BW_FLAG_MISSING_ACCEPT_LANGUAGE);
	h[2] = hit("s1", "ses_b", NOW - 8 * BW_DAY_MS, 99, 0);
	CHECK_EQ(bw_store_insert(st, h, 3), 0);
	d = sessions(st, "s1", 50);
	CHECK(d);
	if (!d)
		goto out;
	/* ses_b is only older than 7 days; ses_a's old 95 does not count. */
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(d, "data")), 1);
	s0 = cJSON_GetArrayItem(cJSON_GetObjectItem(d, "data"), 0);
	CHECK(s0 && !strcmp(cJSON_GetObjectItem(s0, "session_id")->valuestring, "ses_a"));
	CHECK(s0 && cJSON_GetObjectItem(s0, "max_score")->valueint == 60);
	CHECK(s0 && cJSON_GetObjectItem(s0, "hit_count")->valueint == 1);
	CHECK(s0 && cJSON_GetArraySize(cJSON_GetObjectItem(s0, "flags")) == 1);
	CHECK(s0 && cJSON_IsNull(cJSON_GetObjectItem(s0, "country")));
	cJSON_Delete(d);
	CHECK_EQ(n_sessions(st, "s1", 61), 0);
out:
	bw_store_close(st);
}

static void test_sites_apart(void)
{
	struct bw_store *st = fresh("sites");
	struct bw_hit h[3];
	cJSON *d;

	CHECK(st);
	if (!st)
		return;
	h[0] = hit("shop", "ses_x", NOW - 1000, 85, 1u << BW_FLAG_HEADLESS_USER_AGENT);
	h[1] = hit("blog", "ses_x", NOW - 1000, 99, 1u << BW_FLAG_KNOWN_BOT_PATTERN);
	h[2] = hit("blog", "ses_y", NOW - 1000, 0, 0);
	CHECK_EQ(bw_store_insert(st, h, 3), 0);
	CHECK_EQ(n_sessions(st, "shop", 50), 1);
	CHECK_EQ(n_sessions(st, "blog", 50), 1);
	CHECK_EQ(n_sessions(st, "nosuch", 1), 0);
	CHECK_EQ(total_hits(st, "shop", 1), 1);
	CHECK_EQ(total_hits(st, "blog", 1), 2);
	d = sessions(st, "shop", 50);
	if (d) {
		cJSON *s0 = cJSON_GetArrayItem(cJSON_GetObjectItem(d, "data"), 0);

		CHECK_EQ(cJSON_GetObjectItem(s0, "max_score")->valueint, 85);
		CHECK(!strcmp(cJSON_GetArrayItem(cJSON_GetObjectItem(s0, "flags"), 0)->valuestring,
			      "headless_user_agent"));
	}
	cJSON_Delete(d);
	bw_store_close(st);
}

static void test_overview_shape(void)
{
	struct bw_store *st = fresh("overview");
	struct bw_hit h[4];
	char err[256];
	cJSON *d, *data, *dist, *tf, *tr, *last;

	CHECK(st);
	if (!st)
		return;
	h[0] = hit("s1", "a", NOW - 1000, 0, 0);
	h[1] = hit("s1", "b", NOW - 1000, 20, 1u << BW_FLAG_MISSING_ACCEPT_LANGUAGE);
	h[2] = hit("s1", "c", NOW - 1000, 90, (1u << BW_FLAG_MISSING_ACCEPT_LANGUAGE) |
		   (1u << BW_FLAG_KNOWN_BOT_PATTERN));
	h[3] = hit("s1", "c", NOW - BW_DAY_MS, 50, 0);
	CHECK_EQ(bw_store_insert(st, h, 4), 0);
	d = bw_store_overview(st, "s1", 7, NOW, err, sizeof(err));
	CHECK(d);
	if (!d)
		goto out;
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(d, "success")));
	data = cJSON_GetObjectItem(d, "data");
	dist = cJSON_GetObjectItem(data, "distribution");
	CHECK_EQ(cJSON_GetObjectItem(dist, "score_0")->valueint, 1);
	CHECK_EQ(cJSON_GetObjectItem(dist, "score_1_30")->valueint, 1);
	CHECK_EQ(cJSON_GetObjectItem(dist, "score_31_60")->valueint, 1);
	CHECK_EQ(cJSON_GetObjectItem(dist, "score_61_80")->valueint, 0);
	CHECK_EQ(cJSON_GetObjectItem(dist, "score_81_100")->valueint, 1);
	CHECK_EQ(cJSON_GetObjectItem(dist, "total_hits")->valueint, 4);
	CHECK_EQ(cJSON_GetObjectItem(dist, "avg_score")->valuedouble * 100, 4000);
	CHECK_EQ(cJSON_GetObjectItem(dist, "suspicious_percentage")->valuedouble * 100, 5000);
	tf = cJSON_GetObjectItem(data, "top_flags");
	CHECK_EQ(cJSON_GetArraySize(tf), 2);
	CHECK(!strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(tf, 0), "flag")->valuestring,
		      "missing_accept_language"));
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetArrayItem(tf, 0), "count")->valueint, 2);
	CHECK(!strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(tf, 0), "description")->valuestring,
		      "Request missing Accept-Language header"));
	tr = cJSON_GetObjectItem(data, "daily_trend");
	CHECK_EQ(cJSON_GetArraySize(tr), 7);
	last = cJSON_GetArrayItem(tr, 6);
	CHECK(!strcmp(cJSON_GetObjectItem(last, "date")->valuestring,
		      cJSON_GetObjectItem(data, "period_end")->valuestring));
	CHECK_EQ(cJSON_GetObjectItem(last, "total_hits")->valueint, 3);
	CHECK_EQ(cJSON_GetObjectItem(last, "suspicious_hits")->valueint, 1);
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetArrayItem(tr, 5), "suspicious_hits")->valueint, 1);
	cJSON_Delete(d);
	CHECK(!bw_store_overview(st, "s1", 0, NOW, err, sizeof(err)));
	CHECK(!bw_store_overview(st, "s1", 91, NOW, err, sizeof(err)));
out:
	bw_store_close(st);
}

static void parse(const char *text, struct bw_http_req *req)
{
	CHECK_EQ(bw_http_parse(text, strlen(text), req), BW_HTTP_OK);
}

static void test_session_identity(void)
{
	struct bw_store *st = fresh("identity");
	struct bw_http_req r1, r2, r3, r4;
	char a[24], b[24], c[24], d[24], e[24], f[24];

	CHECK(st);
	if (!st)
		return;
	parse("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: UA1\r\nCookie: theme=dark; PHPSESSID=abc123\r\n\r\n", &r1);
	parse("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: UA2\r\nCookie: PHPSESSID=abc123\r\n\r\n", &r2);
	parse("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: UA1\r\n\r\n", &r3);
	parse("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: UA2\r\n\r\n", &r4);
	/* The cookie identifies the session across addresses and agents. */
	bw_store_session_id(st, "s1", "192.0.2.1", &r1, true, a);
	bw_store_session_id(st, "s1", "198.51.100.9", &r2, true, b);
	CHECK(!strcmp(a, b));
	CHECK(!strncmp(a, "ses_", 4) && strlen(a) == 20);
	CHECK(!strstr(a, "abc123"));
	/* Without one: address + user agent. */
	bw_store_session_id(st, "s1", "192.0.2.1", &r3, true, c);
	bw_store_session_id(st, "s1", "192.0.2.1", &r4, true, d);
	bw_store_session_id(st, "s1", "192.0.2.2", &r3, true, e);
	CHECK(strcmp(c, d) && strcmp(c, e) && strcmp(c, a));
	bw_store_session_id(st, "s1", "192.0.2.1", &r3, true, f);
	CHECK(!strcmp(c, f));
	/* Sites are kept apart. */
	bw_store_session_id(st, "s2", "192.0.2.1", &r3, true, f);
	CHECK(strcmp(c, f));
	bw_store_close(st);
}

static void test_writer_queue(void)
{
	struct bw_store *st = fresh("writer");
	struct bw_store_counters c;
	struct bw_hit h = hit("s1", "ses_q", 0, 10, 0);
	int ok = 0;

	CHECK(st);
	if (!st)
		return;
	CHECK_EQ(bw_store_writer_start(st, 64), 0);
	h.ts_ms = bw_realtime_ms();
	/* 10000 rows at once into a 64-row queue: some are dropped and
	 * counted, none blocks. */
	for (int i = 0; i < 10000; i++)
		ok += bw_store_enqueue(st, &h);
	for (int i = 0; i < 200; i++) {
		bw_store_get_counters(st, &c);
		if (c.written == (uint64_t)ok)
			break;
		usleep(10000);
	}
	bw_store_get_counters(st, &c);
	CHECK_EQ(c.written, ok);
	CHECK_EQ(c.written + c.dropped, 10000);
	CHECK(c.dropped > 0);
	bw_store_close(st);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void test_sites_file(void)
{
	char path[256], err[256];
	struct bw_sites s = {};

	snprintf(path, sizeof(path), "%s/sites", dir);
	write_file(path, "# sites\nshop.test shop\n*.shop.test shop\n*.cdn.shop.test cdn\n"
		   "Blog.Test blog  # comment\n* other\n");
	CHECK_EQ(bw_sites_load(path, &s, err, sizeof(err)), 0);
	CHECK(!strcmp(bw_sites_match(&s, "shop.test", 9), "shop"));
	CHECK(!strcmp(bw_sites_match(&s, "WWW.Shop.Test:8080", 18), "shop"));
	CHECK(!strcmp(bw_sites_match(&s, "a.cdn.shop.test", 15), "cdn"));
	CHECK(!strcmp(bw_sites_match(&s, "blog.test.", 10), "blog"));
	CHECK(!strcmp(bw_sites_match(&s, "xshop.test", 10), "other"));
	CHECK(!strcmp(bw_sites_match(&s, NULL, 0), BW_SITE_DEFAULT));
	CHECK(!strcmp(bw_sites_match(NULL, "shop.test", 9), BW_SITE_DEFAULT));
	bw_sites_free(&s);

	write_file(path, "shop.test shop\nbad_host! x\n");
	CHECK_EQ(bw_sites_load(path, &s, err, sizeof(err)), -1);
	CHECK(strstr(err, ":2:") != NULL);
	write_file(path, "shop.test shop\n\nshop.test two\n");
	CHECK_EQ(bw_sites_load(path, &s, err, sizeof(err)), -1);
	CHECK(strstr(err, ":3:") != NULL);
	write_file(path, "shop.test bad/id\n");
	CHECK_EQ(bw_sites_load(path, &s, err, sizeof(err)), -1);
	CHECK(strstr(err, ":1: site id") != NULL);
}

static void test_tokens_file(void)
{
	char path[256], err[256];
	struct bw_tokens t = {};

	snprintf(path, sizeof(path), "%s/tokens", dir);
	write_file(path, "# tokens\nreadtoken-0123456789 read\ndecidetoken-0123456789 decide\n"
		   "admintoken-0123456789 admin\nboth-0123456789abcdef read,decide\n");
	CHECK_EQ(bw_tokens_load(path, &t, err, sizeof(err)), 0);
	CHECK_EQ(bw_tokens_check(&t, "readtoken-0123456789", 20), BW_SCOPE_READ);
	CHECK_EQ(bw_tokens_check(&t, "decidetoken-0123456789", 22), BW_SCOPE_DECIDE);
	CHECK_EQ(bw_tokens_check(&t, "admintoken-0123456789", 21),
		 BW_SCOPE_READ | BW_SCOPE_DECIDE | BW_SCOPE_ADMIN);
	CHECK_EQ(bw_tokens_check(&t, "both-0123456789abcdef", 21), BW_SCOPE_READ | BW_SCOPE_DECIDE);
	CHECK_EQ(bw_tokens_check(&t, "readtoken-012345678", 19), 0);
	CHECK_EQ(bw_tokens_check(&t, "readtoken-01234567890", 21), 0);
	CHECK_EQ(bw_tokens_check(&t, "", 0), 0);
	bw_tokens_free(&t);

	write_file(path, "readtoken-0123456789 read\nshort read\n");
	CHECK_EQ(bw_tokens_load(path, &t, err, sizeof(err)), -1);
	CHECK(strstr(err, ":2:") && !strstr(err, "short"));
	write_file(path, "readtoken-0123456789 write\n");
	CHECK_EQ(bw_tokens_load(path, &t, err, sizeof(err)), -1);
	CHECK(strstr(err, ":1: scopes") != NULL);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir)) {
		printf("FAIL store_tmpdir\n");
		return 1;
	}
	NOW = bw_realtime_ms();
	RUN(test_retention);
	RUN(test_session_window);
	RUN(test_sites_apart);
	RUN(test_overview_shape);
	RUN(test_session_identity);
	RUN(test_writer_queue);
	RUN(test_sites_file);
	RUN(test_tokens_file);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("  could not remove %s\n", dir);
	return CHECK_EXIT();
}
