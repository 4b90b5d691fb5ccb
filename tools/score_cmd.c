// SPDX-License-Identifier: GPL-2.0-only
/*
 * botwall score [FILE|-] [--src ADDR] [--syn TRAITS] [--json]: scores one raw
 * HTTP request offline with the daemon's own engine (user/engine.c) and
 * prints the decision with every flag's contribution. --config FILE adds
 * the daemon's policies (which one matched, its action, shadow or not);
 * --stats gives the source's request history for the behaviour score.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "behave.h"
#include "botwall_abi.h"
#include "config.h"
#include "policy.h"
#include "sites.h"
#include "engine.h"
#include "horder.h"
#include "names.h"
#include "p0f.h"
#include "score_cmd.h"
#include "uadb.h"

#define MAX_RANGES 64

static int add_range(struct bw_range *r, size_t *n, const char *arg, const char *opt)
{
	char err[256], buf[128];
	const char *eq = strchr(arg, '=');

	if (*n == MAX_RANGES || !eq || eq == arg || (size_t)(eq - arg) >= sizeof(r->tag) ||
	    strlen(eq + 1) >= sizeof(buf)) {
		fprintf(stderr, "botwall: error: %s '%s': expected TAG=PREFIX (at most %d)\n",
			opt, arg, MAX_RANGES);
		return -1;
	}
	snprintf(r[*n].tag, sizeof(r[*n].tag), "%.*s", (int)(eq - arg), arg);
	snprintf(buf, sizeof(buf), "%s", eq + 1);
	if (bw_parse_prefix(buf, &r[*n].pfx, err, sizeof(err))) {
		fprintf(stderr, "botwall: error: %s '%s': %s\n", opt, arg, err);
		return -1;
	}
	(*n)++;
	return 0;
}

/* "COUNT,SPAN_S,IAT_MEAN_MS,IAT_SD_MS" as the datapath would hold it. */
static int parse_stats(const char *arg, struct bw_src_stats *st)
{
	double count, span, mean, sd;
	char tail;

	if (sscanf(arg, "%lf,%lf,%lf,%lf%c", &count, &span, &mean, &sd, &tail) != 4 ||
	    count < 1 || count > 1e12 || span < 0 || span > 1e7 || mean < 0 || mean > 3.6e6 ||
	    sd < 0 || sd > 3.6e6)
		return -1;
	memset(st, 0, sizeof(*st));
	st->count = (uint64_t)count;
	st->first_ns = 1000000000ull;
	st->last_ns = st->first_ns + (uint64_t)(span * 1e9);
	st->iat_mean_us = (uint64_t)(mean * 1000.0);
	if (st->count > 2)
		st->iat_m2 = (uint64_t)(sd * 1000.0 * sd * 1000.0 * (double)(st->count - 2));
	return 0;
}

static void behave_json(cJSON *d, const struct bw_score *out, unsigned int pts)
{
	const struct bw_behave *b = &out->behave;
	cJSON *o;

	if (b->known)
		cJSON_AddNumberToObject(d, "bot_probability", b->prob / 100.0);
	else
		cJSON_AddNullToObject(d, "bot_probability");
	o = cJSON_AddObjectToObject(d, "behaviour");
	cJSON_AddStringToObject(o, "level", bw_behave_level_name(b->level));
	if (!b->known)
		cJSON_AddStringToObject(o, "reason", b->why ? b->why :
					"no per-source history (offline; see --stats)");
	cJSON_AddNumberToObject(o, "contribution", pts);
	if (b->have_stats) {
		cJSON_AddNumberToObject(o, "requests", (double)b->count);
		cJSON_AddNumberToObject(o, "span_s", b->span_s);
		cJSON_AddNumberToObject(o, "rate_per_s", b->rate);
		cJSON_AddNumberToObject(o, "iat_mean_ms", b->iat_mean_ms);
		if (b->cv >= 0)
			cJSON_AddNumberToObject(o, "iat_cv", b->cv);
		else
			cJSON_AddNullToObject(o, "iat_cv");
	}
	if (b->samples) {
		cJSON_AddNumberToObject(o, "sampled", b->samples);
		cJSON_AddNumberToObject(o, "distinct_paths", b->distinct);
		cJSON_AddBoolToObject(o, "distinct_paths_saturated", b->distinct_saturated);
		cJSON_AddNumberToObject(o, "static_share", b->static_share);
		cJSON_AddBoolToObject(o, "robots_txt", b->robots);
		cJSON_AddNumberToObject(o, "cookies_returned", b->cookie_later);
	}
}

