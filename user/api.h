/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * botwall's HTTP API (libmicrohttpd): seed-000 bot stats, Prometheus
 * metrics, bearer tokens with scopes. See docs/api.md.
 */
#ifndef BW_API_H
#define BW_API_H

#include <stddef.h>

#include "policy.h"
#include "store.h"

#define BW_API_DEFAULT_ADDR "127.0.0.1:8787"

enum bw_scope {
	BW_SCOPE_READ = 1u << 0,
	BW_SCOPE_DECIDE = 1u << 1,
	BW_SCOPE_ADMIN = 1u << 2,   /* admin is granted every scope */
};

#define BW_TOKEN_MIN 16
#define BW_TOKEN_MAX 128
#define BW_TOKENS_MAX 256

struct bw_token {
	char token[BW_TOKEN_MAX + 1];
	size_t len;
	unsigned int scopes;
};

struct bw_tokens {
	struct bw_token *t;
	size_t n;
};

/* Tokens file: "TOKEN SCOPE[,SCOPE]" per line, '#' comments. Returns 0, or
 * -1 with "file:line: why" in err (the token text is never quoted). */
int bw_tokens_load(const char *path, struct bw_tokens *out, char *err, size_t errlen);
void bw_tokens_free(struct bw_tokens *t);
/* Scopes of a presented token, 0 if unknown; time independent of where
 * or whether it matches. */
unsigned int bw_tokens_check(const struct bw_tokens *t, const char *tok, size_t len);

struct bw_api_config {
	const char *listen;        /* "ADDR:PORT" or "[ADDR6]:PORT"; port 0 = any */
	const char *tokens_path;   /* required                                   */
	const char *store_path;    /* NULL: the bot-stats endpoints answer 503   */
	struct bw_store *writer;   /* store counters for /metrics, may be NULL   */
	int counters_fd, scorestats_fd, verdicts_fd; /* maps, -1 if absent    */
	int vfilter_fd;            /* verdict filter; -1 with verdicts_fd     */
	const char *pin_dir;       /* for the map lock around verdict writes; NULL: none */
	int allow_fd, block_fd;    /* lists, for the decision endpoints, -1 if absent */
	unsigned int threshold;    /* block score of policy "default" (0 = 80)  */
	const struct bw_policy_counters *policy; /* daemon's decisions, may be NULL */
};

#define BW_API_BODY_MAX (16 * 1024)  /* bytes of a POST body */

struct bw_api;

struct bw_api *bw_api_start(const struct bw_api_config *cfg, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned int bw_api_port(const struct bw_api *api);
void bw_api_stop(struct bw_api *api);

#endif
