// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the daemon's config file and settings. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/botwall-conf-test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return NULL;
	close(fd);
	return path;
}

static void test_good_file(void)
{
	struct bw_settings s;
	char err[512] = "";
	char *p = write_tmp("# comment\n\niface = eth1   # trailing comment\nport = 80\nport=8080\n"
			    "threshold = 70\nblocklist = /a.list\nblocklist = /b.list\n"
			    "sampling = no\nlog_format = json\n");

	bw_settings_defaults(&s);
	CHECK_EQ(bw_config_load(&s, p, err, sizeof(err)), 0);
	CHECK(!strcmp(s.iface, "eth1"));
	CHECK_EQ(s.nports, 2);
	CHECK_EQ(s.ports[1], 8080);
	CHECK_EQ(s.threshold, 70);
	CHECK_EQ(s.blocklists.n, 2);
	CHECK(!strcmp(s.blocklists.path[1], "/b.list"));
	CHECK(!s.sampling);
	CHECK_EQ(s.log_format, BW_LOGFMT_JSON);
	CHECK_EQ(s.verdict_ttl, 600); /* default kept */
	bw_settings_free(&s);
	unlink(p);
}

static void test_errors_name_line_and_keep_state(void)
{
	struct bw_settings s;
	char err[512] = "";
	char *p = write_tmp("threshold = 50\nport = 99999\n");

	bw_settings_defaults(&s);
	CHECK_EQ(bw_config_load(&s, p, err, sizeof(err)), -1);
	CHECK(strstr(err, ":2: port: '99999' is not allowed; expected a port number 1-65535") != NULL);
	CHECK_EQ(s.threshold, 80);  /* line 1 was not applied either */
	unlink(p);

	p = write_tmp("iface eth0\n");
	CHECK_EQ(bw_config_load(&s, p, err, sizeof(err)), -1);
	CHECK(strstr(err, ":1: expected 'key = value'") != NULL);
	unlink(p);

	p = write_tmp("colour = blue\n");
	CHECK_EQ(bw_config_load(&s, p, err, sizeof(err)), -1);
	CHECK(strstr(err, ":1: unknown key 'colour'") != NULL);
	unlink(p);
	bw_settings_free(&s);
}

static void test_values_and_ranges(void)
{
	static const char *const bad[][2] = {
		{ "mode", "fast" }, { "threshold", "0" }, { "threshold", "101" },
		{ "threshold", "-5" }, { "threshold", "8O" }, { "verdict_ttl", "0" },
		{ "sample_bytes", "63" }, { "sample_bytes", "4096" }, { "sampling", "maybe" },
		{ "pin_dir", "relative/dir" }, { "iface", "" }, { "iface", "a/b" },
		{ "iface", "this-name-is-too-long" }, { "log_level", "loud" },
		{ "max_verdicts", "0" }, { "max_verdicts_per_sec", "" },
	};
	struct bw_settings s;
	unsigned int reset = 0;
	char err[512];

	bw_settings_defaults(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		if (bw_settings_set(&s, bad[i][0], bad[i][1], "t", &reset, err, sizeof(err)) == 0)
			printf("  accepted %s = '%s'\n", bad[i][0], bad[i][1]);
		CHECK(strstr(err, bad[i][0]) != NULL);
	}
	CHECK_EQ(bw_settings_set(&s, "mode", "skb", "t", &reset, err, sizeof(err)), 0);
	CHECK_EQ(s.mode, BW_MODE_SKB);
	bw_settings_free(&s);
}

static void test_command_line_replaces_lists(void)
{
	struct bw_settings s;
	unsigned int file_reset = 0, cli_reset = 0;
	char err[256];

	bw_settings_defaults(&s);
	bw_settings_set(&s, "port", "81", "f", &file_reset, err, sizeof(err));
	bw_settings_set(&s, "port", "82", "f", &file_reset, err, sizeof(err));
	CHECK_EQ(s.nports, 2);          /* the file replaced the default 80 */
	bw_settings_set(&s, "port", "8080", "cli", &cli_reset, err, sizeof(err));
	CHECK_EQ(s.nports, 1);          /* the command line replaces the file's */
	CHECK_EQ(s.ports[0], 8080);
	bw_settings_free(&s);
}

/* docs/config.md documents every key of the table. */
static void test_docs_cover_every_key(void)
{
	FILE *f = fopen("docs/config.md", "r");
	static char doc[65536];
	size_t n;

	if (!f) {
		CHECK(!"docs/config.md missing");
		return;
	}
	n = fread(doc, 1, sizeof(doc) - 1, f);
	doc[n] = '\0';
	fclose(f);
	for (size_t i = 0; i < bw_config_nkeys; i++) {
		char needle[80];

		snprintf(needle, sizeof(needle), "`%s`", bw_config_keys[i].name);
		if (!strstr(doc, needle))
			printf("  docs/config.md does not document %s\n", needle);
		CHECK(strstr(doc, needle) != NULL);
	}
}

int main(void)
{
	RUN(test_good_file);
	RUN(test_errors_name_line_and_keep_state);
	RUN(test_values_and_ranges);
	RUN(test_command_line_replaces_lists);
	RUN(test_docs_cover_every_key);
	return CHECK_EXIT();
}
