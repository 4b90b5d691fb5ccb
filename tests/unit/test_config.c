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

	/* A line over the bound (a comment counts) is refused, not split. */
	{
		static char text[5000];

		memset(text, '#', sizeof(text) - 2);
		memcpy(text, "threshold = 50\n", 15);
		text[sizeof(text) - 2] = '\n';
		p = write_tmp(text);
		CHECK_EQ(bw_config_load(&s, p, err, sizeof(err)), -1);
		CHECK(strstr(err, ":2: line longer than 4095 bytes") != NULL);
		CHECK_EQ(s.threshold, 80);
		unlink(p);
	}
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

/* list = NAME:CATEGORY:ACTION:SOURCE [refresh=DURATION]: URL sources,
 * durations, and errors naming file:line and the key. */
static void test_list_url_syntax(void)
{
	struct bw_settings s, c;
	char err[512] = "", buf[PATH_MAX];
	char *p = write_tmp("state_dir = /tmp/bw-state\n"
			    "list = feed:blocklist:drop:https://127.0.0.1:8443/feed.netset refresh=1h\n"
			    "list = local:tor:monitor:/etc/botwall/tor.list\n"
			    "list = test:custom:drop:file:///tmp/x.list   refresh=90\n"
			    "list = once:custom:drop:http://127.0.0.1/x.list\n");

	bw_settings_defaults(&s);
	CHECK(!strcmp(s.state_dir, "/var/lib/botwall"));
	CHECK_EQ(bw_config_load(&s, p, err, sizeof(err)), 0);
	if (err[0])
		printf("  %s\n", err);
	CHECK_EQ(s.ntables, 4);
	CHECK(s.tables[0].url && !strcmp(s.tables[0].url, "https://127.0.0.1:8443/feed.netset"));
	CHECK_EQ(s.tables[0].refresh, 3600);
	CHECK(!s.tables[0].path);
	CHECK(!strcmp(bw_table_list_file(&s, &s.tables[0], buf, sizeof(buf)), "/tmp/bw-state/lists/feed"));
	CHECK(!s.tables[1].url && !strcmp(s.tables[1].path, "/etc/botwall/tor.list"));
	CHECK(!strcmp(bw_table_list_file(&s, &s.tables[1], buf, sizeof(buf)), "/etc/botwall/tor.list"));
	CHECK(!strcmp(s.tables[2].url, "file:///tmp/x.list"));
	CHECK_EQ(s.tables[2].refresh, 90);
	CHECK_EQ(s.tables[3].refresh, 0);
	/* a deep copy keeps the sources */
	CHECK_EQ(bw_settings_copy(&c, &s), 0);
	CHECK(!strcmp(c.tables[0].url, s.tables[0].url) && c.tables[0].url != s.tables[0].url);
	bw_settings_free(&c);
	unlink(p);

	static const struct { const char *text, *want; } bad[] = {
		{ "list = f:blocklist:drop:https://127.0.0.1/f refresh=0\n", ":2: list: 'f:blocklist:drop:https://127.0.0.1/f refresh=0' is not allowed; expected refresh=DURATION" },
		{ "list = f:blocklist:drop:https://127.0.0.1/f refresh=8d\n", ":2: list: " },
		{ "list = f:blocklist:drop:https://127.0.0.1/f refresh=1x\n", "expected refresh=DURATION" },
		{ "list = f:blocklist:drop:https://127.0.0.1/f refresh=\n", "expected refresh=DURATION" },
		{ "list = f:blocklist:drop:/etc/f.list refresh=1h\n", "refresh= only with a URL source" },
		{ "list = f:blocklist:drop:ftp://127.0.0.1/f\n", "an http://, https:// or file:// URL" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256];

		snprintf(text, sizeof(text), "threshold = 50\n%s", bad[i].text);
		p = write_tmp(text);
		err[0] = '\0';
		CHECK_EQ(bw_config_load(&s, p, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].want) || !strstr(err, p))
			printf("  case %zu: got '%s'\n", i, err);
		CHECK(strstr(err, bad[i].want) != NULL && strstr(err, p) != NULL);
		CHECK_EQ(s.ntables, 4); /* the loaded lists stay */
		unlink(p);
	}
	bw_settings_free(&s);
}

/* rate_limit lists carry their rate; sampling keys take their ranges. */
static void test_list_rate_and_sampling_keys(void)
{
	struct bw_settings s;
	char err[512] = "";
	char *p = write_tmp("list = dc:hosting:rate_limit:20:/etc/botwall/dc.list\n"
			    "list = dc2:hosting:rate_limit:https://127.0.0.1/dc refresh=1h\n"
			    "list = tor:tor:monitor:/etc/botwall/2tor.list\n"
			    "sample_share = 12.5%\nsample_budget = 0\nflood_pps = 500000\n");

	bw_settings_defaults(&s);
	CHECK_EQ(s.sample_share, BW_SHARE_ONE);
	CHECK_EQ(bw_config_load(&s, p, err, sizeof(err)), 0);
	if (err[0])
		printf("  %s\n", err);
	CHECK_EQ(s.ntables, 3);
	CHECK_EQ(s.tables[0].rate_pps, 20);
	CHECK_STR(s.tables[0].path, "/etc/botwall/dc.list");
	CHECK_EQ(s.tables[1].rate_pps, 0);              /* the default rate */
	CHECK_STR(s.tables[1].url, "https://127.0.0.1/dc");
	CHECK_STR(s.tables[2].path, "/etc/botwall/2tor.list"); /* digits: only rate_limit */
	CHECK_EQ(s.sample_share, BW_SHARE_ONE / 8);
	CHECK_EQ(s.sample_budget, 0);
	CHECK_EQ(s.flood_pps, 500000);
	unlink(p);

	static const struct { const char *text, *want; } bad[] = {
		{ "list = dc:hosting:rate_limit:0:/x.list\n", "rate_limit:PPS:SOURCE" },
		{ "list = dc:hosting:rate_limit:20:\n", "rate_limit:PPS:SOURCE" },
		{ "sample_share = 101\n", "sample_share: '101' is not allowed; expected a percentage" },
		{ "sample_share = 5.x\n", "expected a percentage" },
		{ "sample_share = -1\n", "expected a percentage" },
		{ "sample_budget = 2000000\n", "sample_budget" },
		{ "flood_pps = lots\n", "flood_pps" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = write_tmp(bad[i].text);
		err[0] = '\0';
		CHECK_EQ(bw_config_load(&s, p, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].want) || !strstr(err, ":1: "))
			printf("  case %zu: got '%s'\n", i, err);
		CHECK(strstr(err, bad[i].want) != NULL && strstr(err, ":1: ") != NULL);
		CHECK_EQ(s.tables[0].rate_pps, 20);     /* what was loaded stays */
		CHECK_EQ(s.flood_pps, 500000);
		unlink(p);
	}
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
	RUN(test_list_url_syntax);
	RUN(test_list_rate_and_sampling_keys);
	RUN(test_docs_cover_every_key);
	return CHECK_EXIT();
}
