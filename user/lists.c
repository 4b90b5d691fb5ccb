// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "lists.h"
#include "text.h"

int bw_prefix_set_add(struct bw_prefix_set *s, const struct bw_lpm_key *k)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct bw_lpm_key *nk = realloc(s->keys, cap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		s->keys = nk;
		s->cap = cap;
	}
	s->keys[s->n++] = *k;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct bw_lpm_key));
}

void bw_prefix_set_finish(struct bw_prefix_set *s)
{
	size_t i, j = 0;

	if (!s->n)
		return;
	qsort(s->keys, s->n, sizeof(*s->keys), key_cmp);
	for (i = 1; i < s->n; i++)
		if (key_cmp(&s->keys[j], &s->keys[i]))
			s->keys[++j] = s->keys[i];
	s->n = j + 1;
}

bool bw_prefix_set_contains(const struct bw_prefix_set *s, const struct bw_lpm_key *k)
{
	return s->n && bsearch(k, s->keys, s->n, sizeof(*k), key_cmp);
}

void bw_prefix_set_free(struct bw_prefix_set *s)
{
	free(s->keys);
	memset(s, 0, sizeof(*s));
}

/* "add NAME ENTRY [timeout N]": points *p at ENTRY (NUL-terminated). */
static int ipset_entry(char **p, char *msg, size_t msglen)
{
	char *save = NULL, *tok, *entry;

	strtok_r(*p, " \t", &save);               /* "add"  */
	tok = strtok_r(NULL, " \t", &save);        /* NAME   */
	entry = strtok_r(NULL, " \t", &save);
	if (!tok || !entry) {
		snprintf(msg, msglen, "ipset line: expected 'add SETNAME ENTRY'");
		return -1;
	}
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *num = strtok_r(NULL, " \t", &save);

		/* nomatch (an exception inside a set) and the rest cannot be
		 * expressed in a prefix list: refuse rather than mis-list. */
		if (strcmp(tok, "timeout") || !num || strspn(num, "0123456789") != strlen(num)) {
			snprintf(msg, msglen, "ipset line: unsupported option '%.40s' after %.60s",
				 tok, entry);
			return -1;
		}
	}
	*p = entry;
	return 0;
}

typedef unsigned __int128 u128;

static u128 addr_to_u128(const struct bw_addr *a)
{
	u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = v << 8 | a->b[i];
	return v;
}

/* "FIRST-LAST" (same family) -> the minimal set of CIDRs covering it. */
static int add_range(struct bw_prefix_set *set, char *p, char *msg, size_t msglen)
{
	char *dash = strchr(p, '-');
	struct bw_addr a, b;
	bool v4a, v4b;
	u128 lo, hi;

	*dash = '\0';
	if (bw_parse_addr(p, &a, msg, msglen) || bw_parse_addr(dash + 1, &b, msg, msglen)) {
		*dash = '-';
		snprintf(msg, msglen, "'%.100s' is not an IPv4 or IPv6 address, CIDR or range", p);
		return -1;
	}
	/* Family by spelling: ::ffff:192.0.2.1 is IPv6 text. */
	v4a = strchr(p, ':') == NULL;
	v4b = strchr(dash + 1, ':') == NULL;
	*dash = '-';
	lo = addr_to_u128(&a);
	hi = addr_to_u128(&b);
	if (v4a != v4b) {
		snprintf(msg, msglen, "range '%.100s' mixes IPv4 and IPv6", p);
		return -1;
	}
	if (lo > hi) {
		snprintf(msg, msglen, "range '%.100s' ends before it starts", p);
		return -1;
	}
	for (;;) {
		struct bw_lpm_key k;
		unsigned int bits = 0;   /* block of 2^bits addresses */
		u128 v, size;

		/* Grow the block while lo stays aligned and it ends <= hi
		 * (hi - lo avoids overflow). */
		while (bits < 127) {
			size = (u128)1 << (bits + 1);
			if ((lo & (size - 1)) || hi - lo < size - 1)
				break;
			bits++;
		}
		if (bits == 127 && lo == 0 && hi == ~(u128)0) {
			snprintf(msg, msglen, "range '%.100s' covers every address", p);
			return -1;
		}
		size = (u128)1 << bits;
		k.prefixlen = 128 - bits;
		v = lo;
		for (int i = 15; i >= 0; i--, v >>= 8)
			k.addr[i] = (__u8)v;
		if (bw_prefix_set_add(set, &k)) {
			snprintf(msg, msglen, "out of memory");
			return -1;
		}
		if (hi - lo == size - 1)
			break;
		lo += size;
	}
	return 0;
}

