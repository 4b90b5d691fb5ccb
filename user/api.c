// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "api.h"
#include "decide.h"
#include "log.h"
#include "lock.h"
#include "maps.h"
#include "names.h"
#include "text.h"

#define API_CONN_LIMIT     64
#define API_PER_IP_LIMIT   16
#define API_TIMEOUT_SEC    10
#define API_CONN_MEMORY    (32 * 1024)  /* bounds the request head */

struct bw_api {
	struct MHD_Daemon *mhd;
	struct bw_tokens tokens;
	struct bw_store *reader;
	struct bw_api_config cfg;
	unsigned int port;
};

/* ---- tokens ---- */

static unsigned int parse_scopes(char *s)
{
	unsigned int m = 0;
	char *save = NULL;

	for (char *p = strtok_r(s, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (!strcmp(p, "read"))
			m |= BW_SCOPE_READ;
		else if (!strcmp(p, "decide"))
			m |= BW_SCOPE_DECIDE;
		else if (!strcmp(p, "admin"))
			m |= BW_SCOPE_ADMIN;
		else
			return 0;
	}
	return m;
}

int bw_tokens_load(const char *path, struct bw_tokens *out, char *err, size_t errlen)
{
	struct bw_tokens t = {};
	char line[512], *l;
	FILE *f = fopen(path, "re");
	struct bw_lines r = BW_LINES_INIT(f, path, "#", line);
	int more;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((more = bw_lines_next(&r, &l, err, errlen)) > 0) {
		char tok[BW_TOKEN_MAX + 2], scopes[128], extra[2], *p;
		unsigned long lineno = r.lineno;
		size_t len;
		unsigned int m;
		int n;

		n = sscanf(l, "%129s %127s %1s", tok, scopes, extra);
		if (n != 2) {
			snprintf(err, errlen, "%s:%lu: expected 'TOKEN SCOPE[,SCOPE]'", path, lineno);
			goto fail;
		}
		len = strlen(tok);
		if (len < BW_TOKEN_MIN || len > BW_TOKEN_MAX) {
			snprintf(err, errlen, "%s:%lu: token must be %d-%d characters", path, lineno,
				 BW_TOKEN_MIN, BW_TOKEN_MAX);
			goto fail;
		}
		for (size_t i = 0; i < len; i++)
			if (tok[i] < 0x21 || tok[i] > 0x7e) {
				snprintf(err, errlen, "%s:%lu: token must be printable ASCII", path, lineno);
				goto fail;
			}
		m = parse_scopes(scopes);
		if (!m) {
			snprintf(err, errlen, "%s:%lu: scopes must be read, decide, admin joined by ','",
				 path, lineno);
			goto fail;
		}
		if (t.n == BW_TOKENS_MAX) {
			snprintf(err, errlen, "%s:%lu: more than %d tokens", path, lineno, BW_TOKENS_MAX);
			goto fail;
		}
		p = realloc(t.t, (t.n + 1) * sizeof(*t.t));
		if (!p) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		t.t = (struct bw_token *)p;
		memset(&t.t[t.n], 0, sizeof(t.t[t.n]));
		memcpy(t.t[t.n].token, tok, len);
		t.t[t.n].len = len;
		t.t[t.n].scopes = m;
		t.n++;
	}
	if (more < 0)
		goto fail;
	fclose(f);
	explicit_bzero(line, sizeof(line));     /* the tokens are secrets */
	if (!t.n) {
		snprintf(err, errlen, "%s: no tokens", path);
		free(t.t);
		return -1;
	}
	*out = t;
	return 0;
fail:
	fclose(f);
	explicit_bzero(line, sizeof(line));
	if (t.t)
		explicit_bzero(t.t, t.n * sizeof(*t.t));
	free(t.t);
	return -1;
}

void bw_tokens_free(struct bw_tokens *t)
{
	if (t->t)
		explicit_bzero(t->t, t->n * sizeof(*t->t));
	free(t->t);
	t->t = NULL;
	t->n = 0;
}

unsigned int bw_tokens_check(const struct bw_tokens *t, const char *tok, size_t len)
{
	unsigned int found = 0;

	/* Every stored token is compared over its whole fixed buffer, with no
	 * early exit: the time does not depend on the presented bytes. */
	for (size_t i = 0; i < t->n; i++) {
		const struct bw_token *e = &t->t[i];
		unsigned char diff = (unsigned char)(e->len != len);
		unsigned int mask;

		for (size_t j = 0; j < BW_TOKEN_MAX; j++) {
			unsigned char c = j < len ? (unsigned char)tok[j] : 0;

			diff |= (unsigned char)(c ^ (unsigned char)e->token[j]);
		}
		/* mask = all ones when diff == 0 */
		mask = (unsigned int)(((unsigned int)diff - 1u) >> 8) & 1u;
		found |= (0u - mask) & e->scopes;
	}
	if (found & BW_SCOPE_ADMIN)
		found |= BW_SCOPE_READ | BW_SCOPE_DECIDE;
	return found;
}

/* ---- responses ---- */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned int code,
				 const char *type, char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body,
								 MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (code == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"botwall\"");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned int code, cJSON *doc)
{
	char *s = cJSON_PrintUnformatted(doc);
	size_t n;

	cJSON_Delete(doc);
	if (!s)
		return MHD_NO;
	/* One document per line. */
	n = strlen(s);
	{
		char *t = realloc(s, n + 2);

		if (!t) {
			free(s);
			return MHD_NO;
		}
		s = t;
	}
	s[n] = '\n';
	s[n + 1] = '\0';
	return send_text(c, code, "application/json", s);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned int code,
				  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned int code,
				  const char *fmt, ...)
{
	cJSON *doc = cJSON_CreateObject();
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddBoolToObject(doc, "success", 0);
	cJSON_AddStringToObject(doc, "error", msg);
	return send_json(c, code, doc);
}

