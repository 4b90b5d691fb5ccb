// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ltable.h"
#include "maps.h"
#include "names.h"
#include "text.h"

enum { LIST_BLOCK = 1u, LIST_ALLOW = 2u, LIST_PORT = 4u, LIST_TABLE = 8u, LIST_POLICY = 16u };

const struct bw_config_key bw_config_keys[] = {
	{ "iface", "interface to attach to (needs a restart to change)", "(none, required)" },
	{ "mode", "XDP mode: auto (native, else skb), native or skb", "auto" },
	{ "pin_dir", "directory for the pinned maps (needs a restart to change)", BW_DEFAULT_PIN_DIR },
	{ "port", "TCP port whose HTTP requests are sampled, 1-65535; repeat for more (at most 8)", "80" },
	{ "blocklist", "list file of prefixes to drop; repeat for more (at most 32)", "(none)" },
	{ "allowlist", "list file of prefixes never filtered; repeat for more (at most 32)", "(none)" },
	{ "list", "NAME:CATEGORY:ACTION[:PPS]:SOURCE [refresh=DURATION], a list in the scalable table (PPS: rate_limit's packets per second per source, default 50); SOURCE a file or an http(s):// or file:// URL; repeat (at most 64)", "(none)" },
	{ "state_dir", "directory for the last good copy of fetched lists (and their fetch status)", BW_DEFAULT_STATE_DIR },
	{ "threshold", "score at which a source is blocked, 1-100", "80" },
	{ "verdict_ttl", "seconds a block verdict lasts, 1-604800", "600" },
	{ "verdict_action", "what a score verdict does: drop, reset, monitor or rate_limit:PPS", "drop" },
	{ "sample_bytes", "request bytes copied per sample, 64-2048", "2048" },
	{ "sampling", "sample and score HTTP requests: yes or no", "yes" },
	{ "sample_share", "percent of sources (chosen by a keyed hash of the address) whose every request is sampled, 0-100; new and monitored sources are always sampled", "100" },
	{ "sample_budget", "samples per CPU per second at most, 0 (no limit)-1000000", "20000" },
	{ "flood_pps", "flood guard: above this many packets per CPU per second, skip sampling and per-source state, 0 (off)-100000000", "2000000" },
	{ "keep", "on exit leave the program attached and the maps pinned: yes or no", "no" },
	{ "require_established", "push a verdict only for a request on an established local TCP connection: yes or no", "yes" },
	{ "max_verdicts_per_sec", "blast radius: new verdicts per second at most, 1-100000", "100" },
	{ "max_verdicts", "blast radius: live verdicts at most, 1-262144", "100000" },
	{ "verdict_table_size", "entries of the pinned verdict table (LRU), 16-4194304; a change is migrated at start", "262144" },
	{ "log_level", "error, warning, info or debug", "info" },
	{ "log_format", "text or json (one JSON object per line)", "text" },
	{ "weights", "scoring weights file (docs/scoring.md)", "(built in)" },
	{ "uap", "uap-core regexes.yaml", "/usr/share/uap-core/regexes.yaml" },
	{ "crawlers", "crawler-user-agents JSON", "(build/data, /usr/share/botwall)" },
	{ "p0f", "p0f signature file for SYN classes", "/etc/p0f/p0f.fp" },
	{ "store", "SQLite file recording every scored request", "(off)" },
	{ "sites", "Host name to site id file, needs store", "(one site: default)" },
	{ "geoip", "MaxMind-format database for the country, needs store", "(off)" },
	{ "api", "ADDR:PORT of the HTTP API, needs tokens", "(off)" },
	{ "tokens", "API bearer tokens file, 'TOKEN SCOPE[,SCOPE]' per line", "(none)" },
	{ "policy", "NAME: CONDITIONS -> ACTION [ttl=SEC] [shadow]; ordered, first match wins; repeat (at most 32)", "(only the implicit default: status=deny -> verdict_action)" },
	{ "shadow", "shadow mode for every policy: decide, log and record, push nothing: yes or no", "no" },
};
const size_t bw_config_nkeys = sizeof(bw_config_keys) / sizeof(bw_config_keys[0]);

