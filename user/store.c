// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "names.h"
#include "store.h"

#define BATCH_MAX 512
#define RETENTION_EVERY_MS 60000

struct bw_store {
	sqlite3 *db;
	bool readonly;
	char salt[33];
	sqlite3_stmt *ins_hit, *up_daily, *up_flag;

	/* writer */
	pthread_t thread;
	bool running, stopping;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct bw_hit *q;
	size_t cap, head, len;
	uint64_t written, dropped, expired;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS hits("
	" ts INTEGER NOT NULL, site TEXT NOT NULL, addr TEXT NOT NULL,"
	" session_id TEXT NOT NULL, score INTEGER NOT NULL, flags_mask INTEGER NOT NULL,"
	" flags TEXT NOT NULL, policy TEXT NOT NULL, action TEXT NOT NULL,"
	" user_agent TEXT NOT NULL, path TEXT NOT NULL, hfp TEXT NOT NULL, country TEXT);"
	"CREATE INDEX IF NOT EXISTS hits_ts ON hits(ts);"
	"CREATE INDEX IF NOT EXISTS hits_site_ts ON hits(site, ts);"
	"CREATE INDEX IF NOT EXISTS hits_session ON hits(site, session_id, ts);"
	"CREATE TABLE IF NOT EXISTS daily("
	" site TEXT NOT NULL, day TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0,"
	" score_sum INTEGER NOT NULL DEFAULT 0, b0 INTEGER NOT NULL DEFAULT 0,"
	" b1 INTEGER NOT NULL DEFAULT 0, b2 INTEGER NOT NULL DEFAULT 0,"
	" b3 INTEGER NOT NULL DEFAULT 0, b4 INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY(site, day));"
	"CREATE TABLE IF NOT EXISTS daily_flags("
	" site TEXT NOT NULL, day TEXT NOT NULL, flag TEXT NOT NULL,"
	" count INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(site, day, flag));";

int64_t bw_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void day_of(int64_t ts_ms, char out[11])
{
	time_t t = (time_t)(ts_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* OR of an integer column: the flags of a session. */
static void bitor_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlite3_int64 *acc = sqlite3_aggregate_context(ctx, sizeof(*acc));

	(void)argc;
	if (acc)
		*acc |= sqlite3_value_int64(argv[0]);
}

static void bitor_final(sqlite3_context *ctx)
{
	sqlite3_int64 *acc = sqlite3_aggregate_context(ctx, 0);

	sqlite3_result_int64(ctx, acc ? *acc : 0);
}

static int exec(struct bw_store *st, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int load_salt(struct bw_store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key='salt'", -1, &s, NULL))
		goto fail;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(st->salt, sizeof(st->salt), "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		return 0;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (st->readonly)
		return 0;
	{
		unsigned char r[16];

		if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < 16; i++)
			snprintf(st->salt + 2 * i, 3, "%02x", r[i]);
	}
	if (sqlite3_prepare_v2(st->db, "INSERT INTO meta(key, value) VALUES('salt', ?)", -1, &s, NULL))
		goto fail;
	sqlite3_bind_text(s, 1, st->salt, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);
	return 0;
fail:
	snprintf(err, errlen, "%s", sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	return -1;
}

struct bw_store *bw_store_open(const char *path, bool readonly, char *err, size_t errlen)
{
	struct bw_store *st = calloc(1, sizeof(*st));
	int fl = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	char e[256];

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->readonly = readonly;
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	if (sqlite3_open_v2(path, &st->db, fl | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 2000);
	sqlite3_create_function(st->db, "bitor", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				NULL, bitor_step, bitor_final);
	if (!readonly) {
		if (exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", e, sizeof(e)) ||
		    exec(st, schema, e, sizeof(e))) {
			snprintf(err, errlen, "%s: %s", path, e);
			goto fail;
		}
		if (sqlite3_prepare_v2(st->db,
			"INSERT INTO hits(ts, site, addr, session_id, score, flags_mask, flags, policy,"
			" action, user_agent, path, hfp, country) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
			-1, &st->ins_hit, NULL) ||
		    sqlite3_prepare_v2(st->db,
			"INSERT INTO daily(site, day, total, score_sum, b0, b1, b2, b3, b4)"
			" VALUES(?1, ?2, 1, ?3, ?4=0, ?4=1, ?4=2, ?4=3, ?4=4)"
			" ON CONFLICT(site, day) DO UPDATE SET total=total+1, score_sum=score_sum+?3,"
			" b0=b0+(?4=0), b1=b1+(?4=1), b2=b2+(?4=2), b3=b3+(?4=3), b4=b4+(?4=4)",
			-1, &st->up_daily, NULL) ||
		    sqlite3_prepare_v2(st->db,
			"INSERT INTO daily_flags(site, day, flag, count) VALUES(?, ?, ?, 1)"
			" ON CONFLICT(site, day, flag) DO UPDATE SET count=count+1",
			-1, &st->up_flag, NULL)) {
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
			goto fail;
		}
	} else {
		/* A read-only open of a file that is not a store fails here. */
		sqlite3_stmt *s;

		if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM hits, daily LIMIT 0", -1, &s, NULL)) {
			snprintf(err, errlen, "%s: not a botwall store (%s)", path, sqlite3_errmsg(st->db));
			goto fail;
		}
		sqlite3_finalize(s);
	}
	if (load_salt(st, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", path, e);
		goto fail;
	}
	return st;
fail:
	sqlite3_finalize(st->ins_hit);
	sqlite3_finalize(st->up_daily);
	sqlite3_finalize(st->up_flag);
	sqlite3_close(st->db);
	free(st);
	return NULL;
}

static void *writer_main(void *arg);

int bw_store_writer_start(struct bw_store *st, size_t cap)
{
	if (st->readonly || st->running || cap == 0)
		return -1;
	st->q = calloc(cap, sizeof(*st->q));
	if (!st->q)
		return -1;
	st->cap = cap;
	if (pthread_create(&st->thread, NULL, writer_main, st)) {
		free(st->q);
		st->q = NULL;
		return -1;
	}
	st->running = true;
	return 0;
}

void bw_store_close(struct bw_store *st)
{
	if (!st)
		return;
	if (st->running) {
		pthread_mutex_lock(&st->mu);
		st->stopping = true;
		pthread_cond_signal(&st->cv);
		pthread_mutex_unlock(&st->mu);
		pthread_join(st->thread, NULL);
	}
	free(st->q);
	sqlite3_finalize(st->ins_hit);
	sqlite3_finalize(st->up_daily);
	sqlite3_finalize(st->up_flag);
	sqlite3_close(st->db);
	pthread_mutex_destroy(&st->mu);
	pthread_cond_destroy(&st->cv);
	free(st);
}

static void flags_csv(uint32_t mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < BW_FLAG__MAX && n < len; i++)
		if (mask & (1u << i))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", bw_flag_name(i));
}

static int insert_one(struct bw_store *st, const struct bw_hit *h)
{
	char day[11], flags[512];
	sqlite3_stmt *s = st->ins_hit;

	day_of(h->ts_ms, day);
	flags_csv(h->flags, flags, sizeof(flags));
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, h->ts_ms);
	sqlite3_bind_text(s, 2, h->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, h->addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, h->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, h->score);
	sqlite3_bind_int64(s, 6, h->flags);
	sqlite3_bind_text(s, 7, flags, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, h->policy, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, h->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, h->user_agent, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, h->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 12, h->hfp, -1, SQLITE_STATIC);
	if (h->country[0])
		sqlite3_bind_text(s, 13, h->country, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 13);
	if (sqlite3_step(s) != SQLITE_DONE)
		return -1;

	s = st->up_daily;
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, h->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, h->score);
	sqlite3_bind_int(s, 4, (int)bw_score_bucket(h->score));
	if (sqlite3_step(s) != SQLITE_DONE)
		return -1;

	for (int i = 0; i < BW_FLAG__MAX; i++) {
		if (!(h->flags & (1u << i)))
			continue;
		s = st->up_flag;
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, h->site, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, day, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, bw_flag_name(i), -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			return -1;
	}
	return 0;
}

int bw_store_insert(struct bw_store *st, const struct bw_hit *h, size_t n)
{
	char e[256];

	if (st->readonly)
		return -1;
	if (exec(st, "BEGIN IMMEDIATE", e, sizeof(e)))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (insert_one(st, &h[i])) {
			exec(st, "ROLLBACK", e, sizeof(e));
			return -1;
		}
	return exec(st, "COMMIT", e, sizeof(e));
}

/* Runs a "DELETE ... WHERE <col> < ?" in slices so the writer never holds
 * the database for long. */
static long delete_before(struct bw_store *st, const char *sql, int64_t ts, const char *day)
{
	sqlite3_stmt *s;
	long total = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL))
		return -1;
	for (int round = 0; round < 100000; round++) {
		int ch;

		sqlite3_reset(s);
		if (day)
			sqlite3_bind_text(s, 1, day, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(s, 1, ts);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return -1;
		}
		ch = sqlite3_changes(st->db);
		total += ch;
		if (ch < 5000)
			break;
	}
	sqlite3_finalize(s);
	return total;
}

long bw_store_retention(struct bw_store *st, int64_t now_ms)
{
	char day[11];
	long n;

	if (st->readonly)
		return -1;
	n = delete_before(st, "DELETE FROM hits WHERE rowid IN"
			  " (SELECT rowid FROM hits WHERE ts < ?1 LIMIT 5000)",
			  now_ms - BW_STORE_RETENTION_DAYS * BW_DAY_MS, NULL);
	if (n < 0)
		return -1;
	/* Rollups are per day: keep the days the longest overview can ask for. */
	day_of(now_ms - (BW_STORE_ROLLUP_DAYS - 1) * BW_DAY_MS, day);
	if (delete_before(st, "DELETE FROM daily WHERE day < ?1", 0, day) < 0 ||
	    delete_before(st, "DELETE FROM daily_flags WHERE day < ?1", 0, day) < 0)
		return -1;
	__atomic_add_fetch(&st->expired, (uint64_t)n, __ATOMIC_RELAXED);
	return n;
}

bool bw_store_enqueue(struct bw_store *st, const struct bw_hit *h)
{
	bool ok = false;

	if (!st->running) {
		__atomic_add_fetch(&st->dropped, 1, __ATOMIC_RELAXED);
		return false;
	}
	pthread_mutex_lock(&st->mu);
	if (st->len < st->cap) {
		st->q[(st->head + st->len) % st->cap] = *h;
		st->len++;
		ok = true;
		if (st->len == 1 || st->len >= BATCH_MAX)
			pthread_cond_signal(&st->cv);
	}
	pthread_mutex_unlock(&st->mu);
	if (!ok)
		__atomic_add_fetch(&st->dropped, 1, __ATOMIC_RELAXED);
	return ok;
}

void bw_store_get_counters(struct bw_store *st, struct bw_store_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->written = __atomic_load_n(&st->written, __ATOMIC_RELAXED);
	c->dropped = __atomic_load_n(&st->dropped, __ATOMIC_RELAXED);
	c->expired = __atomic_load_n(&st->expired, __ATOMIC_RELAXED);
	c->queue_cap = st->cap;
	pthread_mutex_lock(&st->mu);
	c->queued = st->len;
	if (st->len)
		c->oldest_queued_ms = st->q[st->head].ts_ms;
	pthread_mutex_unlock(&st->mu);
}

static void *writer_main(void *arg)
{
	struct bw_store *st = arg;
	struct bw_hit *batch = malloc(BATCH_MAX * sizeof(*batch));
	int64_t last_retention = 0;

	if (!batch)
		return NULL;
	for (;;) {
		size_t n = 0;
		bool stop;
		int64_t now;

		pthread_mutex_lock(&st->mu);
		if (!st->len && !st->stopping) {
			struct timespec dl;

			clock_gettime(CLOCK_REALTIME, &dl);
			dl.tv_sec += 1;
			pthread_cond_timedwait(&st->cv, &st->mu, &dl);
		}
		/* Copy out under the lock, write without it: enqueue never waits
		 * for the database. */
		while (st->len && n < BATCH_MAX) {
			batch[n++] = st->q[st->head];
			st->head = (st->head + 1) % st->cap;
			st->len--;
		}
		stop = st->stopping && !st->len;
		pthread_mutex_unlock(&st->mu);

		if (n) {
			if (bw_store_insert(st, batch, n) == 0)
				__atomic_add_fetch(&st->written, n, __ATOMIC_RELAXED);
			else
				__atomic_add_fetch(&st->dropped, n, __ATOMIC_RELAXED);
		}
		now = bw_realtime_ms();
		if (now - last_retention >= RETENTION_EVERY_MS) {
			bw_store_retention(st, now);
			last_retention = now;
		}
		if (stop)
			break;
	}
	free(batch);
	return NULL;
}

/* ---- building a row ---- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Cookie names that carry a session, compared case-insensitively. */
static bool is_session_cookie(const char *name, size_t n)
{
	static const char *const names[] = {
		"session", "sessionid", "session_id", "sid", "phpsessid", "jsessionid",
		"connect.sid", "asp.net_sessionid", "_session_id",
	};
	static const char suffix[] = "_session";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncasecmp(names[i], name, n))
			return true;
	return n > sizeof(suffix) - 1 &&
	       !strncasecmp(name + n - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1);
}

