/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Request scoring: header flags -> 0-100 suspicion score (seed 000 scale).
 *
 * Flags are defined for the request's context. Browsers send Sec-Fetch-*,
 * client hints and br/zstd only to potentially trustworthy origins (https,
 * localhost, loopback literals); XDP sees plaintext HTTP, so to a named host
 * their absence is normal and their presence is a sign of replayed headers.
 */
#ifndef BW_SCORE_H
#define BW_SCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "behave.h"
#include "botwall_abi.h"
#include "http.h"

enum bw_browser {
	BW_BROWSER_NONE = 0,
	BW_BROWSER_CHROMIUM,   /* Chrome, Edge, Opera, ... (Chrome/ token) */
	BW_BROWSER_FIREFOX,
	BW_BROWSER_SAFARI,
};

struct bw_ua_info {
	enum bw_browser browser;
	unsigned int major;    /* browser major version, 0 if unknown */
	bool mobile;
	const char *os;        /* "Windows", "macOS", "Linux", "Android", "iOS", "Chrome OS" or NULL */
};

/*
 * Evidence groups: flags in one group are one piece of evidence (a curl
 * request fires known_bot_pattern, missing_accept_language and
 * incomplete_accept_encoding; the last two are one fact: "not a browser's
 * header set"). A group scores its strongest flag in full plus damping% of
 * the others, up to the group's cap. See docs/scoring.md.
 */
enum bw_group {
	BW_G_IDENTITY = 0,  /* what the User-Agent says it is: tool, bot, headless, empty */
	BW_G_HEADERS,       /* browser headers missing for the context         */
	BW_G_CONSISTENCY,   /* headers contradict the claimed browser          */
	BW_G_ATTACK,        /* injection payloads in the User-Agent            */
	BW_G_PROTOCOL,      /* not valid HTTP/1.x                              */
	BW_G_NETWORK,       /* TCP SYN vs User-Agent                           */
	BW_G_IMPERSONATION, /* fake good crawler                               */
	BW_G_REPUTATION,    /* source address on a reputation list             */
	BW_G_BEHAVIOUR,     /* the source's request behaviour (behave.h), not a flag */
	BW_G__MAX,
};

extern const uint8_t bw_flag_group[BW_FLAG__MAX];
extern const char *const bw_group_names[BW_G__MAX];
/* Flags that are enough alone for a deny (no innocent client sends them). */
extern const uint32_t bw_flags_deterministic;

struct bw_weights {
	uint8_t w[BW_FLAG__MAX];     /* points per flag (0-100)                 */
	uint8_t cap[BW_G__MAX];      /* most points one group adds              */
	uint8_t damping;             /* % of a non-strongest flag's points kept */
	uint8_t trust_profile;       /* points removed for a full profile match */
	uint8_t challenge;           /* score from which status is challenge    */
	uint8_t deny;                /* score from which status may be deny     */
	uint8_t behave_high;         /* points of a bot probability >= 0.90     */
	uint8_t behave_moderate;     /* points of 0.70-0.89                     */
};

void bw_weights_default(struct bw_weights *w);
/* Reads a weights file (see docs/scoring.md); on error *w is unchanged and
 * err names file:line. */
int bw_weights_load(const char *path, struct bw_weights *w, char *err, size_t errlen);

/* A small in-memory set of prefixes, each with a tag: the operator of a good
 * crawler ("google") or a reputation category ("tor", "vpn", "proxy",
 * "hosting", "ai_crawler"). The list files are another module's work. */
struct bw_range {
	struct bw_lpm_key pfx;
	char tag[16];
};
struct bw_rangeset {
	const struct bw_range *r;
	size_t n;
};
/* Tag of the longest prefix holding a, or NULL. With `tag` set, only
 * prefixes of that tag count. */
const char *bw_rangeset_find(const struct bw_rangeset *rs, const struct bw_addr *a,
			     const char *tag);