void bw_settings_defaults(struct bw_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = BW_MODE_AUTO;
	snprintf(s->pin_dir, sizeof(s->pin_dir), "%s", BW_DEFAULT_PIN_DIR);
	s->ports[0] = 80;
	s->nports = 1;
	s->threshold = 80;
	s->verdict_ttl = 600;
	s->verdict_action = BW_ACT_DROP;
	s->sample_bytes = BW_SAMPLE_CAP;
	s->sampling = true;
	s->sample_share = BW_SHARE_ONE;
	s->sample_budget = 20000;
	s->flood_pps = 2000000;
	s->require_established = true;
	s->max_verdicts_per_sec = 100;
	s->max_verdicts = 100000;
	s->verdict_table_size = BW_VERDICT_MAX;
	s->log_level = BW_LOG_INFO;
	s->log_format = BW_LOGFMT_TEXT;
	snprintf(s->state_dir, sizeof(s->state_dir), "%s", BW_DEFAULT_STATE_DIR);
}

const char *bw_table_list_file(const struct bw_settings *s, const struct bw_table_list *l,
			       char *buf, size_t len)
{
	if (!l->url)
		return l->path;
	snprintf(buf, len, "%s/lists/%s", s->state_dir, l->name);
	return buf;
}

static void paths_free(struct bw_paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->path[i]);
	p->n = 0;
}

static void tables_free(struct bw_settings *s)
{
	for (size_t i = 0; i < s->ntables; i++) {
		free(s->tables[i].path);
		free(s->tables[i].url);
	}
	s->ntables = 0;
}

void bw_settings_free(struct bw_settings *s)
{
	paths_free(&s->blocklists);
	paths_free(&s->allowlists);
	tables_free(s);
}

static int paths_copy(struct bw_paths *dst, const struct bw_paths *src)
{
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++) {
		dst->path[i] = strdup(src->path[i]);
		if (!dst->path[i])
			return -1;
		dst->n = i + 1;
	}
	return 0;
}

int bw_settings_copy(struct bw_settings *dst, const struct bw_settings *src)
{
	*dst = *src;
	dst->blocklists.n = dst->allowlists.n = 0;
	dst->ntables = 0;
	if (paths_copy(&dst->blocklists, &src->blocklists) ||
	    paths_copy(&dst->allowlists, &src->allowlists)) {
		bw_settings_free(dst);
		return -1;
	}
	for (size_t i = 0; i < src->ntables; i++) {
		dst->tables[i] = src->tables[i];
		dst->tables[i].path = src->tables[i].path ? strdup(src->tables[i].path) : NULL;
		dst->tables[i].url = src->tables[i].url ? strdup(src->tables[i].url) : NULL;
		dst->ntables = i + 1;
		if ((src->tables[i].path && !dst->tables[i].path) ||
		    (src->tables[i].url && !dst->tables[i].url)) {
			bw_settings_free(dst);
			return -1;
		}
	}
	return 0;
}

static int num(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	*out = strtoul(v, &end, 10);
	return (errno || *end || *out < lo || *out > hi) ? -1 : 0;
}

/* "12.5" or "12.5%" -> share of BW_SHARE_ONE (0-100 %, up to 3 decimals). */
static int percent(const char *v, unsigned int *out)
{
	unsigned long whole = 0, frac = 0, scale = 1;
	const char *p = v;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p) && whole <= 100)
		whole = whole * 10 + (unsigned long)(*p++ - '0');
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p) && scale < 1000) {
			frac = frac * 10 + (unsigned long)(*p++ - '0');
			scale *= 10;
		}
	}
	if (*p == '%')
		p++;
	if (*p || whole > 100 || (whole == 100 && frac))
		return -1;
	*out = (unsigned int)(((whole * scale + frac) * BW_SHARE_ONE + 50 * scale) / (100 * scale));
	return 0;
}

/* "90", "90s", "15m", "1h", "2d" -> seconds. */
static int parse_duration(const char *v, unsigned long *out)
{
	unsigned long mul = 1;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno || *out > 604800)
		return -1;
	if (*end == 's') mul = 1, end++;
	else if (*end == 'm') mul = 60, end++;
	else if (*end == 'h') mul = 3600, end++;
	else if (*end == 'd') mul = 86400, end++;
	if (*end)
		return -1;
	*out *= mul;
	return 0;
}

