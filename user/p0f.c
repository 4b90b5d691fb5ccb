// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p0f.h"
#include "text.h"

#define MAX_DIST 35  /* hops between the initial TTL and what we see (p0f's own bound) */

enum wmode { W_ANY, W_EQ, W_MSS, W_MTU, W_MOD };

struct sig {
	int ver;              /* 0 = any */
	int ittl;             /* 0 = any */
	int olen, mss;        /* mss -1 = any */
	enum wmode wmode;
	int wval;
	int scale;            /* -1 = any */
	char olayout[64];
	char quirks[64];
	int pclass;           /* -1 any, 0 none, 1 data */
	int label;            /* index into labels */
	int line;
};

struct bw_p0f {
	struct sig *sigs;
	size_t n, cap;
	struct bw_syn_class *labels;
	size_t nl, capl;
};

static int num(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 0 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

/* Splits s at ':' into at most n fields (in place). */
static int split(char *s, char **f, int n, char sep)
{
	int k = 0;

	f[k++] = s;
	for (; *s; s++)
		if (*s == sep) {
			if (k == n)
				return -1;
			*s = 0;
			f[k++] = s + 1;
		}
	return k;
}

static int parse_sig(char *s, struct sig *g, const char **bad)
{
	char *f[8], *ws[2];

	if (split(s, f, 8, ':') != 8)
		return *bad = "8 ':'-separated fields", -1;
	g->ver = !strcmp(f[0], "*") ? 0 : atoi(f[0]);
	if (g->ver && g->ver != 4 && g->ver != 6)
		return *bad = "ver", -1;
	if (!strcmp(f[1], "*"))
		g->ittl = 0;
	else if ((g->ittl = atoi(f[1])) <= 0 || g->ittl > 255) /* "64-" and "64+N" forms: the base */
		return *bad = "ittl", -1;
	if (num(f[2], &g->olen))
		return *bad = "olen", -1;
	if (!strcmp(f[3], "*"))
		g->mss = -1;
	else if (num(f[3], &g->mss))
		return *bad = "mss", -1;
	if (split(f[4], ws, 2, ',') != 2)
		return *bad = "wsize,scale", -1;
	if (!strcmp(ws[0], "*"))
		g->wmode = W_ANY;
	else if (!strncmp(ws[0], "mss*", 4) && !num(ws[0] + 4, &g->wval))
		g->wmode = W_MSS;
	else if (!strncmp(ws[0], "mtu*", 4) && !num(ws[0] + 4, &g->wval))
		g->wmode = W_MTU;
	else if (ws[0][0] == '%' && !num(ws[0] + 1, &g->wval) && g->wval)
		g->wmode = W_MOD;
	else if (!num(ws[0], &g->wval))
		g->wmode = W_EQ;
	else
		return *bad = "wsize", -1;
	if (!strcmp(ws[1], "*"))
		g->scale = -1;
	else if (num(ws[1], &g->scale))
		return *bad = "scale", -1;
	if (strlen(f[5]) >= sizeof(g->olayout) || strlen(f[6]) >= sizeof(g->quirks))
		return *bad = "olayout/quirks too long", -1;
	strcpy(g->olayout, f[5]);
	strcpy(g->quirks, f[6]);
	g->pclass = !strcmp(f[7], "*") ? -1 : !strcmp(f[7], "0") ? 0 : !strcmp(f[7], "+") ? 1 : -2;
	if (g->pclass == -2)
		return *bad = "pclass", -1;
	return 0;
}

static int parse_label(char *s, struct bw_syn_class *c)
{
	char *f[4];

	if (split(s, f, 4, ':') != 4 || (strcmp(f[0], "s") && strcmp(f[0], "g")))
		return -1;
	memset(c, 0, sizeof(*c));
	c->generic = f[0][0] == 'g';
	snprintf(c->cls, sizeof(c->cls), "%.7s", f[1]);
	snprintf(c->os, sizeof(c->os), "%.23s", f[2]);
	snprintf(c->flavor, sizeof(c->flavor), "%.31s", f[3]);
	return 0;
}

struct bw_p0f *bw_p0f_load(const char *path, char *err, size_t errlen)
{
	struct bw_p0f *db = calloc(1, sizeof(*db));
	FILE *f;
	char line[512], *s;
	struct bw_lines r;
	int ln, in_sec = 0, have_label = 0, more;

	if (!db)
		return NULL;
	if (!path)
		path = BW_P0F_DEFAULT_PATH;
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(db);
		return NULL;
	}
	/* Comments are lines that start with ';' (p0f.fp's own rule). */
	r = (struct bw_lines)BW_LINES_INIT(f, path, NULL, line);
	while ((more = bw_lines_next(&r, &s, err, errlen)) > 0) {
		char *eq, *k, *v;
		const char *bad = "";

		ln = (int)r.lineno;
		if (*s == ';')
			continue;
		if (*s == '[') {
			in_sec = !strcmp(s, "[tcp:request]");
			have_label = 0;
			continue;
		}
		if (!in_sec)
			continue;
		if (!(eq = strchr(s, '='))) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", path, ln);
			goto fail;
		}
		*eq = 0;
		k = bw_trim(s);
		v = bw_trim(eq + 1);
		if (!strcmp(k, "label")) {
			if (db->nl == db->capl) {
				size_t nc = db->capl ? db->capl * 2 : 64;
				void *n = realloc(db->labels, nc * sizeof(*db->labels));

				if (!n)
					goto oom;
				db->labels = n;
				db->capl = nc;
			}
			if (parse_label(v, &db->labels[db->nl])) {
				snprintf(err, errlen, "%s:%d: label: expected s|g:class:name:flavor", path, ln);
				goto fail;
			}
			db->nl++;
			have_label = 1;
		} else if (!strcmp(k, "sig")) {
			struct sig g = { 0 };

			if (!have_label) {
				snprintf(err, errlen, "%s:%d: sig before any label", path, ln);
				goto fail;
			}
			if (parse_sig(v, &g, &bad)) {
				snprintf(err, errlen, "%s:%d: sig: bad %s", path, ln, bad);
				goto fail;
			}
			g.label = (int)db->nl - 1;
			g.line = ln;
			if (db->n == db->cap) {
				size_t nc = db->cap ? db->cap * 2 : 256;
				void *n = realloc(db->sigs, nc * sizeof(*db->sigs));

				if (!n)
					goto oom;
				db->sigs = n;
				db->cap = nc;
			}
			db->sigs[db->n++] = g;
		}
		/* sys = ... and other keys are not needed */
	}
	if (more < 0)
		goto fail;
	fclose(f);
	if (!db->n) {
		snprintf(err, errlen, "%s: no [tcp:request] signatures", path);
		bw_p0f_free(db);
		return NULL;
	}
	return db;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	fclose(f);
	bw_p0f_free(db);
	return NULL;
}

