// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the flags and the score, one context at a time. */
#include "check.h"
#include "names.h"
#include "score.h"

#define CHROME_UA "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " \
		  "Chrome/120.0.0.0 Safari/537.36"
#define WIN_CHROME_UA "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " \
		      "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

/* What Chrome sends to a plain http:// named host: no Sec-Fetch-*, no
 * client hints, Accept-Encoding without br/zstd. */
#define CHROME_PLAIN \
	"GET / HTTP/1.1\r\nHost: www.shop.test\r\nConnection: keep-alive\r\n" \
	"Upgrade-Insecure-Requests: 1\r\nUser-Agent: " CHROME_UA "\r\n" \
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" \
	"Accept-Encoding: gzip, deflate\r\nAccept-Language: en-US,en;q=0.9\r\n\r\n"

static struct bw_score score_of(const char *req_text)
{
	struct bw_http_req req;
	struct bw_score sc;
	enum bw_http_status st = bw_http_parse(req_text, strlen(req_text), &req);

	bw_score_request(&req, st, &sc);
	return sc;
}

#define HAS(sc, f) (((sc).flags >> (f)) & 1u)

static void test_curl_plaintext(void)
{
	struct bw_score sc = score_of("GET / HTTP/1.1\r\nHost: www.shop.test\r\n"
				      "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n");

	CHECK(HAS(sc, BW_FLAG_KNOWN_BOT_PATTERN));
	CHECK(HAS(sc, BW_FLAG_MISSING_ACCEPT_LANGUAGE));
	CHECK(HAS(sc, BW_FLAG_INCOMPLETE_ACCEPT_ENCODING));
	CHECK(!HAS(sc, BW_FLAG_MISSING_SEC_FETCH));    /* not a browser claim */
	CHECK(sc.score >= 80);
	CHECK_EQ(sc.top_flag, BW_FLAG_KNOWN_BOT_PATTERN);
	CHECK(!sc.trustworthy);
}

static void test_python_requests(void)
{
	struct bw_score sc = score_of("GET / HTTP/1.1\r\nHost: www.shop.test\r\n"
				      "User-Agent: python-requests/2.28.1\r\n"
				      "Accept-Encoding: gzip, deflate\r\nAccept: */*\r\n"
				      "Connection: keep-alive\r\n\r\n");

	CHECK(HAS(sc, BW_FLAG_KNOWN_BOT_PATTERN));
	CHECK(HAS(sc, BW_FLAG_MISSING_ACCEPT_LANGUAGE));
	CHECK(!HAS(sc, BW_FLAG_INCOMPLETE_ACCEPT_ENCODING));
	CHECK(sc.score >= 80);
}

static void test_chrome_plaintext_is_clean(void)
{
	struct bw_score sc = score_of(CHROME_PLAIN);

	CHECK_EQ(sc.flags, 0);
	CHECK_EQ(sc.score, 0);
	CHECK_EQ(sc.ua.browser, BW_BROWSER_CHROMIUM);
	CHECK_EQ(sc.ua.major, 120);
}

static void test_chrome_localhost_needs_secure_headers(void)
{
	struct bw_score sc = score_of(
		"GET / HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: " CHROME_UA "\r\n"
		"Accept: text/html\r\nAccept-Encoding: gzip, deflate\r\n"
		"Accept-Language: en-US\r\n\r\n");

	CHECK(sc.trustworthy);
	CHECK(HAS(sc, BW_FLAG_MISSING_SEC_FETCH));
	CHECK(HAS(sc, BW_FLAG_MISSING_CLIENT_HINTS));
	CHECK(HAS(sc, BW_FLAG_INCOMPLETE_ACCEPT_ENCODING)); /* no br at a secure origin */
	CHECK(!HAS(sc, BW_FLAG_SECURE_HEADERS_ON_PLAINTEXT));
}

static void test_chrome_localhost_complete_is_clean(void)
{
	struct bw_score sc = score_of(
		"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		"sec-ch-ua: \"Chromium\";v=\"120\"\r\nsec-ch-ua-mobile: ?0\r\n"
		"sec-ch-ua-platform: \"Linux\"\r\nUser-Agent: " CHROME_UA "\r\n"
		"Sec-Fetch-Site: none\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-User: ?1\r\n"
		"Sec-Fetch-Dest: document\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
		"Accept-Language: en-US\r\n\r\n");

	CHECK(sc.trustworthy);
	CHECK_EQ(sc.flags, 0);
}

static void test_replayed_secure_headers_on_plaintext(void)
{
	struct bw_score sc = score_of(
		"GET / HTTP/1.1\r\nHost: www.shop.test\r\nUser-Agent: " CHROME_UA "\r\n"
		"Sec-Fetch-Mode: navigate\r\nSec-Fetch-Site: none\r\nSec-Fetch-Dest: document\r\n"
		"Accept-Encoding: gzip, deflate, br\r\nAccept-Language: en\r\n\r\n");

	CHECK(HAS(sc, BW_FLAG_SECURE_HEADERS_ON_PLAINTEXT));
	CHECK(!HAS(sc, BW_FLAG_SEC_FETCH_INCONSISTENT));
}

static void test_headless(void)
{
	struct bw_score sc = score_of(
		"GET / HTTP/1.1\r\nHost: www.shop.test\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) "
		"AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36\r\n"
		"Accept-Encoding: gzip, deflate\r\nAccept-Language: en-US\r\n\r\n");

	CHECK(HAS(sc, BW_FLAG_HEADLESS_USER_AGENT));
	CHECK(sc.score >= 80);
}