/* ---- parameters ---- */

/* An optional integer query parameter in [lo, hi]. Returns 0, or -1 after
 * queuing a 400 naming the parameter. */
static int int_param(struct MHD_Connection *c, const char *name, int def, int lo, int hi,
		     int *out, enum MHD_Result *ret)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	long n = 0;
	size_t len;

	*out = def;
	if (!v)
		return 0;
	len = strlen(v);
	if (len == 0 || len > 6)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)v[i]))
			goto bad;
		n = n * 10 + (v[i] - '0');
	}
	if (n < lo || n > hi)
		goto bad;
	*out = (int)n;
	return 0;
bad:
	*ret = send_error(c, MHD_HTTP_BAD_REQUEST, "%s must be an integer %d-%d", name, lo, hi);
	return -1;
}

static int site_param(struct MHD_Connection *c, const char **out, enum MHD_Result *ret)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "account_id");

	if (!v || !*v) {
		*ret = send_error(c, MHD_HTTP_BAD_REQUEST, "account_id is required");
		return -1;
	}
	if (!bw_site_id_valid(v)) {
		*ret = send_error(c, MHD_HTTP_BAD_REQUEST,
				  "account_id must be 1-63 characters of A-Z a-z 0-9 _ . -");
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- metrics ---- */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t nc = (b->cap + (size_t)n + 1) * 2;
			char *np = realloc(b->p, nc);

			if (!np) {
				b->oom = true;
				return;
			}
			b->p = np;
			b->cap = nc;
		}
	}
}