/* Finds the first session cookie in a Cookie header value. */
static bool find_session_cookie(const struct bw_slice *c, struct bw_slice *name,
				struct bw_slice *val)
{
	size_t i = 0;

	while (c && i < c->len) {
		size_t ns, ne, vs, ve;

		while (i < c->len && (c->p[i] == ' ' || c->p[i] == ';'))
			i++;
		ns = i;
		while (i < c->len && c->p[i] != '=' && c->p[i] != ';')
			i++;
		ne = i;
		if (i < c->len && c->p[i] == '=')
			i++;
		vs = i;
		while (i < c->len && c->p[i] != ';')
			i++;
		ve = i;
		while (ve > vs && c->p[ve - 1] == ' ')
			ve--;
		if (ne > ns && ve > vs && is_session_cookie(c->p + ns, ne - ns)) {
			*name = (struct bw_slice){ c->p + ns, ne - ns };
			*val = (struct bw_slice){ c->p + vs, ve - vs };
			return true;
		}
	}
	return false;
}

void bw_store_session_id(const struct bw_store *st, const char *site, const char *addr,
			 const struct bw_http_req *req, bool parsed, char out[24])
{
	uint64_t h = 0xcbf29ce484222325ull;
	const struct bw_slice *ua = parsed ? bw_http_get(req, "User-Agent") : NULL;
	const struct bw_slice *cookie = parsed ? bw_http_get(req, "Cookie") : NULL;
	struct bw_slice cn, cv;

	/* Salted so that ids are stable per store but reveal no cookie. */
	h = fnv1a(h, st ? st->salt : "", st ? strlen(st->salt) : 0);
	h = fnv1a(h, site, strlen(site) + 1);
	if (find_session_cookie(cookie, &cn, &cv)) {
		h = fnv1a(h, "c", 1);
		h = fnv1a(h, cn.p, cn.len);
		h = fnv1a(h, "=", 1);
		h = fnv1a(h, cv.p, cv.len);
	} else {
		h = fnv1a(h, "a", 1);
		h = fnv1a(h, addr, strlen(addr) + 1);
		if (ua)
			h = fnv1a(h, ua->p, ua->len);
	}
	snprintf(out, 24, "ses_%016llx", (unsigned long long)h);
}

