/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Policies (seed 003 named policies): ordered rules mapping what the scorer
 * decided about a request (score, status, flags, groups, list categories of
 * the source, bot probability, site, known-bot category) to an action.
 * First match wins; after the configured ones comes the implicit "default"
 * policy, which is the daemon's behaviour without policies: a deny (score
 * >= threshold with strong evidence) gets verdict_action for verdict_ttl.
 *
 * Config syntax (one per `policy =` line, docs/config.md):
 *   NAME: COND [COND...] -> ACTION [ttl=SEC] [shadow]
 * COND (all must hold; `and` between them is optional, `!` negates one):
 *   any | score>=N | score<N | status=allow|challenge|deny | flag=FLAG |
 *   group=GROUP | list=CATEGORY | bot>=P | site=ID | botcat=CATEGORY | verified
 * ACTION: allow | monitor | block | reset | rate_limit:PPS
 * Shadow (per policy, or `shadow = yes` for all): decided, logged and
 * recorded as would-be, nothing written into the datapath.
 */
#ifndef BW_POLICY_H
#define BW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "score.h"

#define BW_POLICIES_MAX     32
#define BW_POLICY_CONDS     8
#define BW_POLICY_NAME_MAX  32
#define BW_POLICY_DEFAULT   "default"

enum bw_pact {
	BW_PACT_ALLOW = 0,     /* nothing pushed                         */
	BW_PACT_MONITOR,       /* monitor verdict: pass, sample all      */
	BW_PACT_BLOCK,         /* drop verdict                           */
	BW_PACT_RESET,         /* reset verdict: RST the source's TCP    */
	BW_PACT_RATE_LIMIT,    /* rate_limit verdict with rate pps       */
	BW_PACT__MAX,
};

enum bw_pcond_kind {
	BW_PC_ANY = 0, BW_PC_SCORE_GE, BW_PC_SCORE_LT, BW_PC_STATUS, BW_PC_FLAG, BW_PC_GROUP,
	BW_PC_LIST, BW_PC_BOT_GE, BW_PC_SITE, BW_PC_BOTCAT, BW_PC_VERIFIED,
};

struct bw_pcond {
	uint8_t kind;          /* enum bw_pcond_kind */
	bool neg;
	uint32_t v;            /* number, enum value or probability in hundredths */
	char s[64];            /* site id */
};

struct bw_policy {
	char name[BW_POLICY_NAME_MAX];
	struct bw_pcond cond[BW_POLICY_CONDS];
	unsigned int ncond;
	uint8_t action;        /* enum bw_pact          */
	uint32_t rate;         /* rate_limit: pps       */
	unsigned int ttl;      /* seconds, 0: verdict_ttl */
	bool shadow;
};

/* What a policy looks at besides the score. */
struct bw_policy_input {
	const struct bw_score *sc;
	uint64_t list_mask;          /* bit i: the source is in list id i    */
	const uint8_t *list_cat;     /* enum bw_lcat of list id i, or NULL   */
	size_t nlists;
	const char *site;            /* NULL: "default"                      */
};

/* Parses "NAME: CONDS -> ACTION [ttl=SEC] [shadow]". Returns 0, or -1 with
 * err naming the part that is wrong (the caller prefixes file:line). */
int bw_policy_parse(const char *text, struct bw_policy *p, char *err, size_t errlen);
/* Prints it back in the same syntax. */
void bw_policy_format(const struct bw_policy *p, char *buf, size_t len);
/* The implicit last policy from verdict_action (enum bw_action), its rate
 * and verdict_ttl: status=deny -> that action. */
void bw_policy_default(struct bw_policy *p, uint8_t verdict_action, uint32_t rate,
		       unsigned int ttl);
bool bw_policy_matches(const struct bw_policy *p, const struct bw_policy_input *in);
/* First of p[0..n) that matches, else def. */
const struct bw_policy *bw_policy_match(const struct bw_policy *p, size_t n,
					const struct bw_policy *def,
					const struct bw_policy_input *in);
const char *bw_pact_name(unsigned int a);

/* The daemon's decision counters (written by the sampling thread, read by
 * the API thread with relaxed atomics): [shadow][enum bw_pact]. */
struct bw_policy_counters {
	uint64_t decisions[2][BW_PACT__MAX];
	uint64_t behave_known;       /* samples with a bot probability      */
	uint64_t behave_evictions;   /* sources evicted from the table      */
};
/* enum bw_action of an enforcing action (BW_ACT_NONE for allow). */
uint8_t bw_pact_verdict_action(unsigned int a);

#endif