static void metric_head(struct buf *b, const char *name, const char *type, const char *help)
{
	bprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static long count_verdicts(int fd)
{
	struct bw_addr key, next;
	long n = 0;
	void *prev = NULL;

	/* Bounded by the map's size. */
	while (n <= (long)BW_VERDICT_MAX && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

static enum MHD_Result serve_metrics(struct bw_api *api, struct MHD_Connection *c)
{
	struct buf b = { .p = malloc(8192), .cap = 8192 };
	struct bw_counter cnt[BW_CNT__MAX];
	struct bw_score_stats ss;

	if (!b.p)
		return MHD_NO;
	b.p[0] = '\0';
	if (api->cfg.counters_fd >= 0 && bw_read_counters(api->cfg.counters_fd, cnt) == 0) {
		metric_head(&b, "botwall_packets_total", "counter",
			    "Packets seen by XDP, by outcome (pass, drop; total = all) and reason.");
		for (int i = 0; i < BW_CNT__MAX; i++)
			if (strcmp(bw_counter_names[i].outcome, "event"))
				bprintf(&b, "botwall_packets_total{outcome=\"%s\",reason=\"%s\"} %llu\n",
					bw_counter_names[i].outcome, bw_counter_names[i].name,
					(unsigned long long)cnt[i].packets);
		metric_head(&b, "botwall_bytes_total", "counter", "Bytes seen by XDP, by outcome and reason.");
		for (int i = 0; i < BW_CNT__MAX; i++)
			if (strcmp(bw_counter_names[i].outcome, "event"))
				bprintf(&b, "botwall_bytes_total{outcome=\"%s\",reason=\"%s\"} %llu\n",
					bw_counter_names[i].outcome, bw_counter_names[i].name,
					(unsigned long long)cnt[i].bytes);
		metric_head(&b, "botwall_events_total", "counter", "Datapath events (sampling, losses).");
		for (int i = 0; i < BW_CNT__MAX; i++)
			if (!strcmp(bw_counter_names[i].outcome, "event"))
				bprintf(&b, "botwall_events_total{event=\"%s\"} %llu\n",
					bw_counter_names[i].name, (unsigned long long)cnt[i].packets);
		metric_head(&b, "botwall_ringbuf_lost_total", "counter",
			    "Samples lost because the ring buffer was full.");
		bprintf(&b, "botwall_ringbuf_lost_total %llu\n",
			(unsigned long long)cnt[BW_CNT_EV_RINGBUF_FULL].packets);
	}
	if (api->cfg.scorestats_fd >= 0 && bw_read_scorestats(api->cfg.scorestats_fd, &ss) == 0) {
		static const int le[BW_BUCKET__MAX] = { 0, 30, 60, 80, 100 };
		unsigned long long cum = 0;

		metric_head(&b, "botwall_flag_hits_total", "counter", "Scored requests that raised each flag.");
		for (int i = 0; i < BW_FLAG__MAX; i++)
			bprintf(&b, "botwall_flag_hits_total{flag=\"%s\"} %llu\n", bw_flag_name(i),
				(unsigned long long)ss.flag_hits[i]);
		metric_head(&b, "botwall_request_score", "histogram",
			    "Suspicion score (0-100) of scored requests, seed-000 buckets.");
		for (int i = 0; i < BW_BUCKET__MAX; i++) {
			cum += ss.buckets[i];
			bprintf(&b, "botwall_request_score_bucket{le=\"%d\"} %llu\n", le[i], cum);
		}
		bprintf(&b, "botwall_request_score_bucket{le=\"+Inf\"} %llu\n", cum);
		bprintf(&b, "botwall_request_score_sum %llu\n", (unsigned long long)ss.score_sum);
		bprintf(&b, "botwall_request_score_count %llu\n", (unsigned long long)ss.scored);
		metric_head(&b, "botwall_verdicts_pushed_total", "counter", "Block verdicts written by the daemon.");
		bprintf(&b, "botwall_verdicts_pushed_total %llu\n", (unsigned long long)ss.verdicts_pushed);
		metric_head(&b, "botwall_samples_total", "counter", "Ring buffer records consumed by the daemon.");
		bprintf(&b, "botwall_samples_total %llu\n", (unsigned long long)ss.samples_seen);
		metric_head(&b, "botwall_parse_errors_total", "counter", "Samples that were not valid HTTP.");
		bprintf(&b, "botwall_parse_errors_total %llu\n", (unsigned long long)ss.parse_errors);
	}
	if (api->cfg.policy) {
		const struct bw_policy_counters *pc = api->cfg.policy;

		metric_head(&b, "botwall_policy_decisions_total", "counter",
			    "Scored requests a policy matched, by action; mode shadow: would-be, not pushed.");
		for (int m = 0; m < 2; m++)
			for (int a = 0; a < BW_PACT__MAX; a++)
				bprintf(&b, "botwall_policy_decisions_total{action=\"%s\",mode=\"%s\"} %llu\n",
					bw_pact_name((unsigned int)a), m ? "shadow" : "enforced",
					(unsigned long long)__atomic_load_n(&pc->decisions[m][a],
									   __ATOMIC_RELAXED));
		metric_head(&b, "botwall_behaviour_known_total", "counter",
			    "Scored requests whose source had a bot probability (enough history).");
		bprintf(&b, "botwall_behaviour_known_total %llu\n",
			(unsigned long long)__atomic_load_n(&pc->behave_known, __ATOMIC_RELAXED));
		metric_head(&b, "botwall_behaviour_evictions_total", "counter",
			    "Sources evicted from the daemon's bounded behaviour table.");
		bprintf(&b, "botwall_behaviour_evictions_total %llu\n",
			(unsigned long long)__atomic_load_n(&pc->behave_evictions, __ATOMIC_RELAXED));
	}
	if (api->cfg.verdicts_fd >= 0) {
		metric_head(&b, "botwall_verdicts", "gauge", "Entries in the verdict map (live or not yet swept).");
		bprintf(&b, "botwall_verdicts %ld\n", count_verdicts(api->cfg.verdicts_fd));
	}
	if (api->cfg.writer) {
		struct bw_store_counters sc;
		int64_t now = bw_realtime_ms();

		bw_store_get_counters(api->cfg.writer, &sc);
		metric_head(&b, "botwall_store_rows_written_total", "counter", "Hit rows committed to the store.");
		bprintf(&b, "botwall_store_rows_written_total %llu\n", (unsigned long long)sc.written);
		metric_head(&b, "botwall_store_rows_dropped_total", "counter",
			    "Hit rows dropped: queue full or write failed.");
		bprintf(&b, "botwall_store_rows_dropped_total %llu\n", (unsigned long long)sc.dropped);
		metric_head(&b, "botwall_store_rows_expired_total", "counter", "Hit rows removed by retention.");
		bprintf(&b, "botwall_store_rows_expired_total %llu\n", (unsigned long long)sc.expired);
		metric_head(&b, "botwall_store_queue_rows", "gauge", "Rows waiting for the store writer.");
		bprintf(&b, "botwall_store_queue_rows %llu\n", (unsigned long long)sc.queued);
		metric_head(&b, "botwall_store_queue_capacity", "gauge", "Capacity of the writer queue.");
		bprintf(&b, "botwall_store_queue_capacity %llu\n", (unsigned long long)sc.queue_cap);
		metric_head(&b, "botwall_store_lag_seconds", "gauge", "Age of the oldest row waiting to be written.");
		bprintf(&b, "botwall_store_lag_seconds %.3f\n",
			sc.oldest_queued_ms && now > sc.oldest_queued_ms ?
			(double)(now - sc.oldest_queued_ms) / 1000.0 : 0.0);
	}
	if (b.oom) {
		free(b.p);
		return MHD_NO;
	}
	return send_text(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b.p);
}

/* ---- routing ---- */

enum route { R_OVERVIEW, R_SESSIONS, R_METRICS, R_BOT, R_DECISION, R_BLOCK, R_UNBLOCK };

/* A POST in progress: its body, bounded. */
struct post {
	enum route route;
	size_t len;
	bool too_big;
	char body[BW_API_BODY_MAX];
};

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

/*
 * Admin: POST /v1/block {"ip": ADDR, "ttl": SECONDS} and POST /v1/unblock
 * {"ip": ADDR}. A manual verdict, like `botwall verdict add|del`. An
 * allowlisted address is refused (the datapath would ignore it anyway).
 */
static enum MHD_Result serve_admin(struct bw_api *api, struct MHD_Connection *c, struct post *p)
{
	struct bw_lpm_key k = { .prefixlen = 128 };
	struct bw_list_entry le;
	cJSON *in, *ip, *ttl, *out;
	struct bw_addr a;
	char err[160];
	double t = 600;

	if (api->cfg.verdicts_fd < 0)
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no verdict map");
	in = cJSON_ParseWithLength(p->body, p->len);
	if (!in || !cJSON_IsObject(in)) {
		cJSON_Delete(in);
		return send_error(c, MHD_HTTP_BAD_REQUEST, "body: expected a JSON object");
	}
	ip = cJSON_GetObjectItemCaseSensitive(in, "ip");
	ttl = cJSON_GetObjectItemCaseSensitive(in, "ttl");
	if (!cJSON_IsString(ip) || bw_parse_addr(ip->valuestring, &a, err, sizeof(err))) {
		cJSON_Delete(in);
		return send_error(c, MHD_HTTP_BAD_REQUEST, "ip: expected an IPv4 or IPv6 address");
	}
	if (ttl && (p->route != R_BLOCK || !cJSON_IsNumber(ttl) || ttl->valuedouble < 0 ||
		    ttl->valuedouble > 31536000 || ttl->valuedouble != (double)(long)ttl->valuedouble)) {
		cJSON_Delete(in);
		return send_error(c, MHD_HTTP_BAD_REQUEST, "ttl: expected whole seconds 0-31536000 (0: no expiry)");
	}
	if (ttl)
		t = ttl->valuedouble;
	out = cJSON_CreateObject();
	cJSON_AddBoolToObject(out, "success", 1);
	cJSON_AddStringToObject(out, "ip", ip->valuestring);
	memcpy(k.addr, a.b, 16);
	if (p->route == R_BLOCK) {
		if (api->cfg.allow_fd >= 0 && !bpf_map_lookup_elem(api->cfg.allow_fd, &k, &le)) {
			cJSON_Delete(in);
			cJSON_Delete(out);
			return send_error(c, MHD_HTTP_CONFLICT, "ip: address is on the allowlist");
		}
		struct bw_verdict_fds vf = { api->cfg.verdicts_fd, api->cfg.vfilter_fd };
		int lock = -1, rc = -1;

		if (api->cfg.pin_dir)
			lock = bw_map_lock(api->cfg.pin_dir, 1000, err, sizeof(err));
		if (!api->cfg.pin_dir || lock >= 0)
			rc = bw_verdict_put_action(&vf, &a, (unsigned int)t, BW_ACT_DROP, 0,
						   BW_VR_MANUAL, 100, BW_FLAG__MAX);
		bw_unlock(lock);
		if (rc) {
			cJSON_Delete(in);
			cJSON_Delete(out);
			return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "writing the verdict failed");
		}
		cJSON_AddNumberToObject(out, "ttl", t);
		bw_info("api: manual block %s for %us", ip->valuestring, (unsigned int)t);
	} else {
		if (bpf_map_delete_elem(api->cfg.verdicts_fd, &a)) {
			cJSON_Delete(in);
			cJSON_Delete(out);
			return send_error(c, MHD_HTTP_NOT_FOUND, "ip: no verdict for this address");
		}
		bw_info("api: manual unblock %s", ip->valuestring);
	}
	cJSON_Delete(in);
	return send_json(c, MHD_HTTP_OK, out);
}

static enum MHD_Result serve_post(struct bw_api *api, struct MHD_Connection *c, struct post *p)
{
	struct bw_decide_ctx ctx = {
		.allow_fd = api->cfg.allow_fd, .block_fd = api->cfg.block_fd,
		.verdicts_fd = api->cfg.verdicts_fd,
		.threshold = api->cfg.threshold ? api->cfg.threshold : 80,
	};
	char err[256];
	cJSON *doc = NULL;
	int code;

	if (p->too_big)
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body is larger than %d bytes",
				  BW_API_BODY_MAX);
	if (p->route == R_BLOCK || p->route == R_UNBLOCK)
		return serve_admin(api, c, p);
	code = p->route == R_BOT ? bw_decide_bot(&ctx, p->body, p->len, &doc, err, sizeof(err))
				 : bw_decide_decision(&ctx, p->body, p->len, &doc, err, sizeof(err));
	if (code != 200)
		return send_error(c, MHD_HTTP_BAD_REQUEST, "%s", err);
	return send_json(c, MHD_HTTP_OK, doc);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct bw_api *api = cls;
	enum route route;
	const char *auth, *site = NULL;
	unsigned int scopes, need;
	bool is_post;
	enum MHD_Result ret = MHD_NO;
	char err[256];
	cJSON *doc;

	(void)version;
	(void)upload_data;
	if (*con_cls) {
		/* A POST body arriving, then the end of it. */
		struct post *p = *con_cls;

		if (*upload_data_size) {
			if (p->len + *upload_data_size > sizeof(p->body))
				p->too_big = true;
			else
				memcpy(p->body + p->len, upload_data, *upload_data_size);
			if (!p->too_big)
				p->len += *upload_data_size;
			*upload_data_size = 0;
			return MHD_YES;
		}
		return serve_post(api, c, p);
	}
	if (!strcmp(url, "/v1/bot"))
		route = R_BOT;
	else if (!strcmp(url, "/v1/decision"))
		route = R_DECISION;
	else if (!strcmp(url, "/bot-stats/overview"))
		route = R_OVERVIEW;
	else if (!strcmp(url, "/bot-stats/suspicious-sessions"))
		route = R_SESSIONS;
	else if (!strcmp(url, "/metrics"))
		route = R_METRICS;
	else if (!strcmp(url, "/v1/block"))
		route = R_BLOCK;
	else if (!strcmp(url, "/v1/unblock"))
		route = R_UNBLOCK;
	else
		return send_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint");
	is_post = route == R_BOT || route == R_DECISION || route == R_BLOCK || route == R_UNBLOCK;
	if (is_post ? strcmp(method, "POST") : strcmp(method, "GET") && strcmp(method, "HEAD"))
		return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use %s", is_post ? "POST" : "GET");

	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!auth || strncasecmp(auth, "Bearer ", 7))
		return send_error(c, MHD_HTTP_UNAUTHORIZED, "a bearer token is required");
	auth += 7;
	while (*auth == ' ')
		auth++;
	scopes = bw_tokens_check(&api->tokens, auth, strnlen(auth, BW_TOKEN_MAX + 1));
	if (!scopes)
		return send_error(c, MHD_HTTP_UNAUTHORIZED, "unknown token");
	need = route == R_BLOCK || route == R_UNBLOCK ? BW_SCOPE_ADMIN :
	       is_post ? BW_SCOPE_DECIDE : BW_SCOPE_READ;
	if (!(scopes & need))
		return send_error(c, MHD_HTTP_FORBIDDEN, "this token lacks the %s scope",
				  need == BW_SCOPE_ADMIN ? "admin" : is_post ? "decide" : "read");
	if (is_post) {
		struct post *p = malloc(sizeof(*p));

		if (!p)
			return MHD_NO;
		p->route = route;
		p->len = 0;
		p->too_big = false;
		*con_cls = p;
		return MHD_YES;
	}

	if (route == R_METRICS)
		return serve_metrics(api, c);
	if (site_param(c, &site, &ret))
		return ret;
	if (!api->reader)
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no store configured (--store)");
	if (route == R_OVERVIEW) {
		int days;

		if (int_param(c, "days", 30, 1, 90, &days, &ret))
			return ret;
		doc = bw_store_overview(api->reader, site, days, bw_realtime_ms(), err, sizeof(err));
	} else {
		int min_score, limit;

		if (int_param(c, "min_score", 50, 1, 100, &min_score, &ret) ||
		    int_param(c, "limit", 20, 1, 100, &limit, &ret))
			return ret;
		doc = bw_store_sessions(api->reader, site, min_score, limit, bw_realtime_ms(),
					err, sizeof(err));
	}
	if (!doc) {
		bw_err("api %s: %s", url, err);
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store error");
	}
	return send_json(c, MHD_HTTP_OK, doc);
}