/* Printable ASCII copy, bounded; stop at any byte in `stop`. */
static void copy_printable(char *dst, size_t len, const char *p, size_t n, const char *stop)
{
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (stop && strchr(stop, c))
			break;
		dst[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[j] = '\0';
}

void bw_hit_fill(struct bw_hit *h, const struct bw_store *st, const struct bw_sites *sites,
		 const char *addr, const struct bw_http_req *req, enum bw_http_status status,
		 const struct bw_score *sc, const char *policy, const char *action, int64_t ts_ms)
{
	bool parsed = status == BW_HTTP_OK;
	const struct bw_slice *host = parsed ? bw_http_get(req, "Host") : NULL;
	const struct bw_slice *ua = parsed ? bw_http_get(req, "User-Agent") : NULL;

	memset(h, 0, sizeof(*h));
	h->ts_ms = ts_ms;
	snprintf(h->site, sizeof(h->site), "%s",
		 bw_sites_match(sites, host ? host->p : NULL, host ? host->len : 0));
	snprintf(h->addr, sizeof(h->addr), "%s", addr);
	bw_store_session_id(st, h->site, addr, req, parsed, h->session_id);
	h->score = (uint8_t)(sc->score > 100 ? 100 : sc->score);
	h->flags = sc->flags;
	snprintf(h->policy, sizeof(h->policy), "%s", policy);
	snprintf(h->action, sizeof(h->action), "%s", action);
	if (ua)
		copy_printable(h->user_agent, sizeof(h->user_agent), ua->p, ua->len, NULL);
	/* The path without its query string: queries carry tokens. */
	if (req && req->target.p)
		copy_printable(h->path, sizeof(h->path), req->target.p, req->target.len, "?#");
}

/* ---- seed-000 documents ---- */

static double round2(double v)
{
	return (double)(long long)(v * 100.0 + (v >= 0 ? 0.5 : -0.5)) / 100.0;
}

static cJSON *envelope(cJSON *data)
{
	cJSON *doc = cJSON_CreateObject();

	cJSON_AddBoolToObject(doc, "success", 1);
	cJSON_AddItemToObject(doc, "data", data);
	return doc;
}

/* The end of an API query whose last statement is s: the answer in its
 * envelope if the statement ran to the end (rc SQLITE_DONE), else the
 * store's error and no answer. */
static cJSON *query_end(struct bw_store *st, sqlite3_stmt *s, int rc, cJSON *data, char *err,
			size_t errlen)
{
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(s);
		return envelope(data);
	}
	snprintf(err, errlen, "store: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	cJSON_Delete(data);
	return NULL;
}

static const char *flag_description(const char *name)
{
	int id = bw_flag_by_name(name);

	return id < 0 ? "" : bw_flag_names[id].description;
}

cJSON *bw_store_overview(struct bw_store *st, const char *site, int days, int64_t now_ms,
			 char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char start[11], end[11];
	long long b[BW_BUCKET__MAX] = {}, total = 0, sum = 0, susp;
	cJSON *data, *dist, *flags, *trend;
	int rc;

	if (days < 1 || days > BW_STORE_ROLLUP_DAYS) {
		snprintf(err, errlen, "days must be 1-%d", BW_STORE_ROLLUP_DAYS);
		return NULL;
	}
	day_of(now_ms - (int64_t)(days - 1) * BW_DAY_MS, start);
	day_of(now_ms, end);

	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "period_start", start);
	cJSON_AddStringToObject(data, "period_end", end);
	dist = cJSON_AddObjectToObject(data, "distribution");
	flags = cJSON_AddArrayToObject(data, "top_flags");
	trend = cJSON_AddArrayToObject(data, "daily_trend");

	/* One row per day of the period, oldest first; days without hits are
	 * zeros so the trend has no holes. */
	if (sqlite3_prepare_v2(st->db,
		"SELECT day, total, score_sum, b0, b1, b2, b3, b4 FROM daily"
		" WHERE site=?1 AND day>=?2 AND day<=?3 ORDER BY day", -1, &s, NULL))
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, start, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, end, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	for (int d = days - 1; d >= 0; d--) {
		char day[11];
		long long t = 0, ss = 0, sp = 0;
		cJSON *o;

		day_of(now_ms - (int64_t)d * BW_DAY_MS, day);
		if (rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(s, 0), day)) {
			t = sqlite3_column_int64(s, 1);
			ss = sqlite3_column_int64(s, 2);
			for (int i = 0; i < BW_BUCKET__MAX; i++)
				b[i] += sqlite3_column_int64(s, 3 + i);
			sp = sqlite3_column_int64(s, 5) + sqlite3_column_int64(s, 6) +
			     sqlite3_column_int64(s, 7);
			total += t;
			sum += ss;
			rc = sqlite3_step(s);
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "date", day);
		cJSON_AddNumberToObject(o, "total_hits", (double)t);
		cJSON_AddNumberToObject(o, "suspicious_hits", (double)sp);
		cJSON_AddNumberToObject(o, "avg_score", t ? round2((double)ss / (double)t) : 0.0);
		cJSON_AddItemToArray(trend, o);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);
	s = NULL;

	for (int i = 0; i < BW_BUCKET__MAX; i++)
		cJSON_AddNumberToObject(dist, bw_bucket_names[i], (double)b[i]);
	susp = b[BW_BUCKET_31_60] + b[BW_BUCKET_61_80] + b[BW_BUCKET_81_100];
	cJSON_AddNumberToObject(dist, "total_hits", (double)total);
	cJSON_AddNumberToObject(dist, "avg_score", total ? round2((double)sum / (double)total) : 0.0);
	cJSON_AddNumberToObject(dist, "suspicious_percentage",
				total ? round2(100.0 * (double)susp / (double)total) : 0.0);

	if (sqlite3_prepare_v2(st->db,
		"SELECT flag, SUM(count) AS c FROM daily_flags WHERE site=?1 AND day>=?2 AND day<=?3"
		" GROUP BY flag ORDER BY c DESC, flag LIMIT 10", -1, &s, NULL))
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, start, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, end, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "flag", name);
		cJSON_AddNumberToObject(o, "count", (double)sqlite3_column_int64(s, 1));
		cJSON_AddStringToObject(o, "description", flag_description(name));
		cJSON_AddItemToArray(flags, o);
	}
	return query_end(st, s, rc, data, err, errlen);