static int yesno(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

static int add_path(struct bw_paths *p, const char *v, unsigned int bit, unsigned int *reset)
{
	if (!(*reset & bit)) {
		paths_free(p);
		*reset |= bit;
	}
	if (p->n == BW_MAX_LIST_FILES || !*v)
		return -1;
	p->path[p->n] = strdup(v);
	if (!p->path[p->n])
		return -1;
	p->n++;
	return 0;
}

int bw_settings_set(struct bw_settings *s, const char *key, const char *v,
		    const char *where, unsigned int *reset, char *err, size_t errlen)
{
	unsigned long n;
	bool b;

#define BAD(allowed) \
	do { \
		snprintf(err, errlen, "%s: %s: '%.100s' is not allowed; expected %s", \
			 where, key, v, allowed); \
		return -1; \
	} while (0)

	if (!strcmp(key, "iface")) {
		if (!*v || strlen(v) >= sizeof(s->iface) || strpbrk(v, "/ \t"))
			BAD("an interface name of 1-15 characters");
		snprintf(s->iface, sizeof(s->iface), "%s", v);
	} else if (!strcmp(key, "mode")) {
		if (!strcmp(v, "auto")) s->mode = BW_MODE_AUTO;
		else if (!strcmp(v, "native")) s->mode = BW_MODE_NATIVE;
		else if (!strcmp(v, "skb")) s->mode = BW_MODE_SKB;
		else BAD("auto, native or skb");
	} else if (!strcmp(key, "pin_dir")) {
		if (v[0] != '/' || strlen(v) >= sizeof(s->pin_dir) - 32)
			BAD("an absolute path on a bpf file system");
		snprintf(s->pin_dir, sizeof(s->pin_dir), "%s", v);
	} else if (!strcmp(key, "port")) {
		if (!(*reset & LIST_PORT)) {
			s->nports = 0;
			*reset |= LIST_PORT;
		}
		if (num(v, 1, 65535, &n))
			BAD("a port number 1-65535");
		if (s->nports == BW_MAX_PORTS)
			BAD("at most 8 ports");
		s->ports[s->nports++] = (__u16)n;
	} else if (!strcmp(key, "blocklist")) {
		if (add_path(&s->blocklists, v, LIST_BLOCK, reset))
			BAD("a file path (at most 32 blocklists)");
	} else if (!strcmp(key, "allowlist")) {
		if (add_path(&s->allowlists, v, LIST_ALLOW, reset))
			BAD("a file path (at most 32 allowlists)");
	} else if (!strcmp(key, "list")) {
		char buf[PATH_MAX + 128], *name, *cat, *act, *path, *opt, *save = NULL;
		struct bw_table_list *l;
		__u32 rate = 0;
		unsigned long refresh = 0;
		bool url;
		int c, a;

		if (!(*reset & LIST_TABLE)) {
			tables_free(s);
			*reset |= LIST_TABLE;
		}
		if (strlen(v) >= sizeof(buf))
			BAD("NAME:CATEGORY:ACTION:FILE");
		snprintf(buf, sizeof(buf), "%s", v);
		/* Options after the source: " refresh=DURATION". */
		opt = strstr(buf, " refresh=");
		if (!opt)
			opt = strstr(buf, "\trefresh=");
		if (opt) {
			char *end;

			*opt = '\0';
			if (parse_duration(opt + 9, &refresh) || refresh < 1 || refresh > 604800)
				BAD("refresh=DURATION after the source: seconds, or a number with s, m, h "
				    "or d, from 1 s to 7 d (e.g. refresh=1h)");
			for (end = opt - 1; end >= buf && (*end == ' ' || *end == '\t'); end--)
				*end = '\0';
		}
		name = strtok_r(buf, ":", &save);
		cat = strtok_r(NULL, ":", &save);
		act = strtok_r(NULL, ":", &save);
		path = strtok_r(NULL, "", &save);
		if (!name || !cat || !act || !path || !*path)
			BAD("NAME:CATEGORY:ACTION[:PPS]:SOURCE");
		if (bw_lact_parse(act) == BW_LACT_RATE_LIMIT && isdigit((unsigned char)*path) &&
		    strchr(path, ':')) {
			char *colon = strchr(path, ':');
			unsigned long pps;

			*colon = 0;
			if (num(path, 1, 100000000, &pps) || !colon[1])
				BAD("rate_limit:PPS:SOURCE with PPS 1-100000000");
			rate = (__u32)pps;
			path = colon + 1;
		}
		url = !strncmp(path, "http://", 7) || !strncmp(path, "https://", 8) ||
		      !strncmp(path, "file://", 7);
		if (!url && strstr(path, "://"))
			BAD("a file path or an http://, https:// or file:// URL as the source");
		if (url && (strlen(path) > 2048 || strpbrk(path, " \t\"<>\\")))
			BAD("a URL of at most 2048 characters without spaces, quotes or backslashes");
		if (refresh && !url)
			BAD("refresh= only with a URL source (http://, https://, file://)");
		if (url && (!strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/')))
			BAD("a list name usable as a file name (no '/') for a URL source");
		if (strlen(name) >= BW_LIST_NAME_MAX)
			BAD("a list name of at most 15 characters");
		if ((c = bw_lcat_parse(cat)) < 0)
			BAD("a category: blocklist, tor, vpn, proxy, hosting, ai_crawler_ranges, "
			    "good_bot_ranges or custom");
		if ((a = bw_lact_parse(act)) < 0)
			BAD("an action: drop, monitor, rate_limit or allow");
		if (s->ntables == BW_LISTS_MAX)
			BAD("at most 64 lists");
		for (size_t i = 0; i < s->ntables; i++)
			if (!strcmp(s->tables[i].name, name))
				BAD("a list name not used twice");
		l = &s->tables[s->ntables];
		snprintf(l->name, sizeof(l->name), "%s", name);
		l->category = (__u8)c;
		l->action = (__u8)a;
		l->rate_pps = rate;
		l->refresh = (unsigned int)refresh;
		l->path = url ? NULL : strdup(path);
		l->url = url ? strdup(path) : NULL;
		if (!l->path && !l->url)
			BAD("(out of memory)");
		s->ntables++;
	} else if (!strcmp(key, "verdict_action")) {
		if (bw_verdict_action_parse(v, &s->verdict_action, &s->verdict_rate))
			BAD("drop, reset, monitor or rate_limit:PPS");
	} else if (!strcmp(key, "threshold")) {
		if (num(v, 1, 100, &n))
			BAD("a score 1-100");
		s->threshold = (unsigned int)n;
	} else if (!strcmp(key, "verdict_ttl")) {
		if (num(v, 1, 604800, &n))
			BAD("seconds 1-604800");
		s->verdict_ttl = (unsigned int)n;
	} else if (!strcmp(key, "sample_bytes")) {
		if (num(v, 64, BW_SAMPLE_CAP, &n))
			BAD("bytes 64-2048");
		s->sample_bytes = (unsigned int)n;
	} else if (!strcmp(key, "sampling")) {
		if (yesno(v, &b))
			BAD("yes or no");
		s->sampling = b;
	} else if (!strcmp(key, "sample_share")) {
		if (percent(v, &s->sample_share))
			BAD("a percentage 0-100 (e.g. 10 or 12.5)");
	} else if (!strcmp(key, "sample_budget")) {
		if (num(v, 0, 1000000, &n))
			BAD("samples per second 0-1000000 (0: no limit)");
		s->sample_budget = (unsigned int)n;
	} else if (!strcmp(key, "flood_pps")) {
		if (num(v, 0, 100000000, &n))
			BAD("packets per second 0-100000000 (0: off)");
		s->flood_pps = (unsigned int)n;
	} else if (!strcmp(key, "require_established")) {
		if (yesno(v, &b))
			BAD("yes or no");
		s->require_established = b;
	} else if (!strcmp(key, "keep")) {
		if (yesno(v, &b))
			BAD("yes or no");
		s->keep = b;
	} else if (!strcmp(key, "max_verdicts_per_sec")) {
		if (num(v, 1, 100000, &n))
			BAD("a number 1-100000");
		s->max_verdicts_per_sec = (unsigned int)n;
	} else if (!strcmp(key, "max_verdicts")) {
		if (num(v, 1, BW_VERDICT_MAX, &n))
			BAD("a number 1-262144");
		s->max_verdicts = (unsigned int)n;
	} else if (!strcmp(key, "verdict_table_size")) {
		if (num(v, 16, 1u << 22, &n))
			BAD("a number of entries 16-4194304");
		s->verdict_table_size = (unsigned int)n;
	} else if (!strcmp(key, "log_level")) {
		if (!strcmp(v, "error")) s->log_level = BW_LOG_ERROR;
		else if (!strcmp(v, "warning")) s->log_level = BW_LOG_WARN;
		else if (!strcmp(v, "info")) s->log_level = BW_LOG_INFO;
		else if (!strcmp(v, "debug")) s->log_level = BW_LOG_DEBUG;
		else BAD("error, warning, info or debug");
	} else if (!strcmp(key, "log_format")) {
		if (!strcmp(v, "text")) s->log_format = BW_LOGFMT_TEXT;
		else if (!strcmp(v, "json")) s->log_format = BW_LOGFMT_JSON;
		else BAD("text or json");
	} else if (!strcmp(key, "weights") || !strcmp(key, "uap") || !strcmp(key, "crawlers") ||
		   !strcmp(key, "p0f") || !strcmp(key, "store") || !strcmp(key, "sites") ||
		   !strcmp(key, "geoip") || !strcmp(key, "tokens")) {
		char *dst = !strcmp(key, "weights") ? s->weights : !strcmp(key, "uap") ? s->uap :
			    !strcmp(key, "crawlers") ? s->crawlers : !strcmp(key, "p0f") ? s->p0f :
			    !strcmp(key, "store") ? s->store : !strcmp(key, "sites") ? s->sites :
			    !strcmp(key, "geoip") ? s->geoip : s->tokens;

		if (!*v || strlen(v) >= PATH_MAX)
			BAD("a file path");
		snprintf(dst, PATH_MAX, "%s", v);
	} else if (!strcmp(key, "state_dir")) {
		if (v[0] != '/' || strlen(v) >= sizeof(s->state_dir) - 64)
			BAD("an absolute directory path");
		snprintf(s->state_dir, sizeof(s->state_dir), "%s", v);
	} else if (!strcmp(key, "policy")) {
		struct bw_policy pol;
		char perr[256];

		if (!(*reset & LIST_POLICY)) {
			s->npolicies = 0;
			*reset |= LIST_POLICY;
		}
		if (bw_policy_parse(v, &pol, perr, sizeof(perr))) {
			snprintf(err, errlen, "%s: policy: %s", where, perr);
			return -1;
		}
		for (size_t i = 0; i < s->npolicies; i++)
			if (!strcmp(s->policies[i].name, pol.name)) {
				snprintf(err, errlen, "%s: policy: name '%s' used twice", where, pol.name);
				return -1;
			}
		if (s->npolicies == BW_POLICIES_MAX)
			BAD("at most 32 policies");
		s->policies[s->npolicies++] = pol;
	} else if (!strcmp(key, "shadow")) {
		if (yesno(v, &b))
			BAD("yes or no");
		s->shadow = b;
	} else if (!strcmp(key, "api")) {
		if (!*v || strlen(v) >= sizeof(s->api) || !strchr(v, ':'))
			BAD("ADDR:PORT, e.g. 127.0.0.1:8642");
		snprintf(s->api, sizeof(s->api), "%s", v);
	} else {
		snprintf(err, errlen, "%s: unknown key '%.64s' (see docs/config.md)", where, key);
		return -1;
	}
	return 0;
#undef BAD
}

int bw_config_load(struct bw_settings *s, const char *path, char *err, size_t errlen)
{
	struct bw_settings tmp;
	unsigned int reset = 0;
	char line[4096], where[PATH_MAX + 32], *p;
	struct bw_lines r;
	FILE *f;
	int rc = 0, more;

	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	/* Work on a copy: a bad line must leave the settings as they were. */
	if (bw_settings_copy(&tmp, s)) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	r = (struct bw_lines)BW_LINES_INIT(f, path, "#", line);
	while ((more = bw_lines_next(&r, &p, err, errlen)) > 0) {
		char *eq, *key, *val;

		snprintf(where, sizeof(where), "%s:%lu", path, r.lineno);
		eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errlen, "%s: expected 'key = value', got '%.80s'", where, p);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = bw_trim(p);
		val = bw_trim(eq + 1);
		if (bw_settings_set(&tmp, key, val, where, &reset, err, errlen)) {
			rc = -1;
			break;
		}
	}
	if (more < 0)
		rc = -1;
	fclose(f);
	if (rc) {
		bw_settings_free(&tmp);
		return -1;
	}
	bw_settings_free(s);
	*s = tmp;
	return 0;
}

int bw_settings_validate(const struct bw_settings *s, char *err, size_t errlen)
{
	if ((s->sites[0] || s->geoip[0]) && !s->store[0]) {
		snprintf(err, errlen, "sites and geoip need store (a SQLite file path)");
		return -1;
	}
	if (s->api[0] && !s->tokens[0]) {
		snprintf(err, errlen, "api needs tokens (a bearer tokens file): the API never runs open");
		return -1;
	}
	return 0;
}

void bw_settings_print(const struct bw_settings *s, FILE *out)
{
	static const char *const modes[] = { "auto", "native", "skb" };
	static const char *const levels[] = { "error", "warning", "info", "debug" };

	fprintf(out, "iface = %s\nmode = %s\npin_dir = %s\n", s->iface, modes[s->mode], s->pin_dir);
	for (size_t i = 0; i < s->nports; i++)
		fprintf(out, "port = %u\n", s->ports[i]);
	for (size_t i = 0; i < s->blocklists.n; i++)
		fprintf(out, "blocklist = %s\n", s->blocklists.path[i]);
	for (size_t i = 0; i < s->allowlists.n; i++)
		fprintf(out, "allowlist = %s\n", s->allowlists.path[i]);
	for (size_t i = 0; i < s->ntables; i++) {
		char rate[16] = "";

		if (s->tables[i].rate_pps)
			snprintf(rate, sizeof(rate), ":%u", s->tables[i].rate_pps);
		fprintf(out, "list = %s:%s:%s%s:%s", s->tables[i].name,
			bw_lcat_name(s->tables[i].category), bw_lact_name(s->tables[i].action),
			rate, s->tables[i].url ? s->tables[i].url : s->tables[i].path);
		if (s->tables[i].refresh)
			fprintf(out, " refresh=%us", s->tables[i].refresh);
		fputc('\n', out);
	}
	fprintf(out, "state_dir = %s\n", s->state_dir);
	if (s->verdict_action == BW_ACT_RATE_LIMIT)
		fprintf(out, "verdict_action = rate_limit:%u\n", s->verdict_rate);
	else
		fprintf(out, "verdict_action = %s\n", bw_action_name(s->verdict_action));
	fprintf(out, "threshold = %u\nverdict_ttl = %u\nsample_bytes = %u\nsampling = %s\nkeep = %s\n",
		s->threshold, s->verdict_ttl, s->sample_bytes, s->sampling ? "yes" : "no",
		s->keep ? "yes" : "no");
	fprintf(out, "sample_share = %.3f\nsample_budget = %u\nflood_pps = %u\n",
		s->sample_share * 100.0 / BW_SHARE_ONE, s->sample_budget, s->flood_pps);
	fprintf(out, "require_established = %s\n", s->require_established ? "yes" : "no");
	fprintf(out, "verdict_table_size = %u\n", s->verdict_table_size);
	fprintf(out, "max_verdicts_per_sec = %u\nmax_verdicts = %u\nlog_level = %s\nlog_format = %s\n",
		s->max_verdicts_per_sec, s->max_verdicts, levels[s->log_level],
		s->log_format == BW_LOGFMT_JSON ? "json" : "text");
	if (s->weights[0])
		fprintf(out, "weights = %s\n", s->weights);
	if (s->uap[0])
		fprintf(out, "uap = %s\n", s->uap);
	if (s->crawlers[0])
		fprintf(out, "crawlers = %s\n", s->crawlers);
	if (s->p0f[0])
		fprintf(out, "p0f = %s\n", s->p0f);
	if (s->store[0])
		fprintf(out, "store = %s\n", s->store);
	if (s->sites[0])
		fprintf(out, "sites = %s\n", s->sites);
	if (s->geoip[0])
		fprintf(out, "geoip = %s\n", s->geoip);
	if (s->api[0])
		fprintf(out, "api = %s\n", s->api);
	if (s->tokens[0])
		fprintf(out, "tokens = %s\n", s->tokens);
	for (size_t i = 0; i < s->npolicies; i++) {
		char buf[1024];

		bw_policy_format(&s->policies[i], buf, sizeof(buf));
		fprintf(out, "policy = %s\n", buf);
	}
	fprintf(out, "shadow = %s\n", s->shadow ? "yes" : "no");
}