void bw_p0f_free(struct bw_p0f *db)
{
	if (!db)
		return;
	free(db->sigs);
	free(db->labels);
	free(db);
}

size_t bw_p0f_count(const struct bw_p0f *db)
{
	return db ? db->n : 0;
}

int bw_syn_parse(const char *s, struct bw_syn *o, char *err, size_t errlen)
{
	char buf[256], *f[8], *ws[2];
	static const char *const names[8] = { "ver", "ttl", "olen", "mss", "wsize,scale",
					      "olayout", "quirks", "pclass" };

	memset(o, 0, sizeof(*o));
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "SYN traits: longer than %zu characters", sizeof(buf) - 1);
		return -1;
	}
	strcpy(buf, s);
	if (split(buf, f, 8, ':') != 8) {
		snprintf(err, errlen, "SYN traits: expected ver:ttl:olen:mss:wsize,scale:olayout:quirks:pclass");
		return -1;
	}
	for (int i = 0; i < 8; i++) {
		int bad = 0;

		switch (i) {
		case 0: bad = num(f[0], &o->ver) || (o->ver != 4 && o->ver != 6); break;
		case 1: bad = num(f[1], &o->ttl) || o->ttl < 1 || o->ttl > 255; break;
		case 2: bad = num(f[2], &o->olen) || o->olen > 40; break;
		case 3: bad = num(f[3], &o->mss); break;
		case 4: bad = split(f[4], ws, 2, ',') != 2 || num(ws[0], &o->win) ||
			      num(ws[1], &o->scale) || o->scale > 14;
			break;
		case 5: bad = strlen(f[5]) >= sizeof(o->olayout);   /* empty: no options */
			if (!bad)
				strcpy(o->olayout, f[5]);
			break;
		case 6: bad = strlen(f[6]) >= sizeof(o->quirks);
			if (!bad)
				strcpy(o->quirks, f[6]);
			break;
		case 7: bad = strcmp(f[7], "0") && strcmp(f[7], "+");
			o->payload = f[7][0] == '+';
			break;
		}
		if (bad) {
			snprintf(err, errlen, "SYN traits: bad field %d (%s): '%s'", i + 1, names[i], f[i]);
			return -1;
		}
	}
	return 0;
}

static bool sig_match(const struct sig *g, const struct bw_syn *s)
{
	if (g->ver && g->ver != s->ver)
		return false;
	if (g->ittl && (s->ttl > g->ittl || g->ittl - s->ttl > MAX_DIST))
		return false;
	if (g->olen != s->olen || (g->mss >= 0 && g->mss != s->mss))
		return false;
	switch (g->wmode) {
	case W_ANY: break;
	case W_EQ: if (s->win != g->wval) return false; break;
	case W_MSS: if (s->win != s->mss * g->wval) return false; break;
	case W_MTU: if (s->win != (s->mss + (s->ver == 6 ? 60 : 40)) * g->wval) return false; break;
	case W_MOD: if (s->win % g->wval) return false; break;
	}
	if (g->scale >= 0 && g->scale != s->scale)
		return false;
	if (strcmp(g->olayout, s->olayout) || strcmp(g->quirks, s->quirks))
		return false;
	return g->pclass < 0 || g->pclass == (int)s->payload;
}

