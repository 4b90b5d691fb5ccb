// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ltable.h"
#include "names.h"
#include "policy.h"
#include "sites.h"
#include "uadb.h"

static const char *const pact_names[BW_PACT__MAX] = {
	"allow", "monitor", "block", "reset", "rate_limit",
};

const char *bw_pact_name(unsigned int a)
{
	return a < BW_PACT__MAX ? pact_names[a] : "?";
}

uint8_t bw_pact_verdict_action(unsigned int a)
{
	switch (a) {
	case BW_PACT_MONITOR: return BW_ACT_MONITOR;
	case BW_PACT_BLOCK: return BW_ACT_DROP;
	case BW_PACT_RESET: return BW_ACT_RESET;
	case BW_PACT_RATE_LIMIT: return BW_ACT_RATE_LIMIT;
	default: return BW_ACT_NONE;
	}
}

void bw_policy_default(struct bw_policy *p, uint8_t verdict_action, uint32_t rate,
		       unsigned int ttl)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", BW_POLICY_DEFAULT);
	p->ncond = 1;
	p->cond[0].kind = BW_PC_STATUS;
	p->cond[0].v = BW_STATUS_DENY;
	p->action = verdict_action == BW_ACT_MONITOR ? BW_PACT_MONITOR :
		    verdict_action == BW_ACT_RESET ? BW_PACT_RESET :
		    verdict_action == BW_ACT_RATE_LIMIT ? BW_PACT_RATE_LIMIT : BW_PACT_BLOCK;
	p->rate = rate;
	p->ttl = ttl;
}

/* ---- parsing ---- */

static int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out < lo || *out > hi ? -1 : 0;
}

/* "0.9", "0.90", "1", "1.00": hundredths 1-100. */
static int parse_prob(const char *s, uint32_t *out)
{
	unsigned int ip = 0, frac = 0, digits = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s) && ip < 10)
		ip = ip * 10 + (unsigned int)(*s++ - '0');
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s) && digits < 2) {
			frac = frac * 10 + (unsigned int)(*s++ - '0');
			digits++;
		}
		if (digits == 1)
			frac *= 10;
		if (!digits)
			return -1;
	}
	if (*s || ip > 1 || ip * 100 + frac > 100 || ip * 100 + frac < 1)
		return -1;
	*out = ip * 100 + frac;
	return 0;
}

static int parse_cond(char *t, struct bw_pcond *c, char *err, size_t errlen)
{
	unsigned long n;
	const char *v;
	int id;

	memset(c, 0, sizeof(*c));
	if (*t == '!') {
		c->neg = true;
		t++;
	}
#define CBAD(what) \
	do { \
		snprintf(err, errlen, "condition '%.60s': %s", t, what); \
		return -1; \
	} while (0)
	if (!strcmp(t, "any")) {
		c->kind = BW_PC_ANY;
	} else if (!strcmp(t, "verified")) {
		c->kind = BW_PC_VERIFIED;
	} else if (!strncmp(t, "score>=", 7) || !strncmp(t, "score<", 6)) {
		c->kind = t[6] == '=' ? BW_PC_SCORE_GE : BW_PC_SCORE_LT;
		v = t + (c->kind == BW_PC_SCORE_GE ? 7 : 6);
		if (parse_uint(v, 0, 100, &n))
			CBAD("expected a score 0-100");
		c->v = (uint32_t)n;
	} else if (!strncmp(t, "bot>=", 5)) {
		c->kind = BW_PC_BOT_GE;
		if (parse_prob(t + 5, &c->v))
			CBAD("expected a bot probability 0.01-1.00");
	} else if (!strncmp(t, "status=", 7)) {
		c->kind = BW_PC_STATUS;
		v = t + 7;
		if (!strcmp(v, "allow")) c->v = BW_STATUS_ALLOW;
		else if (!strcmp(v, "challenge")) c->v = BW_STATUS_CHALLENGE;
		else if (!strcmp(v, "deny")) c->v = BW_STATUS_DENY;
		else CBAD("expected status=allow, challenge or deny");
	} else if (!strncmp(t, "flag=", 5)) {
		c->kind = BW_PC_FLAG;
		if ((id = bw_flag_by_name(t + 5)) < 0)
			CBAD("unknown flag (names as in docs/flags.md)");
		c->v = (uint32_t)id;
	} else if (!strncmp(t, "group=", 6)) {
		c->kind = BW_PC_GROUP;
		for (id = 0; id < BW_G__MAX && strcmp(bw_group_names[id], t + 6); id++)
			;
		if (id == BW_G__MAX)
			CBAD("unknown group (identity, headers, consistency, attack, protocol, "
			     "network, impersonation, reputation, behaviour)");
		c->v = (uint32_t)id;
	} else if (!strncmp(t, "list=", 5)) {
		c->kind = BW_PC_LIST;
		if ((id = bw_lcat_parse(t + 5)) < 0)
			CBAD("unknown list category (blocklist, tor, vpn, proxy, hosting, "
			     "ai_crawler_ranges, good_bot_ranges, custom)");
		c->v = (uint32_t)id;
	} else if (!strncmp(t, "botcat=", 7)) {
		c->kind = BW_PC_BOTCAT;
		for (id = 1; id < BW_BOTCAT__MAX && strcmp(bw_bot_cat_name((unsigned int)id), t + 7); id++)
			;
		if (id == BW_BOTCAT__MAX)
			CBAD("unknown bot category (search, ai_training, ai_assistant, seo, "
			     "monitoring, library, scanner, other)");
		c->v = (uint32_t)id;
	} else if (!strncmp(t, "site=", 5)) {
		c->kind = BW_PC_SITE;
		if (!bw_site_id_valid(t + 5))
			CBAD("expected a site id of 1-63 characters of A-Z a-z 0-9 _ . -");
		snprintf(c->s, sizeof(c->s), "%s", t + 5);
	} else {
		CBAD("unknown; expected any, score>=N, score<N, status=S, flag=F, group=G, "
		     "list=CATEGORY, bot>=P, site=ID, botcat=C or verified");
	}
	return 0;
#undef CBAD
}