static void test_empty_and_missing_user_agent(void)
{
	struct bw_score sc = score_of("GET / HTTP/1.1\r\nHost: a.test\r\nUser-Agent:\r\n\r\n");

	CHECK(HAS(sc, BW_FLAG_EMPTY_USER_AGENT));
	sc = score_of("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
	CHECK(HAS(sc, BW_FLAG_EMPTY_USER_AGENT));
}

static void test_truncated_suppresses_missing_flags(void)
{
	/* no blank line: what is missing may be after the cut */
	struct bw_score sc = score_of("GET / HTTP/1.1\r\nHost: a.test\r\nUser-Agent: curl/8.0\r\n");

	CHECK(sc.truncated);
	CHECK(HAS(sc, BW_FLAG_KNOWN_BOT_PATTERN));
	CHECK(!HAS(sc, BW_FLAG_MISSING_ACCEPT_LANGUAGE));
	CHECK(!HAS(sc, BW_FLAG_INCOMPLETE_ACCEPT_ENCODING));
	sc = score_of("GET / HTTP/1.1\r\nHost: a.test\r\n");
	CHECK(!HAS(sc, BW_FLAG_EMPTY_USER_AGENT));
}

static void test_platform_and_mobile_mismatch(void)
{
	struct bw_score sc = score_of(
		"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " WIN_CHROME_UA "\r\n"
		"sec-ch-ua: \"Chromium\";v=\"120\"\r\nsec-ch-ua-mobile: ?1\r\n"
		"sec-ch-ua-platform: \"Linux\"\r\nSec-Fetch-Mode: navigate\r\n"
		"Accept-Encoding: gzip, br\r\nAccept-Language: en\r\n\r\n");

	CHECK(HAS(sc, BW_FLAG_PLATFORM_MISMATCH));
	CHECK(HAS(sc, BW_FLAG_MOBILE_MISMATCH));
}

static void test_sec_fetch_inconsistent(void)
{
	struct bw_score sc = score_of(
		"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " CHROME_UA "\r\n"
		"Sec-Fetch-Mode: cors\r\nSec-Fetch-User: ?1\r\nSec-Fetch-Dest: document\r\n"
		"Accept-Encoding: gzip, br\r\nAccept-Language: en\r\n\r\n");

	CHECK(HAS(sc, BW_FLAG_SEC_FETCH_INCONSISTENT));
}

static void test_malformed(void)
{
	struct bw_score sc = score_of("GET / HTTP/1.1\r\nBroken header\r\n\r\n");

	CHECK(HAS(sc, BW_FLAG_MALFORMED_REQUEST));
	CHECK(sc.score > 0);
}

static void test_suspicious_user_agent(void)
{
	struct bw_score sc = score_of("GET / HTTP/1.1\r\nHost: a.test\r\n"
				      "User-Agent: () { :; }; /bin/bash -c id\r\n"
				      "Accept-Language: en\r\nAccept-Encoding: gzip\r\n\r\n");

	CHECK(HAS(sc, BW_FLAG_SUSPICIOUS_USER_AGENT));
	/* an ancient Chrome is a common scraper disguise */
	sc = score_of("GET / HTTP/1.1\r\nHost: a.test\r\nUser-Agent: Mozilla/5.0 (Windows NT 6.1) "
		      "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36\r\n"
		      "Accept-Language: en\r\nAccept-Encoding: gzip\r\n\r\n");
	CHECK(HAS(sc, BW_FLAG_SUSPICIOUS_USER_AGENT));
}

static void test_buckets_and_names(void)
{
	CHECK_EQ(bw_score_bucket(0), BW_BUCKET_0);
	CHECK_EQ(bw_score_bucket(1), BW_BUCKET_1_30);
	CHECK_EQ(bw_score_bucket(30), BW_BUCKET_1_30);
	CHECK_EQ(bw_score_bucket(31), BW_BUCKET_31_60);
	CHECK_EQ(bw_score_bucket(80), BW_BUCKET_61_80);
	CHECK_EQ(bw_score_bucket(81), BW_BUCKET_81_100);
	CHECK_EQ(bw_score_bucket(100), BW_BUCKET_81_100);
	for (int i = 0; i < BW_FLAG__MAX; i++) {
		CHECK(bw_flag_names[i].name && bw_flag_names[i].description);
		CHECK(bw_flag_weight_default[i] > 0);
		CHECK_EQ(bw_flag_by_name(bw_flag_names[i].name), i);
	}
	for (int i = 0; i < BW_CNT__MAX; i++)
		CHECK(bw_counter_names[i].name && bw_counter_names[i].outcome);
}

int main(void)
{
	RUN(test_curl_plaintext);
	RUN(test_python_requests);
	RUN(test_chrome_plaintext_is_clean);
	RUN(test_chrome_localhost_needs_secure_headers);
	RUN(test_chrome_localhost_complete_is_clean);
	RUN(test_replayed_secure_headers_on_plaintext);
	RUN(test_headless);
	RUN(test_empty_and_missing_user_agent);
	RUN(test_truncated_suppresses_missing_flags);
	RUN(test_platform_and_mobile_mismatch);
	RUN(test_sec_fetch_inconsistent);
	RUN(test_malformed);
	RUN(test_suspicious_user_agent);
	RUN(test_buckets_and_names);
	return CHECK_EXIT();
}