bool bw_rangeset_has_tag(const struct bw_rangeset *rs, const char *tag);

struct bw_uadb;
struct bw_p0f;
struct bw_syn;

/* Everything the scorer reads besides the request. All optional. */
struct bw_scorer {
	struct bw_uadb *uadb;         /* NULL: built-in tokens only          */
	struct bw_p0f *p0f;           /* NULL: no SYN classes                */
	struct bw_weights w;
	struct bw_rangeset good_bots; /* tag = crawler operator              */
	struct bw_rangeset reputation;/* tag = category                      */
};

/* Per-request context beyond the bytes. */
struct bw_score_ctx {
	const struct bw_addr *src;    /* NULL: unknown                      */
	const struct bw_addr *dst;
	const struct bw_syn *syn;     /* NULL: no SYN traits captured       */
	const struct bw_behave *behave; /* NULL: no behaviour (offline)     */
};

enum bw_status { BW_STATUS_ALLOW = 0, BW_STATUS_CHALLENGE, BW_STATUS_DENY };
enum bw_severity { BW_SEV_LOW = 0, BW_SEV_MEDIUM, BW_SEV_HIGH, BW_SEV_CRITICAL };

struct bw_score {
	uint32_t flags;                /* bit per enum bw_flag          */
	unsigned int score;            /* 0-100                         */
	uint8_t contrib[BW_FLAG__MAX]; /* points each flag added        */
	int top_flag;                  /* flag with most points, or -1  */
	bool trustworthy;              /* request to a trustworthy origin */
	bool truncated;                /* header block cut by the sample  */
	struct bw_ua_info ua;
	/* the decision (seeds 001, 003, 004) */
	unsigned int raw;              /* sum of group points before trust and clamp */
	unsigned int trust;            /* points removed (full profile match)        */
	uint16_t groups;               /* bit per enum bw_group with points          */
	bool strong;                   /* two groups, or one deterministic flag      */
	bool verified_bot;             /* claimed good crawler from its own range    */
	enum bw_status status;
	enum bw_severity severity;
	const char *threat_profile;    /* "VAL", "NSD", "BOT"                        */
	char threat_category[32];      /* "BOT-HEADLESS", ... or "" (null)           */
	char device[80];               /* seed 001 device name                       */
	char horder[24];               /* header-order fingerprint (horder.h)        */
	char syn_class[96];            /* "unix:Linux:3.11 and newer" or ""          */
	char bot[32];                  /* known bot name, or ""                      */
	uint8_t bot_cat;               /* enum bw_bot_cat                            */
	uint8_t profile;               /* enum bw_profile_id compared, 0 none        */
	char why_order[96];            /* header_order_mismatch: first difference    */
	/* seed 002: the source's behaviour (behave.known false: no value) */
	struct bw_behave behave;
	uint8_t behave_contrib;        /* points the behaviour group added           */
};

/* Default weight of each flag (points, 0-100). */
extern const uint8_t bw_flag_weight_default[BW_FLAG__MAX];

void bw_ua_parse(struct bw_slice ua, struct bw_ua_info *out);
/* The daemon's scorer: flags, groups, score and decision. sc and ctx may
 * be NULL (built-in weights and tokens; no address or SYN evidence). */
void bw_score_full(const struct bw_scorer *sc, const struct bw_http_req *req,
		   enum bw_http_status status, const struct bw_score_ctx *ctx,
		   struct bw_score *out);
/* bw_score_full(NULL, req, status, NULL, out). */
void bw_score_request(const struct bw_http_req *req, enum bw_http_status status,
		      struct bw_score *out);

/* Reason code of a flag (seed 004 style): "RP0NN" = risk positive; the
 * trust evidence is "TP001". */
void bw_reason_code(unsigned int flag, char out[8]);
const char *bw_status_name(enum bw_status s);
const char *bw_severity_name(enum bw_severity s);

#endif
