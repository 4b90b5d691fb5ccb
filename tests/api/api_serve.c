// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test harness for the API module: fills a store with fixture rows at
 * injected times (relative to now), applies retention, serves the API on
 * loopback until SIGTERM. Prints "port N" once listening.
 *   api_serve STORE TOKENS [--fixture]
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "names.h"
#include "store.h"

static volatile sig_atomic_t stop;

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static struct bw_hit hit(const char *site, const char *sid, const char *addr, int64_t ts,
			 int score, uint32_t flags, const char *ua, const char *cc)
{
	struct bw_hit h = {};

	h.ts_ms = ts;
	snprintf(h.site, sizeof(h.site), "%s", site);
	snprintf(h.addr, sizeof(h.addr), "%s", addr);
	snprintf(h.session_id, sizeof(h.session_id), "%s", sid);
	h.score = (uint8_t)score;
	h.flags = flags;
	snprintf(h.policy, sizeof(h.policy), "default");
	snprintf(h.action, sizeof(h.action), score >= 80 ? "block" : "allow");
	snprintf(h.user_agent, sizeof(h.user_agent), "%s", ua);
	snprintf(h.path, sizeof(h.path), "/");
	snprintf(h.country, sizeof(h.country), "%s", cc);
	return h;
}

#define F(x) (1u << BW_FLAG_##x)

static int fixture(struct bw_store *st, int64_t now)
{
	const int64_t D = BW_DAY_MS;
	/* "Today" rows stay on today's UTC date whatever the time of day. */
	const int64_t midnight = now - now % D, step = (now - midnight) / 8 + 1;
	const int64_t today = midnight + (now - midnight) / 2;
	const char *hl = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0";
	struct bw_hit h[] = {
		/* shop: a headless session today, 3 hits */
		hit("shop", "ses_a1b2c3", "192.0.2.10", today, 87,
		    F(HEADLESS_USER_AGENT) | F(MISSING_ACCEPT_LANGUAGE), hl, "ES"),
		hit("shop", "ses_a1b2c3", "192.0.2.10", today + step, 40,
		    F(MISSING_ACCEPT_LANGUAGE), hl, "ES"),
		hit("shop", "ses_a1b2c3", "192.0.2.10", today + 2 * step, 0, 0, hl, "ES"),
		/* shop: curl, 2 days ago, no country known */
		hit("shop", "ses_curl01", "198.51.100.5", now - 2 * D, 95,
		    F(KNOWN_BOT_PATTERN) | F(MISSING_ACCEPT_LANGUAGE), "curl/7.88.1", ""),
		/* shop: a browser, 10 days ago (outside the session window) */
		hit("shop", "ses_old999", "203.0.113.7", now - 10 * D, 70,
		    F(MISSING_SEC_FETCH), "Mozilla/5.0 Firefox/115.0", ""),
		/* shop: 20 days ago: removed by retention */
		hit("shop", "ses_gone00", "203.0.113.8", now - 20 * D, 99,
		    F(EMPTY_USER_AGENT), "", ""),
		/* another site */
		hit("blog", "ses_blog01", "192.0.2.99", today, 100,
		    F(KNOWN_BOT_PATTERN), "python-requests/2.31", "FR"),
	};

	if (bw_store_insert(st, h, sizeof(h) / sizeof(h[0])))
		return -1;
	return bw_store_retention(st, now) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct bw_api_config cfg = {
		.listen = "127.0.0.1:0", .counters_fd = -1, .scorestats_fd = -1, .verdicts_fd = -1, .vfilter_fd = -1,
		.allow_fd = -1, .block_fd = -1, .threshold = 80,
	};
	struct sigaction sa = { .sa_handler = on_sig };
	struct bw_store *st;
	struct bw_api *api;
	char err[256];

	if (argc < 3) {
		fprintf(stderr, "usage: api_serve STORE TOKENS [--fixture]\n");
		return 2;
	}
	st = bw_store_open(argv[1], false, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (argc > 3 && !strcmp(argv[3], "--fixture") && fixture(st, bw_realtime_ms())) {
		fprintf(stderr, "fixture failed\n");
		return 1;
	}
	bw_store_writer_start(st, 1024);
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
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop)
		pause();
	bw_api_stop(api);
	bw_store_close(st);
	return 0;
}
