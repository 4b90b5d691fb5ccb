// SPDX-License-Identifier: GPL-2.0-only
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"
#include "lists.h"

static const volatile int *cancel_flag;

void bw_fetch_set_cancel(const volatile int *flag)
{
	cancel_flag = flag;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)ud; (void)dt; (void)dn; (void)ut; (void)un;
	return cancel_flag && *cancel_flag; /* non-zero aborts */
}

int bw_fetch_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

struct body {
	char *buf;
	size_t len, cap, max;
	int too_big;
};

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
	struct body *b = ud;
	size_t add = sz * n;

	if (add > b->max - b->len) {
		b->too_big = 1;
		return 0; /* aborts the transfer */
	}
	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *nb;

		while (cap < b->len + add + 1)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (!nb)
			return 0;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, add);
	b->len += add;
	b->buf[b->len] = '\0';
	return add;
}

int bw_fetch_url(const char *url, size_t max_bytes, long timeout_sec, char **body, size_t *len,
		 char *err, size_t errlen)
{
	struct body b = { .max = max_bytes };
	char cerr[CURL_ERROR_SIZE] = "";
	CURL *c = curl_easy_init();
	CURLcode rc;
	long status = 0;

	*body = NULL;
	*len = 0;
	if (!c) {
		snprintf(err, errlen, "%s: cannot initialise libcurl", url);
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_sec);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_sec < 10 ? timeout_sec : 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_bytes);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "botwall-list-fetch/1");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (b.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errlen, "%s: body larger than %zu bytes", url, max_bytes);
		goto fail;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, cerr[0] ? cerr : curl_easy_strerror(rc));
		goto fail;
	}
	if (!b.buf) { /* an empty body is an empty list */
		b.buf = calloc(1, 1);
		if (!b.buf) {
			snprintf(err, errlen, "%s: out of memory", url);
			return -1;
		}
	}
	*body = b.buf;
	*len = b.len;
	return 0;
fail:
	free(b.buf);
	return -1;
}

int bw_fetch_state_dir(const char *state_dir, char *err, size_t errlen)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/lists", state_dir);
	if ((mkdir(state_dir, 0700) && errno != EEXIST) || (mkdir(path, 0700) && errno != EEXIST)) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes data to path through path.tmp and rename(2): readers see the old
 * file or the new one, never a part. */
static int write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	char tmp[4200];
	const char *p = data;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) || close(fd) || rename(tmp, path)) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void write_status(const char *dest, const char *url, time_t attempt, time_t success,
			 const char *result, unsigned long prefixes)
{
	char path[4200], text[4096], e[256];
	int n;

	snprintf(path, sizeof(path), "%s.status", dest);
	n = snprintf(text, sizeof(text), "url=%s\nlast_attempt=%lld\nlast_success=%lld\nprefixes=%lu\n"
		     "result=%s\n", url, (long long)attempt, (long long)success, prefixes, result);
	if (n > 0 && (size_t)n < sizeof(text))
		write_atomic(path, text, (size_t)n, e, sizeof(e));
}

int bw_fetch_status_read(const char *dest, struct bw_fetch_status *st)
{
	char path[4200], line[2600];
	FILE *f;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s.status", dest);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "url=", 4))
			snprintf(st->url, sizeof(st->url), "%.2099s", line + 4);
		else if (!strncmp(line, "last_attempt=", 13))
			st->last_attempt = (time_t)strtoll(line + 13, NULL, 10);
		else if (!strncmp(line, "last_success=", 13))
			st->last_success = (time_t)strtoll(line + 13, NULL, 10);
		else if (!strncmp(line, "prefixes=", 9))
			st->prefixes = strtoul(line + 9, NULL, 10);
		else if (!strncmp(line, "result=", 7))
			snprintf(st->result, sizeof(st->result), "%.511s", line + 7);
	}
	fclose(f);
	return 0;
}

/* Is the file at path exactly data? */
static int same_content(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "r");
	char buf[65536];
	size_t off = 0, n;
	int same = 1;

	if (!f)
		return 0;
	while (same && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		same = off + n <= len && !memcmp(buf, data + off, n);
		off += n;
	}
	fclose(f);
	return same && off == len;
}

int bw_fetch_list(const char *url, const char *dest, size_t max_bytes, long timeout_sec,
		  char *err, size_t errlen)
{
	struct bw_fetch_status old;
	struct bw_prefix_set set = {};
	time_t now = time(NULL), last_ok;
	char *body;
	size_t len;
	FILE *mf;
	int rc;

	last_ok = bw_fetch_status_read(dest, &old) ? 0 : old.last_success;
	if (bw_fetch_url(url, max_bytes, timeout_sec, &body, &len, err, errlen)) {
		write_status(dest, url, now, last_ok, err, old.prefixes);
		return -1;
	}
	/* Parse before anything is written: a broken feed never replaces
	 * the last good copy. Messages name the URL and the line. */
	mf = len ? fmemopen(body, len, "r") : NULL;
	if (len && !mf) {
		snprintf(err, errlen, "%s: %s", url, strerror(errno));
		free(body);
		write_status(dest, url, now, last_ok, err, old.prefixes);
		return -1;
	}
	rc = mf ? bw_list_parse_stream(mf, url, &set, err, errlen) : 0;
	if (mf)
		fclose(mf);
	if (rc) {
		free(body);
		write_status(dest, url, now, last_ok, err, old.prefixes);
		return -1;
	}
	if (same_content(dest, body, len)) {
		rc = 0;
		write_status(dest, url, now, now, "unchanged", (unsigned long)set.n);
	} else if (write_atomic(dest, body, len, err, errlen)) {
		rc = -1;
		write_status(dest, url, now, last_ok, err, old.prefixes);
	} else {
		rc = 1;
		write_status(dest, url, now, now, "ok", (unsigned long)set.n);
	}
	bw_prefix_set_free(&set);
	free(body);
	return rc;
}
