// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sites.h"
#include "text.h"

int bw_site_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= BW_SITE_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("_.-", id[i]))
			return 0;
	return 1;
}

/* A host pattern: "*", "*.label.label" or "label.label"; letters, digits,
 * '-' and '.', no empty labels. */
static int host_pattern_valid(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n >= BW_SITE_HOST_MAX)
		return 0;
	if (!strcmp(h, "*"))
		return 1;
	if (h[0] == '*') {
		if (h[1] != '.')
			return 0;
		h += 2;
		n -= 2;
	}
	if (n == 0 || h[0] == '.' || h[n - 1] == '.' || strstr(h, ".."))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '-' && h[i] != '.')
			return 0;
	return 1;
}

int bw_sites_load(const char *path, struct bw_sites *out, char *err, size_t errlen)
{
	struct bw_sites s = {};
	char line[1024], *l;
	FILE *f = fopen(path, "re");
	struct bw_lines r = BW_LINES_INIT(f, path, "#", line);
	int more;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((more = bw_lines_next(&r, &l, err, errlen)) > 0) {
		char host[BW_SITE_HOST_MAX + 1], site[BW_SITE_ID_MAX + 1], extra[2], *p;
		unsigned long lineno = r.lineno;
		int n;

		n = sscanf(l, "%254s %64s %1s", host, site, extra);
		if (n != 2) {
			snprintf(err, errlen, "%s:%lu: expected 'HOST SITE_ID'", path, lineno);
			goto fail;
		}
		for (p = host; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!host_pattern_valid(host)) {
			snprintf(err, errlen, "%s:%lu: '%s' is not a host name, *.name or *",
				 path, lineno, host);
			goto fail;
		}
		if (!bw_site_id_valid(site)) {
			snprintf(err, errlen, "%s:%lu: site id '%s': 1-63 of A-Z a-z 0-9 _ . -",
				 path, lineno, site);
			goto fail;
		}
		for (size_t i = 0; i < s.n; i++)
			if (!strcmp(s.rules[i].host, host)) {
				snprintf(err, errlen, "%s:%lu: host '%s' listed twice", path, lineno, host);
				goto fail;
			}
		if (s.n == BW_SITES_MAX) {
			snprintf(err, errlen, "%s:%lu: more than %d hosts", path, lineno, BW_SITES_MAX);
			goto fail;
		}
		p = realloc(s.rules, (s.n + 1) * sizeof(*s.rules));
		if (!p) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		s.rules = (struct bw_site_rule *)p;
		/* Lengths were checked by the validators above. */
		memcpy(s.rules[s.n].host, host, strlen(host) + 1);
		memcpy(s.rules[s.n].site, site, strlen(site) + 1);
		s.n++;
	}
	if (more < 0)
		goto fail;
	fclose(f);
	*out = s;
	return 0;
fail:
	fclose(f);
	free(s.rules);
	return -1;
}

void bw_sites_free(struct bw_sites *s)
{
	free(s->rules);
	s->rules = NULL;
	s->n = 0;
}

const char *bw_sites_match(const struct bw_sites *s, const char *host, size_t len)
{
	char h[BW_SITE_HOST_MAX];
	const char *best = NULL;
	size_t best_len = 0, n = 0;

	if (!s || !s->n || !host)
		return BW_SITE_DEFAULT;
	/* Lower case, up to a ":port" (or the "]" of an IPv6 literal), trailing dot dropped. */
	if (len && host[0] == '[') {
		for (size_t i = 0; i < len && host[i] != ']' && n + 1 < sizeof(h); i++)
			h[n++] = host[i];
		if (n + 1 < sizeof(h))
			h[n++] = ']';
	} else {
		for (size_t i = 0; i < len && host[i] != ':' && n + 1 < sizeof(h); i++)
			h[n++] = (char)tolower((unsigned char)host[i]);
	}
	while (n && h[n - 1] == '.')
		n--;
	h[n] = '\0';

	for (size_t i = 0; i < s->n; i++) {
		const char *pat = s->rules[i].host;
		size_t pl = strlen(pat);

		if (!strcmp(pat, h))
			return s->rules[i].site;
		if (pat[0] == '*' && pat[1] == '.' && n > pl - 1 &&
		    !strcmp(h + n - (pl - 1), pat + 1) && pl > best_len) {
			best = s->rules[i].site;
			best_len = pl;
		} else if (!strcmp(pat, "*") && !best) {
			best = s->rules[i].site;
			best_len = 1;
		}
	}
	return best ? best : BW_SITE_DEFAULT;
}
