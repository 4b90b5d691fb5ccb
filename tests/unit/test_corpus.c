// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scores every captured request in tests/corpus/ (real clients, see its
 * README) with the daemon's own parser and scorer:
 *   browser  -> score < 30 (never blocked)
 *   tool     -> score >= 50
 *   headless -> score >= 80 where the bytes can tell (HeadlessChrome/);
 *               a headless browser whose request is byte-identical to the
 *               headful one (Firefox) is skipped by name: headers cannot
 *               tell, behaviour must.
 */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "names.h"
#include "score.h"
#include "engine.h"

static struct bw_scorer engine; /* the daemon's engine, datasets included */

#define CORPUS_DIR "tests/corpus"

static int score_file(const char *file, struct bw_score *sc, char *body, size_t cap)
{
	char path[512];
	struct bw_http_req req;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), CORPUS_DIR "/%s", file);
	f = fopen(path, "rb");
	if (!f) {
		printf("  %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(body, 1, cap - 1, f);
	body[n] = 0;
	fclose(f);
	bw_score_full(&engine, &req, bw_http_parse(body, n, &req), NULL, sc);
	return 0;
}

static void flags_line(const struct bw_score *sc)
{
	for (int i = 0; i < BW_FLAG__MAX; i++)
		if (sc->flags & (1u << i))
			printf(" %s", bw_flag_name((unsigned int)i));
}

int main(void)
{
	FILE *m = fopen(CORPUS_DIR "/MANIFEST.tsv", "r");
	char line[2048], body[8192];
	int cases = 0;
	struct bw_engine_opts eo = { 0 };
	char err[512], warn[1536];

	if (bw_engine_open(&engine, &eo, err, sizeof(err), warn, sizeof(warn))) {
		printf("FAIL corpus: %s\n", err);
		return 1;
	}

	if (!m) {
		printf("FAIL corpus: cannot open " CORPUS_DIR "/MANIFEST.tsv: %s\n", strerror(errno));
		return 1;
	}
	if (!fgets(line, sizeof(line), m)) { /* header row */
		fclose(m);
		return 1;
	}
	while (fgets(line, sizeof(line), m)) {
		char *file = strtok(line, "\t"), *client = strtok(NULL, "\t");
		char *version = strtok(NULL, "\t"), *context = strtok(NULL, "\t");
		char *label = strtok(NULL, "\t\n");
		struct bw_score sc;
		bool ok;

		(void)client;
		(void)version;
		if (!file || !label || !context)
			continue;
		cases++;
		if (score_file(file, &sc, body, sizeof(body))) {
			printf("FAIL corpus/%s\n", file);
			check_any_failed = 1;
			continue;
		}
		if (!strcmp(label, "browser")) {
			/* The daemon's path for a first request: the source's stats
			 * hold this one request, the table this one sample. Behaviour
			 * has no value then and changes nothing. */
			struct bw_src_stats one = { .count = 1, .first_ns = 1, .last_ns = 1 };
			struct bw_behave_obs obs = { 0 };
			struct bw_behave bh;
			struct bw_score_ctx bctx = { .behave = &bh };
			struct bw_http_req req;
			struct bw_score sc2;
			enum bw_http_status hst = bw_http_parse(body, strlen(body), &req);

			if (hst == BW_HTTP_OK)
				bw_behave_observe(&obs, &req);
			bw_behave_score(&one, &obs, &bh);
			bw_score_full(&engine, &req, hst, &bctx, &sc2);
			/* and never denied; a full profile match, no header_order_mismatch */
			ok = sc.score < 30 && sc.status == BW_STATUS_ALLOW &&
			     !(sc.flags & (1u << BW_FLAG_HEADER_ORDER_MISMATCH)) && sc.trust > 0 &&
			     !bh.known && sc2.score == sc.score && sc2.status == sc.status;
		} else if (!strcmp(label, "tool")) {
			ok = sc.score >= 50 && sc.status != BW_STATUS_ALLOW &&
			     (sc.flags & (1u << BW_FLAG_KNOWN_BOT_PATTERN));
		} else if (!strcmp(label, "headless")) {
			if (!strstr(body, "Headless")) {
				printf("SKIP corpus/%s: headless request byte-identical to its headful "
				       "browser; only behaviour can tell\n", file);
				continue;
			}
			ok = sc.score >= 80 && sc.status == BW_STATUS_DENY &&
			     !strcmp(sc.threat_category, "BOT-HEADLESS");
		} else {
			printf("FAIL corpus/%s: unknown label '%s'\n", file, label);
			check_any_failed = 1;
			continue;
		}
		if (!ok) {
			printf("  %s (%s, %s) scored %u, flags:", file, label, context, sc.score);
			flags_line(&sc);
			printf("\n");
		}
		printf("%s corpus/%s\n", ok ? "PASS" : "FAIL", file);
		check_any_failed |= !ok;
	}
	fclose(m);
	if (cases < 10) {
		printf("FAIL corpus: only %d cases in the manifest\n", cases);
		return 1;
	}
	return CHECK_EXIT();
}
