// SPDX-License-Identifier: GPL-2.0-only
/* Policies (user/policy.c): parsing with precise errors, the config key
 * (file:line), matching order and the implicit default. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "ltable.h"
#include "policy.h"

static int parse(const char *t, struct bw_policy *p, char *err, size_t n)
{
	err[0] = 0;
	return bw_policy_parse(t, p, err, n);
}

static void test_parse_ok(void)
{
	struct bw_policy p;
	char err[256], buf[512];

	CHECK_EQ(parse("ai: botcat=ai_training and !verified -> block ttl=3600", &p, err, sizeof(err)), 0);
	CHECK(!strcmp(p.name, "ai"));
	CHECK_EQ(p.ncond, 2);
	CHECK_EQ(p.cond[0].kind, BW_PC_BOTCAT);
	CHECK(p.cond[1].neg && p.cond[1].kind == BW_PC_VERIFIED);
	CHECK_EQ(p.action, BW_PACT_BLOCK);
	CHECK_EQ(p.ttl, 3600);
	CHECK(!p.shadow);

	CHECK_EQ(parse(" slow-down :score>=50 bot>=0.9 list=hosting -> rate_limit:20 shadow",
		       &p, err, sizeof(err)), 0);
	CHECK(!strcmp(p.name, "slow-down"));
	CHECK_EQ(p.cond[1].v, 90);
	CHECK_EQ(p.cond[2].v, BW_LCAT_HOSTING);
	CHECK_EQ(p.action, BW_PACT_RATE_LIMIT);
	CHECK_EQ(p.rate, 20);
	CHECK(p.shadow);
	/* round trip */
	bw_policy_format(&p, buf, sizeof(buf));
	CHECK(!strcmp(buf, "slow-down: score>=50 bot>=0.90 list=hosting -> rate_limit:20 shadow"));

	CHECK_EQ(parse("watch: any -> monitor", &p, err, sizeof(err)), 0);
	CHECK_EQ(p.cond[0].kind, BW_PC_ANY);
	CHECK_EQ(parse("t: flag=headless_user_agent status=deny site=shop -> reset", &p, err,
		       sizeof(err)), 0);
	CHECK_EQ(p.action, BW_PACT_RESET);
	CHECK_EQ(parse("g: group=behaviour score<30 -> allow", &p, err, sizeof(err)), 0);
	CHECK_EQ(p.cond[0].v, BW_G_BEHAVIOUR);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "no arrow here", "NAME: CONDITIONS -> ACTION" },
		{ ": any -> block", "name" },
		{ "bad name: any -> block", "name 'bad name'" },
		{ "default: any -> block", "implicit last policy" },
		{ "x: -> block", "no condition" },
		{ "x: scor>=5 -> block", "condition 'scor>=5': unknown" },
		{ "x: score>=101 -> block", "condition 'score>=101'" },
		{ "x: bot>=1.5 -> block", "bot probability" },
		{ "x: bot>=0 -> block", "bot probability" },
		{ "x: flag=nope -> block", "unknown flag" },
		{ "x: list=tour -> block", "unknown list category" },
		{ "x: status=maybe -> block", "status=allow" },
		{ "x: site=a/b -> block", "site id" },
		{ "x: any -> blok", "action 'blok'" },
		{ "x: any -> rate_limit:fast", "rate_limit:PPS" },
		{ "x: any -> block ttl=0", "ttl=SEC" },
		{ "x: any -> allow ttl=60", "no meaning" },
		{ "x: any -> block forever", "option 'forever'" },
		{ "x: any any any any any any any any any -> block", "at most 8" },
	};
	struct bw_policy p;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].text, &p, err, sizeof(err));

		if (rc != -1 || !strstr(err, bad[i].want)) {
			printf("  '%s' -> rc %d err '%s' (want '%s')\n", bad[i].text, rc, err, bad[i].want);
			check_case_failed = 1;
		}
	}
}

/* The config key: file:line and the field in the error, the old settings
 * kept; repeated keys in order; shadow. */