static int parse_listen(const char *s, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	char host[64];
	const char *colon, *port;
	unsigned long p;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		port = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			goto bad;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || end == port || *end || p > 65535)
		goto bad;
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "--api: '%s' is not ADDR:PORT or [ADDR6]:PORT", s);
	return -1;
}

struct bw_api *bw_api_start(const struct bw_api_config *cfg, char *err, size_t errlen)
{
	struct bw_api *api = calloc(1, sizeof(*api));
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (!api) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	api->cfg = *cfg;
	if (parse_listen(cfg->listen, &ss, err, errlen))
		goto fail;
	if (!cfg->tokens_path) {
		snprintf(err, errlen, "--api needs --tokens FILE");
		goto fail;
	}
	if (bw_tokens_load(cfg->tokens_path, &api->tokens, err, errlen))
		goto fail;
	if (cfg->store_path) {
		api->reader = bw_store_open(cfg->store_path, true, err, errlen);
		if (!api->reader)
			goto fail;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	api->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, api,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)API_CONN_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)API_PER_IP_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)API_TIMEOUT_SEC,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_END);
	if (!api->mhd) {
		snprintf(err, errlen, "--api %s: cannot listen (address in use?)", cfg->listen);
		goto fail;
	}
	info = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_BIND_PORT);
	api->port = info ? info->port : 0;
	return api;
fail:
	bw_store_close(api->reader);
	bw_tokens_free(&api->tokens);
	free(api);
	return NULL;
}

unsigned int bw_api_port(const struct bw_api *api)
{
	return api->port;
}

void bw_api_stop(struct bw_api *api)
{
	if (!api)
		return;
	MHD_stop_daemon(api->mhd);
	bw_store_close(api->reader);
	bw_tokens_free(&api->tokens);
	free(api);
}