int bw_policy_parse(const char *text, struct bw_policy *out, char *err, size_t errlen)
{
	char buf[1024], *colon, *arrow, *conds, *act, *tok, *save = NULL;
	struct bw_policy p;
	size_t nl;

	memset(&p, 0, sizeof(p));
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "longer than %zu characters", sizeof(buf) - 1);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	colon = strchr(buf, ':');
	arrow = strstr(buf, "->");
	if (!colon || !arrow || arrow < colon) {
		snprintf(err, errlen, "expected 'NAME: CONDITIONS -> ACTION [ttl=SEC] [shadow]'");
		return -1;
	}
	*colon = *arrow = '\0';
	/* name */
	while (isspace((unsigned char)buf[0]))
		memmove(buf, buf + 1, strlen(buf));
	for (nl = strlen(buf); nl && isspace((unsigned char)buf[nl - 1]); nl--)
		buf[nl - 1] = '\0';
	if (!nl || nl >= BW_POLICY_NAME_MAX) {
		snprintf(err, errlen, "name: expected 1-%d characters", BW_POLICY_NAME_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < nl; i++)
		if (!isalnum((unsigned char)buf[i]) && !strchr("_.-", buf[i])) {
			snprintf(err, errlen, "name '%s': only A-Z a-z 0-9 _ . -", buf);
			return -1;
		}
	if (!strcmp(buf, BW_POLICY_DEFAULT)) {
		snprintf(err, errlen, "name 'default' is the implicit last policy (verdict_action "
			 "for a deny); choose another name");
		return -1;
	}
	memcpy(p.name, buf, nl);             /* nl < sizeof(p.name), checked above */
	p.name[nl] = '\0';

	/* conditions */
	conds = colon + 1;
	for (tok = strtok_r(conds, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "and"))
			continue;
		if (p.ncond == BW_POLICY_CONDS) {
			snprintf(err, errlen, "at most %d conditions", BW_POLICY_CONDS);
			return -1;
		}
		if (parse_cond(tok, &p.cond[p.ncond], err, errlen))
			return -1;
		p.ncond++;
	}
	if (!p.ncond) {
		snprintf(err, errlen, "no condition (use 'any' to match every request)");
		return -1;
	}

	/* action and options */
	save = NULL;
	act = strtok_r(arrow + 2, " \t", &save);
	if (!act) {
		snprintf(err, errlen, "action: expected allow, monitor, block, reset or rate_limit:PPS");
		return -1;
	}
	if (!strcmp(act, "allow")) {
		p.action = BW_PACT_ALLOW;
	} else if (!strcmp(act, "monitor")) {
		p.action = BW_PACT_MONITOR;
	} else if (!strcmp(act, "block") || !strcmp(act, "drop")) {
		p.action = BW_PACT_BLOCK;
	} else if (!strcmp(act, "reset")) {
		p.action = BW_PACT_RESET;
	} else if (!strncmp(act, "rate_limit:", 11)) {
		unsigned long r;

		if (parse_uint(act + 11, 0, 10000000, &r)) {
			snprintf(err, errlen, "action '%.40s': rate_limit:PPS needs packets per second "
				 "0-10000000", act);
			return -1;
		}
		p.action = BW_PACT_RATE_LIMIT;
		p.rate = (uint32_t)r;
	} else {
		snprintf(err, errlen, "action '%.40s': expected allow, monitor, block, reset or "
			 "rate_limit:PPS", act);
		return -1;
	}
	while ((tok = strtok_r(NULL, " \t", &save))) {
		unsigned long n;

		if (!strcmp(tok, "shadow")) {
			p.shadow = true;
		} else if (!strncmp(tok, "ttl=", 4)) {
			if (parse_uint(tok + 4, 1, 604800, &n)) {
				snprintf(err, errlen, "option '%.40s': ttl=SEC needs seconds 1-604800", tok);
				return -1;
			}
			if (p.action == BW_PACT_ALLOW) {
				snprintf(err, errlen, "option '%.40s': allow pushes nothing, a ttl has "
					 "no meaning", tok);
				return -1;
			}
			p.ttl = (unsigned int)n;
		} else {
			snprintf(err, errlen, "option '%.40s': expected ttl=SEC or shadow", tok);
			return -1;
		}
	}
	*out = p;
	return 0;
}