int bw_cmd_score(int argc, char **argv, bool json, bool pretty)
{
	enum { O_SRC = 256, O_SYN, O_WEIGHTS, O_UAP, O_CRAWLERS, O_P0F, O_GOOD, O_REP, O_DST,
	       O_CONFIG, O_STATS };
	static const struct option opts[] = {
		{ "src", required_argument, NULL, O_SRC },
		{ "dst", required_argument, NULL, O_DST },
		{ "syn", required_argument, NULL, O_SYN },
		{ "json", no_argument, NULL, 'j' },
		{ "weights", required_argument, NULL, O_WEIGHTS },
		{ "uap", required_argument, NULL, O_UAP },
		{ "crawlers", required_argument, NULL, O_CRAWLERS },
		{ "p0f", required_argument, NULL, O_P0F },
		{ "good-bot", required_argument, NULL, O_GOOD },
		{ "reputation", required_argument, NULL, O_REP },
		{ "threshold", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "stats", required_argument, NULL, O_STATS },
		{}
	};
	static struct bw_range good[MAX_RANGES], rep[MAX_RANGES];
	struct bw_engine_opts eo = { 0 };
	struct bw_scorer sc;
	struct bw_score out;
	struct bw_score_ctx ctx = { 0 };
	struct bw_addr src, dst;
	struct bw_syn syn;
	struct bw_http_req req;
	enum bw_http_status st;
	static struct bw_settings cfg;
	struct bw_sites sites = { 0 };
	struct bw_src_stats sstats;
	struct bw_behave bh;
	struct bw_policy defpol;
	const struct bw_policy *pol = NULL;
	const char *config = NULL, *site = NULL;
	bool have_stats = false, shadow = false;
	size_t ngood = 0, nrep = 0, len;
	char err[512], warn[1536], *buf;
	const char *file = "-";
	FILE *f;
	int c;

	optind = 0; /* full re-init: main already ran getopt */
	while ((c = getopt_long(argc, argv, "jt:", opts, NULL)) != -1) {
		switch (c) {
		case O_SRC:
			if (bw_parse_addr(optarg, &src, err, sizeof(err)))
				return fprintf(stderr, "botwall: error: --src: %s\n", err), 2;
			ctx.src = &src;
			break;
		case O_DST:
			if (bw_parse_addr(optarg, &dst, err, sizeof(err)))
				return fprintf(stderr, "botwall: error: --dst: %s\n", err), 2;
			ctx.dst = &dst;
			break;
		case O_SYN:
			if (bw_syn_parse(optarg, &syn, err, sizeof(err)))
				return fprintf(stderr, "botwall: error: --syn: %s\n", err), 2;
			ctx.syn = &syn;
			break;
		case 'j': json = true; break;
		case 't': eo.deny = (unsigned int)atoi(optarg);
			if (eo.deny < 1 || eo.deny > 100)
				return fprintf(stderr, "botwall: error: --threshold: 1-100\n"), 2;
			break;
		case O_WEIGHTS: eo.weights = optarg; break;
		case O_UAP: eo.uap = optarg; break;
		case O_CRAWLERS: eo.crawlers = optarg; break;
		case O_P0F: eo.p0f = optarg; break;
		case O_GOOD: if (add_range(good, &ngood, optarg, "--good-bot")) return 2; break;
		case O_REP: if (add_range(rep, &nrep, optarg, "--reputation")) return 2; break;
		case O_CONFIG: config = optarg; break;
		case O_STATS:
			if (parse_stats(optarg, &sstats))
				return fprintf(stderr, "botwall: error: --stats '%s': expected "
					       "COUNT,SPAN_S,IAT_MEAN_MS,IAT_SD_MS\n", optarg), 2;
			have_stats = true;
			break;
		default: return 2;
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc)
		return fprintf(stderr, "botwall: error: score: unexpected argument '%s'\n", argv[optind]), 2;

	/* The daemon's config: its policies, verdict action and weights. */
	bw_settings_defaults(&cfg);
	if (config) {
		if (bw_config_load(&cfg, config, err, sizeof(err)))
			return fprintf(stderr, "botwall: error: %s\n", err), 2;
		if (!eo.weights && cfg.weights[0])
			eo.weights = cfg.weights;
		if (!eo.deny)
			eo.deny = cfg.threshold;
		if (cfg.sites[0] && bw_sites_load(cfg.sites, &sites, err, sizeof(err))) {
			bw_settings_free(&cfg);
			return fprintf(stderr, "botwall: error: %s\n", err), 2;
		}
	}

	f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	if (!f)
		return fprintf(stderr, "botwall: error: %s: cannot open\n", file), 1;
	/* What the datapath would see: at most BW_SAMPLE_CAP bytes. */
	buf = malloc(BW_SAMPLE_CAP);
	if (!buf)
		return 1;
	len = fread(buf, 1, BW_SAMPLE_CAP, f);
	if (f != stdin)
		fclose(f);

	if (bw_engine_open(&sc, &eo, err, sizeof(err), warn, sizeof(warn))) {
		free(buf);
		return fprintf(stderr, "botwall: error: %s\n", err), 1;
	}
	if (warn[0])
		fprintf(stderr, "botwall: warning: %s\n", warn);
	sc.good_bots = (struct bw_rangeset){ good, ngood };
	sc.reputation = (struct bw_rangeset){ rep, nrep };
	st = bw_http_parse(buf, len, &req);
	/* Behaviour as the daemon computes it: this request observed, the
	 * source's history from --stats (offline there is none otherwise). */
	{
		struct bw_behave_obs obs = { 0 };

		if (st == BW_HTTP_OK)
			bw_behave_observe(&obs, &req);
		bw_behave_score(have_stats ? &sstats : NULL, &obs, &bh);
		if (!have_stats)
			bh.why = "no per-source history offline (give --stats)";
		ctx.behave = &bh;
	}
	bw_score_full(&sc, &req, st, &ctx, &out);
	{
		const struct bw_slice *host = st == BW_HTTP_OK ? bw_http_get(&req, "Host") : NULL;
		struct bw_policy_input in = { .sc = &out };

		if (cfg.sites[0])
			site = bw_sites_match(&sites, host ? host->p : NULL, host ? host->len : 0);
		in.site = site;
		bw_policy_default(&defpol, cfg.verdict_action, cfg.verdict_rate, cfg.verdict_ttl);
		pol = bw_policy_match(cfg.policies, cfg.npolicies, &defpol, &in);
		shadow = pol && (pol->shadow || cfg.shadow);
	}

	if (json) {
		cJSON *d = cJSON_CreateObject(), *reasons = cJSON_AddArrayToObject(d, "reasons");
		char *s, code[8];

		cJSON_AddNumberToObject(d, "risk_score", out.score);
		cJSON_AddStringToObject(d, "severity", bw_severity_name(out.severity));
		cJSON_AddStringToObject(d, "status", bw_status_name(out.status));
		cJSON_AddBoolToObject(d, "bot", out.status == BW_STATUS_DENY || out.verified_bot);
		cJSON_AddStringToObject(d, "threat_profile", out.threat_profile);
		if (out.threat_category[0]) {
			cJSON *tc = cJSON_AddObjectToObject(d, "threat_category");

			cJSON_AddBoolToObject(tc, out.threat_category, 1);
		} else {
			cJSON_AddNullToObject(d, "threat_category");
		}
		behave_json(d, &out, out.behave_contrib);
		if (pol) {
			char act[32];

			cJSON_AddStringToObject(d, "policy_name", pol->name);
			if (pol->action == BW_PACT_RATE_LIMIT)
				snprintf(act, sizeof(act), "rate_limit:%u", pol->rate);
			else
				snprintf(act, sizeof(act), "%s", bw_pact_name(pol->action));
			cJSON_AddStringToObject(d, "action", act);
			if (pol->action != BW_PACT_ALLOW)
				cJSON_AddNumberToObject(d, "ttl", pol->ttl ? pol->ttl : cfg.verdict_ttl);
		} else {
			cJSON_AddNullToObject(d, "policy_name");
			cJSON_AddStringToObject(d, "action", "allow");
		}
		cJSON_AddBoolToObject(d, "shadow", shadow);
		cJSON_AddStringToObject(d, "shadow_mode", shadow ? "1" : "0"); /* seed 001 */
		cJSON_AddStringToObject(d, "device", out.device);
		cJSON_AddStringToObject(d, "header_fingerprint", out.horder);
		if (out.syn_class[0])
			cJSON_AddStringToObject(d, "syn_class", out.syn_class);
		else
			cJSON_AddNullToObject(d, "syn_class");
		cJSON_AddStringToObject(d, "context", out.trustworthy ? "trustworthy" : "plaintext");
		cJSON_AddBoolToObject(d, "truncated", out.truncated);
		if (out.bot[0]) {
			cJSON_AddStringToObject(d, "known_bot", out.bot);
			cJSON_AddStringToObject(d, "bot_category", bw_bot_cat_name(out.bot_cat));
		}
		cJSON_AddBoolToObject(d, "verified_bot", out.verified_bot);
		cJSON_AddBoolToObject(d, "strong_evidence", out.strong);
		if (st != BW_HTTP_OK)
			cJSON_AddStringToObject(d, "parse_error", bw_http_strerror(st));
		for (int i = 0; i < BW_FLAG__MAX; i++) {
			cJSON *r;

			if (!(out.flags & (1u << i)))
				continue;
			r = cJSON_CreateObject();
			bw_reason_code((unsigned int)i, code);
			cJSON_AddStringToObject(r, "code", code);
			cJSON_AddStringToObject(r, "flag", bw_flag_name((unsigned int)i));
			cJSON_AddNumberToObject(r, "id", i);
			cJSON_AddStringToObject(r, "group", bw_group_names[bw_flag_group[i]]);
			cJSON_AddNumberToObject(r, "weight", sc.w.w[i]);
			cJSON_AddNumberToObject(r, "contribution", out.contrib[i]);
			cJSON_AddStringToObject(r, "description", bw_flag_names[i].description);
			if (i == BW_FLAG_HEADER_ORDER_MISMATCH && out.why_order[0])
				cJSON_AddStringToObject(r, "detail", out.why_order);
			cJSON_AddItemToArray(reasons, r);
		}
		if (out.trust) {
			cJSON *r = cJSON_CreateObject();

			cJSON_AddStringToObject(r, "code", "TP001");
			cJSON_AddStringToObject(r, "flag", "profile_match");
			cJSON_AddStringToObject(r, "detail", bw_profiles[out.profile].name);
			cJSON_AddNumberToObject(r, "contribution", -(double)out.trust);
			cJSON_AddItemToArray(reasons, r);
		}
		if (out.behave_contrib) {
			cJSON *r = cJSON_CreateObject();

			cJSON_AddStringToObject(r, "code", "RB001");
			cJSON_AddStringToObject(r, "flag", "behaviour");
			cJSON_AddStringToObject(r, "group", "behaviour");
			cJSON_AddStringToObject(r, "detail", bw_behave_level_name(out.behave.level));
			cJSON_AddNumberToObject(r, "contribution", out.behave_contrib);
			cJSON_AddItemToArray(reasons, r);
		}
		s = pretty ? cJSON_Print(d) : cJSON_PrintUnformatted(d);
		if (s)
			puts(s);
		free(s);
		cJSON_Delete(d);
	} else {
		printf("status %s  score %u  severity %s  threat_profile %s  threat_category %s\n",
		       bw_status_name(out.status), out.score, bw_severity_name(out.severity),
		       out.threat_profile, out.threat_category[0] ? out.threat_category : "null");
		printf("device \"%s\"  header_fingerprint %s  syn_class %s  context %s%s\n",
		       out.device, out.horder[0] ? out.horder : "-",
		       out.syn_class[0] ? out.syn_class : "-",
		       out.trustworthy ? "trustworthy" : "plaintext",
		       out.truncated ? " (truncated head: missing_* suppressed)" : "");
		if (out.bot[0])
			printf("known bot \"%s\" (%s)%s\n", out.bot, bw_bot_cat_name(out.bot_cat),
			       out.verified_bot ? ", verified by address" : "");
		if (st != BW_HTTP_OK)
			printf("parse error: %s\n", bw_http_strerror(st));
		printf("%-7s %-28s %-13s %6s %6s\n", "code", "flag", "group", "weight", "points");
		for (int i = 0; i < BW_FLAG__MAX; i++) {
			char code[8];

			if (!(out.flags & (1u << i)))
				continue;
			bw_reason_code((unsigned int)i, code);
			printf("%-7s %-28s %-13s %6u %+6d%s%s\n", code, bw_flag_name((unsigned int)i),
			       bw_group_names[bw_flag_group[i]], sc.w.w[i], out.contrib[i],
			       i == BW_FLAG_HEADER_ORDER_MISMATCH ? "  " : "",
			       i == BW_FLAG_HEADER_ORDER_MISMATCH ? out.why_order : "");
		}
		if (out.trust)
			printf("%-7s %-28s %-13s %6s %+6d  %s\n", "TP001", "profile_match", "trust", "",
			       -(int)out.trust, bw_profiles[out.profile].name);
		if (out.behave_contrib)
			printf("%-7s %-28s %-13s %6s %+6d  bot probability %.2f (%s)\n", "RB001",
			       "behaviour", "behaviour", "", out.behave_contrib, out.behave.prob / 100.0,
			       bw_behave_level_name(out.behave.level));
		printf("evidence: %s (deny needs two groups or a deterministic flag, and score >= %u)\n",
		       out.strong ? "strong" : "weak", sc.w.deny);
		if (out.behave.known)
			printf("behaviour: bot probability %.2f (%s): %llu requests in %.1f s, %.2f/s, "
			       "inter-arrival cv %.2f\n", out.behave.prob / 100.0,
			       bw_behave_level_name(out.behave.level),
			       (unsigned long long)out.behave.count, out.behave.span_s, out.behave.rate,
			       out.behave.cv);
		else
			printf("behaviour: bot probability null (%s)\n",
			       out.behave.why ? out.behave.why : "unknown");
		if (pol)
			printf("policy %s -> %s%s\n", pol->name, bw_pact_name(pol->action),
			       shadow ? " (shadow: would be, nothing enforced)" : "");
		else
			printf("policy none -> allow\n");
	}
	bw_engine_close(&sc);
	bw_sites_free(&sites);
	bw_settings_free(&cfg);
	free(buf);
	return 0;
}