static void test_config_key(void)
{
	char path[] = "/tmp/bw-test-policy-XXXXXX", err[512];
	struct bw_settings s;
	FILE *f;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fprintf(f, "iface = lo\n# comment\npolicy = a: flag=known_bot_pattern -> monitor\n"
		   "policy = b: score>=50 -> rate_limit:5 ttl=30\nshadow = yes\n");
	fclose(f);
	bw_settings_defaults(&s);
	CHECK_EQ(bw_config_load(&s, path, err, sizeof(err)), 0);
	CHECK_EQ(s.npolicies, 2);
	CHECK(!strcmp(s.policies[0].name, "a") && !strcmp(s.policies[1].name, "b"));
	CHECK(s.shadow);

	f = fopen(path, "w");
	fprintf(f, "policy = c: any -> block\n\npolicy = d: lst=tor -> block\n");
	fclose(f);
	CHECK_EQ(bw_config_load(&s, path, err, sizeof(err)), -1);
	CHECK(strstr(err, ":3: policy: condition 'lst=tor'") != NULL);
	if (!strstr(err, ":3: policy:"))
		printf("  err: %s\n", err);
	/* unchanged */
	CHECK_EQ(s.npolicies, 2);
	CHECK(!strcmp(s.policies[0].name, "a"));

	f = fopen(path, "w");
	fprintf(f, "policy = c: any -> block\npolicy = c: any -> allow\n");
	fclose(f);
	CHECK_EQ(bw_config_load(&s, path, err, sizeof(err)), -1);
	CHECK(strstr(err, ":2: policy: name 'c' used twice") != NULL);
	bw_settings_free(&s);
	unlink(path);
}

static void test_match_order_default(void)
{
	struct bw_policy p[3], def;
	struct bw_score sc = {};
	uint8_t cats[3] = { BW_LCAT_BLOCKLIST, BW_LCAT_TOR, BW_LCAT_HOSTING };
	struct bw_policy_input in = { .sc = &sc, .list_cat = cats, .nlists = 3, .site = "shop" };
	char err[256];
	const struct bw_policy *m;

	CHECK_EQ(parse("tor: list=tor score>=30 -> block ttl=60", &p[0], err, sizeof(err)), 0);
	CHECK_EQ(parse("bots: bot>=0.90 -> rate_limit:10", &p[1], err, sizeof(err)), 0);
	CHECK_EQ(parse("shop-watch: site=shop flag=known_bot_pattern -> monitor shadow", &p[2], err,
		       sizeof(err)), 0);
	bw_policy_default(&def, BW_ACT_RESET, 0, 600);
	CHECK(!strcmp(def.name, "default") && def.action == BW_PACT_RESET && def.ttl == 600);

	/* nothing matches an allowed request: no policy */
	sc.score = 10;
	CHECK(bw_policy_match(p, 3, &def, &in) == NULL);
	/* deny with strong evidence: the default */
	sc.score = 85;
	sc.status = BW_STATUS_DENY;
	CHECK(bw_policy_match(p, 3, &def, &in) == &def);
	/* tor list (id 1) and score: the first policy, even though the default would too */
	in.list_mask = 1u << 1;
	CHECK(bw_policy_match(p, 3, &def, &in) == &p[0]);
	in.list_mask = 1u << 2; /* hosting */
	CHECK(bw_policy_match(p, 3, &def, &in) == &def);
	/* unknown behaviour never matches bot>= */
	sc.status = BW_STATUS_ALLOW;
	sc.score = 20;
	sc.behave.known = false;
	sc.behave.prob = 0;
	CHECK(bw_policy_match(p, 3, &def, &in) == NULL);
	sc.behave.known = true;
	sc.behave.prob = 89;
	CHECK(bw_policy_match(p, 3, &def, &in) == NULL);
	sc.behave.prob = 90;
	m = bw_policy_match(p, 3, &def, &in);
	CHECK(m == &p[1]);
	/* site and flag */
	sc.behave.known = false;
	sc.flags = 1u << BW_FLAG_KNOWN_BOT_PATTERN;
	CHECK(bw_policy_match(p, 3, &def, &in) == &p[2]);
	in.site = "blog";
	CHECK(bw_policy_match(p, 3, &def, &in) == NULL);
	in.site = NULL; /* no sites file: "default" */
	CHECK(bw_policy_match(p, 3, &def, &in) == NULL);
	/* negation */
	CHECK_EQ(parse("n: !flag=known_bot_pattern -> allow", &p[0], err, sizeof(err)), 0);
	CHECK(!bw_policy_matches(&p[0], &in));
	sc.flags = 0;
	CHECK(bw_policy_matches(&p[0], &in));
	CHECK_EQ(bw_pact_verdict_action(BW_PACT_BLOCK), BW_ACT_DROP);
	CHECK_EQ(bw_pact_verdict_action(BW_PACT_ALLOW), BW_ACT_NONE);
}

int main(void)
{
	RUN(test_parse_ok);
	RUN(test_parse_errors);
	RUN(test_config_key);
	RUN(test_match_order_default);
	return CHECK_EXIT();
}