fail:
	return query_end(st, s, SQLITE_ERROR, data, err, errlen);
}

static void iso_ms(int64_t ts_ms, char out[32])
{
	time_t t = (time_t)(ts_ms / 1000);
	struct tm tm;
	char buf[24];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", buf, (int)(ts_ms % 1000));
}

cJSON *bw_store_sessions(struct bw_store *st, const char *site, int min_score, int limit,
			 int64_t now_ms, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cJSON *data;
	int rc;

	if (min_score < 1 || min_score > 100 || limit < 1 || limit > 100) {
		snprintf(err, errlen, "min_score must be 1-100 and limit 1-100");
		return NULL;
	}
	data = cJSON_CreateArray();
	/* Sessions of the last 7 days, their latest user agent and country. */
	if (sqlite3_prepare_v2(st->db,
		"SELECT session_id, MAX(score) AS ms, bitor(flags_mask), COUNT(*), MIN(ts), MAX(ts) AS ls,"
		" (SELECT user_agent FROM hits h2 WHERE h2.site=h.site AND h2.session_id=h.session_id"
		"  AND h2.ts>=?2 ORDER BY h2.ts DESC LIMIT 1),"
		" (SELECT country FROM hits h2 WHERE h2.site=h.site AND h2.session_id=h.session_id"
		"  AND h2.ts>=?2 AND h2.country IS NOT NULL ORDER BY h2.ts DESC LIMIT 1)"
		" FROM hits h WHERE site=?1 AND ts>=?2 GROUP BY session_id HAVING ms>=?3"
		" ORDER BY ms DESC, ls DESC LIMIT ?4", -1, &s, NULL))
		goto fail;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_ms - BW_STORE_SESSION_DAYS * BW_DAY_MS);
	sqlite3_bind_int(s, 3, min_score);
	sqlite3_bind_int(s, 4, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject(), *fl;
		uint32_t mask = (uint32_t)sqlite3_column_int64(s, 2);
		const char *ua = (const char *)sqlite3_column_text(s, 6);
		const char *cc = (const char *)sqlite3_column_text(s, 7);
		char t[32];

		cJSON_AddStringToObject(o, "session_id", (const char *)sqlite3_column_text(s, 0));
		cJSON_AddNumberToObject(o, "max_score", sqlite3_column_int(s, 1));
		fl = cJSON_AddArrayToObject(o, "flags");
		for (int i = 0; i < BW_FLAG__MAX; i++)
			if (mask & (1u << i))
				cJSON_AddItemToArray(fl, cJSON_CreateString(bw_flag_name(i)));
		cJSON_AddNumberToObject(o, "hit_count", (double)sqlite3_column_int64(s, 3));
		iso_ms(sqlite3_column_int64(s, 4), t);
		cJSON_AddStringToObject(o, "first_seen", t);
		iso_ms(sqlite3_column_int64(s, 5), t);
		cJSON_AddStringToObject(o, "last_seen", t);
		cJSON_AddStringToObject(o, "user_agent", ua ? ua : "");
		if (cc)
			cJSON_AddStringToObject(o, "country", cc);
		else
			cJSON_AddNullToObject(o, "country");
		cJSON_AddItemToArray(data, o);
	}
	return query_end(st, s, rc, data, err, errlen);
fail:
	return query_end(st, s, SQLITE_ERROR, data, err, errlen);
}