void bw_policy_format(const struct bw_policy *p, char *buf, size_t len)
{
	static const char *const st[] = { "allow", "challenge", "deny" };
	size_t n = 0;

#define ADD(...) \
	do { \
		if (n < len) \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); \
	} while (0)
	if (!len)
		return;
	buf[0] = '\0';
	ADD("%s:", p->name);
	for (unsigned int i = 0; i < p->ncond; i++) {
		const struct bw_pcond *c = &p->cond[i];

		ADD(" %s", c->neg ? "!" : "");
		switch (c->kind) {
		case BW_PC_ANY: ADD("any"); break;
		case BW_PC_VERIFIED: ADD("verified"); break;
		case BW_PC_SCORE_GE: ADD("score>=%u", c->v); break;
		case BW_PC_SCORE_LT: ADD("score<%u", c->v); break;
		case BW_PC_BOT_GE: ADD("bot>=%u.%02u", c->v / 100, c->v % 100); break;
		case BW_PC_STATUS: ADD("status=%s", st[c->v % 3]); break;
		case BW_PC_FLAG: ADD("flag=%s", bw_flag_name(c->v)); break;
		case BW_PC_GROUP: ADD("group=%s", bw_group_names[c->v % BW_G__MAX]); break;
		case BW_PC_LIST: ADD("list=%s", bw_lcat_name(c->v)); break;
		case BW_PC_BOTCAT: ADD("botcat=%s", bw_bot_cat_name(c->v)); break;
		case BW_PC_SITE: ADD("site=%s", c->s); break;
		default: ADD("?"); break;
		}
	}
	if (p->action == BW_PACT_RATE_LIMIT)
		ADD(" -> rate_limit:%u", p->rate);
	else
		ADD(" -> %s", bw_pact_name(p->action));
	if (p->ttl)
		ADD(" ttl=%u", p->ttl);
	if (p->shadow)
		ADD(" shadow");
#undef ADD
	if (n >= len)
		buf[len - 1] = '\0';
}

/* ---- matching ---- */

static bool cond_holds(const struct bw_pcond *c, const struct bw_policy_input *in)
{
	const struct bw_score *sc = in->sc;

	switch (c->kind) {
	case BW_PC_ANY: return true;
	case BW_PC_VERIFIED: return sc->verified_bot;
	case BW_PC_SCORE_GE: return sc->score >= c->v;
	case BW_PC_SCORE_LT: return sc->score < c->v;
	case BW_PC_BOT_GE: return sc->behave.known && sc->behave.prob >= c->v;
	case BW_PC_STATUS: return (uint32_t)sc->status == c->v;
	case BW_PC_FLAG: return c->v < 32 && (sc->flags & (1u << c->v));
	case BW_PC_GROUP: return c->v < 16 && (sc->groups & (1u << c->v));
	case BW_PC_BOTCAT: return sc->bot_cat == c->v;
	case BW_PC_SITE: return !strcmp(in->site ? in->site : BW_SITE_DEFAULT, c->s);
	case BW_PC_LIST:
		if (!in->list_cat)
			return false;
		for (size_t i = 0; i < in->nlists && i < 64; i++)
			if ((in->list_mask & (1ull << i)) && in->list_cat[i] == c->v)
				return true;
		return false;
	default: return false;
	}
}

bool bw_policy_matches(const struct bw_policy *p, const struct bw_policy_input *in)
{
	for (unsigned int i = 0; i < p->ncond; i++)
		if (cond_holds(&p->cond[i], in) == p->cond[i].neg)
			return false;
	return true;
}

const struct bw_policy *bw_policy_match(const struct bw_policy *p, size_t n,
					const struct bw_policy *def,
					const struct bw_policy_input *in)
{
	for (size_t i = 0; i < n; i++)
		if (bw_policy_matches(&p[i], in))
			return &p[i];
	return def && bw_policy_matches(def, in) ? def : NULL;
}