int bw_p0f_match(const struct bw_p0f *db, const struct bw_syn *syn, struct bw_syn_class *out)
{
	if (!db)
		return 0;
	for (int pass = 0; pass < 2; pass++)  /* specific signatures first */
		for (size_t i = 0; i < db->n; i++) {
			const struct bw_syn_class *c = &db->labels[db->sigs[i].label];

			if (c->generic != (pass == 1) || !sig_match(&db->sigs[i], syn))
				continue;
			*out = *c;
			out->line = db->sigs[i].line;
			return 1;
		}
	return 0;
}

/* The p0f OS families a user-agent OS may show up as. */
bool bw_p0f_os_mismatch(const struct bw_syn_class *c, const char *ua_os)
{
	static const struct { const char *ua, *p0f[3]; } map[] = {
		{ "Windows", { "Windows" } },
		{ "Mac OS X", { "Mac OS X", "MacOS X" } },
		{ "iOS", { "iOS", "MacOS X", "Mac OS X" } },
		{ "Android", { "Linux" } },
		{ "Linux", { "Linux" } }, { "Ubuntu", { "Linux" } }, { "Fedora", { "Linux" } },
		{ "Debian", { "Linux" } }, { "Chrome OS", { "Linux" } },
		{ "FreeBSD", { "FreeBSD" } }, { "OpenBSD", { "OpenBSD" } },
	};

	if (!c || !ua_os || !c->os[0])
		return false;
	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++) {
		if (strcmp(map[i].ua, ua_os))
			continue;
		for (int k = 0; k < 3 && map[i].p0f[k]; k++)
			if (!strcmp(map[i].p0f[k], c->os))
				return false;
		return true;
	}
	return false; /* an OS we cannot map: no claim either way */
}

/* Appends ",word" (or "word" first) to a bounded string. */
static void add_word(char *s, size_t cap, const char *w)
{
	size_t n = strlen(s);

	snprintf(s + n, cap - n, "%s%s", n ? "," : "", w);
}

void bw_syn_from_traits(const struct bw_syn_traits *t, struct bw_syn *o)
{
	/* p0f's quirk order (signatures compare the text). */
	static const struct { __u16 bit; const char *name; } q[] = {
		{ BW_SQ_ECN, "ecn" }, { BW_SQ_MBZ, "0+" }, { BW_SQ_FLOW, "flow" },
		{ BW_SQ_SEQ_ZERO, "seq-" }, { BW_SQ_ACK_NZ, "ack+" }, { BW_SQ_UPTR_NZ, "uptr+" },
		{ BW_SQ_URG, "urgf+" }, { BW_SQ_PUSH, "pushf+" }, { BW_SQ_TS1_ZERO, "ts1-" },
		{ BW_SQ_TS2_NZ, "ts2+" }, { BW_SQ_OPT_TAIL, "opt+" }, { BW_SQ_WS_BIG, "exws" },
		{ BW_SQ_BAD_OPT, "bad" },
	};
	unsigned int nopts = t->nopts < BW_SYN_OPTS_MAX ? t->nopts : BW_SYN_OPTS_MAX;

	memset(o, 0, sizeof(*o));
	o->ver = t->family == 6 ? 6 : 4;
	o->ttl = t->ttl;
	o->olen = t->family == 6 ? 0 : t->ip_olen;
	o->mss = t->mss;
	o->win = t->window;
	o->scale = t->has_wscale ? (t->wscale > 14 ? 14 : t->wscale) : 0;
	o->payload = t->payload;
	for (unsigned int i = 0; i < nopts; i++) {
		char w[16];

		switch (t->opts[i]) {
		case 0: snprintf(w, sizeof(w), "eol+%u", t->eol_pad); break;
		case 1: snprintf(w, sizeof(w), "nop"); break;
		case 2: snprintf(w, sizeof(w), "mss"); break;
		case 3: snprintf(w, sizeof(w), "ws"); break;
		case 4: snprintf(w, sizeof(w), "sok"); break;
		case 5: snprintf(w, sizeof(w), "sack"); break;
		case 8: snprintf(w, sizeof(w), "ts"); break;
		default: snprintf(w, sizeof(w), "?%u", t->opts[i]); break;
		}
		add_word(o->olayout, sizeof(o->olayout), w);
	}
	if (o->ver == 4) {
		bool df = t->quirks & BW_SQ_DF, id = t->quirks & BW_SQ_ID_NZ;

		if (df)
			add_word(o->quirks, sizeof(o->quirks), "df");
		if (df && id)
			add_word(o->quirks, sizeof(o->quirks), "id+");
		if (!df && !id)
			add_word(o->quirks, sizeof(o->quirks), "id-");
	}
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (t->quirks & q[i].bit)
			add_word(o->quirks, sizeof(o->quirks), q[i].name);
}

int bw_syn_format(const struct bw_syn *s, char *out, size_t len)
{
	return snprintf(out, len, "%d:%d:%d:%d:%d,%d:%s:%s:%s", s->ver, s->ttl, s->olen, s->mss,
			s->win, s->scale, s->olayout, s->quirks, s->payload ? "+" : "0");
}