int bw_list_parse_stream(FILE *f, const char *name, struct bw_prefix_set *out,
			 char *err, size_t errlen)
{
	struct bw_prefix_set set = {};
	char line[BW_LIST_LINE_MAX + 1], msg[160], *p;
	struct bw_lines r = BW_LINES_INIT(f, name, "#;", line);
	int more;

	while ((more = bw_lines_next(&r, &p, err, errlen)) > 0) {
		unsigned long lineno = r.lineno;
		struct bw_lpm_key k;

		/* ipset save: "create NAME TYPE ..." headers are skipped,
		 * "add NAME ENTRY [timeout N]" lines give the entry. */
		if (!strncmp(p, "create ", 7) || !strncmp(p, "create\t", 7))
			continue;
		if (!strncmp(p, "add ", 4) || !strncmp(p, "add\t", 4)) {
			if (ipset_entry(&p, msg, sizeof(msg))) {
				snprintf(err, errlen, "%s:%lu: %s", name, lineno, msg);
				goto fail;
			}
		}
		if (strpbrk(p, " \t")) {
			snprintf(err, errlen, "%s:%lu: expected one address, CIDR or range, got '%.80s'",
				 name, lineno, p);
			goto fail;
		}
		if (strchr(p, '-')) {
			if (add_range(&set, p, msg, sizeof(msg))) {
				snprintf(err, errlen, "%s:%lu: %s", name, lineno, msg);
				goto fail;
			}
			continue;
		}
		if (bw_parse_prefix(p, &k, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s:%lu: %s", name, lineno, msg);
			goto fail;
		}
		if (bw_prefix_set_add(&set, &k)) {
			snprintf(err, errlen, "%s:%lu: out of memory", name, lineno);
			goto fail;
		}
	}
	if (more < 0)
		goto fail;
	bw_prefix_set_finish(&set);
	*out = set;
	return 0;
fail:
	bw_prefix_set_free(&set);
	return -1;
}

int bw_list_parse_file(const char *path, struct bw_prefix_set *out,
		       char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	rc = bw_list_parse_stream(f, path, out, err, errlen);
	fclose(f);
	return rc;
}

int bw_list_sync(int map_fd, const struct bw_prefix_set *sets, const __u32 *ids,
		 size_t nsets, struct bw_sync_result *res, char *err, size_t errlen)
{
	struct bw_prefix_set stale = {};
	struct bw_lpm_key cur, next;
	struct bw_list_entry val;
	__u32 now = (__u32)time(NULL);
	void *prev = NULL;
	size_t i, j;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < nsets; i++) {
		for (j = 0; j < sets[i].n; j++) {
			/* An operator's manual entry (list_id 0) stays theirs. */
			if (!bpf_map_lookup_elem(map_fd, &sets[i].keys[j], &val) && val.list_id == 0)
				continue;
			val.list_id = ids[i];
			val.added_sec = now;
			if (bpf_map_update_elem(map_fd, &sets[i].keys[j], &val, BPF_ANY)) {
				char p[BW_PREFIX_STRLEN];

				bw_format_prefix(&sets[i].keys[j], p, sizeof(p));
				snprintf(err, errlen, "adding %s: %s (map full?)", p, strerror(errno));
				return -1;
			}
			res->added++;
		}
	}

	/* Collect first, delete after: deleting under get_next_key restarts
	 * an LPM trie walk from the beginning. */
	while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
		bool held = false;

		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(map_fd, &cur, &val) || val.list_id == 0)
			continue;
		for (i = 0; i < nsets && !held; i++)
			held = bw_prefix_set_contains(&sets[i], &cur);
		if (!held && bw_prefix_set_add(&stale, &cur)) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			goto out;
		}
	}
	for (i = 0; i < stale.n; i++)
		if (!bpf_map_delete_elem(map_fd, &stale.keys[i]))
			res->removed++;
out:
	bw_prefix_set_free(&stale);
	return rc;
}
