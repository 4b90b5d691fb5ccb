// SPDX-License-Identifier: GPL-2.0-only
/* Decision endpoints without HTTP: seed 001/003 shapes, validation, and
 * the edge's knowledge (allowlist, blocklist, live verdict) from real maps. */
#include <bpf/bpf.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "check.h"
#include "decide.h"
#include "maps.h"

static struct bw_decide_ctx ctx = { -1, -1, -1, 80 };

static const char *CHROME =
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
	"Chrome/120.0.0.0 Safari/537.36";

static cJSON *decision(const char *ip, const char *ua, const char *policy, int *code)
{
	char body[1024], err[256];
	cJSON *out = NULL;

	snprintf(body, sizeof(body),
		 "{\"client_ds\":{\"et\":\"1\",\"ip\":\"%s\",\"timestamp\":631152000000,"
		 "\"ua\":\"%s\",\"url\":\"https://shop.test/login\",\"pw_match\":false}%s%s%s}",
		 ip, ua, policy ? ",\"policy_name\":\"" : "", policy ? policy : "", policy ? "\"" : "");
	*code = bw_decide_decision(&ctx, body, strlen(body), &out, err, sizeof(err));
	if (*code != 200)
		printf("  %s\n", err);
	return out;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

static void test_decision_shape(void)
{
	int code;
	cJSON *r = decision("192.0.2.1", CHROME, "default", &code), *c;

	CHECK_EQ(code, 200);
	if (!r)
		return;
	CHECK_EQ(cJSON_GetArraySize(r), 5);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(r, "bot")));
	CHECK(!strcmp(str(r, "action"), "allow"));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(r, "threat_category")));
	CHECK(!strcmp(str(r, "threat_profile"), "VAL"));
	CHECK(!strcmp(str(r, "policy_name"), "default"));
	cJSON_Delete(r);

	r = decision("192.0.2.1", "python-requests/2.31", NULL, &code);
	CHECK_EQ(code, 200);
	if (!r)
		return;
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(r, "bot")));
	CHECK(!strcmp(str(r, "action"), "block"));
	c = cJSON_GetObjectItem(r, "threat_category");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(c, "BOT-KNOWN_BOT_PATTERN")));
	CHECK(!strcmp(str(r, "threat_profile"), "BOT"));
	CHECK(!strcmp(str(r, "policy_name"), "default"));
	cJSON_Delete(r);

	/* monitor: detected, never blocked. */
	r = decision("192.0.2.1", "python-requests/2.31", "monitor", &code);
	CHECK(r && cJSON_IsTrue(cJSON_GetObjectItem(r, "bot")) && !strcmp(str(r, "action"), "allow"));
	cJSON_Delete(r);
	r = decision("192.0.2.1", CHROME, "nosuch", &code);
	CHECK_EQ(code, 400);
	CHECK(!r);
}

static void test_decision_bad_input(void)
{
	static const struct { const char *body, *field; } bad[] = {
		{ "", "not a JSON object" },
		{ "[1]", "not a JSON object" },
		{ "{\"client_ds\":{", "not a JSON object" },
		{ "{}", "client_ds" },
		{ "{\"client_ds\":{\"et\":\"1\",\"timestamp\":1,\"ua\":\"x\",\"url\":\"\"}}", "client_ds.ip" },
		{ "{\"client_ds\":{\"et\":\"1\",\"ip\":\"nope\",\"timestamp\":1,\"ua\":\"x\",\"url\":\"\"}}", "client_ds.ip" },
		{ "{\"client_ds\":{\"et\":\"13\",\"ip\":\"192.0.2.1\",\"timestamp\":1,\"ua\":\"x\",\"url\":\"\"}}", "client_ds.et" },
		{ "{\"client_ds\":{\"et\":\"1\",\"ip\":\"192.0.2.1\",\"ua\":\"x\",\"url\":\"\"}}", "client_ds.timestamp" },
		{ "{\"client_ds\":{\"et\":\"1\",\"ip\":\"192.0.2.1\",\"timestamp\":1,\"ua\":\"a\\r\\nX: y\",\"url\":\"\"}}", "client_ds.ua" },
		{ "{\"client_ds\":{\"et\":\"1\",\"ip\":\"192.0.2.1\",\"timestamp\":1,\"ua\":\"x\",\"url\":\"\",\"pw_match\":\"no\"}}", "client_ds.pw_match" },
		{ "{\"client_ds\":{\"et\":\"1\",\"ip\":\"192.0.2.1\",\"timestamp\":1,\"ua\":5,\"url\":\"\"}}", "client_ds.ua" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *out = NULL;
		int code = bw_decide_decision(&ctx, bad[i].body, strlen(bad[i].body), &out, err, sizeof(err));

		CHECK_EQ(code, 400);
		CHECK(!out);
		if (!strstr(err, bad[i].field))
			printf("  case %zu: '%s' does not name %s\n", i, err, bad[i].field);
		CHECK(strstr(err, bad[i].field) != NULL);
	}
}

static void test_bot_shape(void)
{
	const char *body =
		"{\"uID\":\"15\",\"dID\":\"Device-JWT-USER-ID\",\"h\":{\"ip\":\"198.51.100.7\","
		"\"ua\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/105.0.0.0 Safari/537.36\","
		"\"ho\":\"demo.shop.test\",\"rf\":\"https://demo.shop.test/register.php\","
		"\"ac\":{\"a\":\"text/html\",\"ae\":\"gzip, deflate, br\",\"al\":\"en-US,en;q=0.9\"},"
		"\"url\":\"https://demo.shop.test/register.php\"}}";
	char err[256];
	cJSON *r = NULL, *dev;
	int code = bw_decide_bot(&ctx, body, strlen(body), &r, err, sizeof(err));

	CHECK_EQ(code, 200);
	if (!r)
		return;
	CHECK(!strcmp(str(r, "status"), "allow"));
	CHECK(!strcmp(str(r, "severity"), "low"));
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(r, "risk_score")));
	CHECK(!strcmp(str(r, "shadow_mode"), "0"));
	CHECK(!strcmp(str(r, "message"), "Bot Request successfully reached."));
	dev = cJSON_GetObjectItem(r, "device");
	CHECK(!strcmp(str(dev, "name"), "Chrome on Windows 10"));
	CHECK(!strcmp(str(dev, "device_id"), "Device-JWT-USER-ID"));
	CHECK(!strcmp(str(dev, "ip"), "198.51.100.7"));
	cJSON_Delete(r);

	/* The same headers to a plain-http URL: br there is a replay sign. */
	{
		char b2[2048];
		const char *p = strstr(body, "\"url\":\"https");

		snprintf(b2, sizeof(b2), "%.*s\"url\":\"http%s", (int)(p - body), body, p + 12);
		code = bw_decide_bot(&ctx, b2, strlen(b2), &r, err, sizeof(err));
		CHECK_EQ(code, 200);
		CHECK(r && cJSON_GetObjectItem(r, "risk_score")->valueint > 0);
		cJSON_Delete(r);
	}
	code = bw_decide_bot(&ctx, "{\"h\":{\"ua\":\"x\"}}", 16, &r, err, sizeof(err));
	CHECK_EQ(code, 400);
	CHECK(strstr(err, "h.ip") != NULL);
}

static void test_edge_knowledge(void)
{
	struct bw_lpm_key k = { .prefixlen = 120 };
	struct bw_list_entry le = { 1, 0 };
	struct bw_verdict v = { .action = BW_ACT_DROP, .score = 90 };
	struct bw_addr a;
	char e[64];
	int code;
	cJSON *r;
	LIBBPF_OPTS(bpf_map_create_opts, lpm, .map_flags = BPF_F_NO_PREALLOC);

	if (geteuid() != 0)
		SKIP("needs root to create BPF maps");
	ctx.allow_fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "t_allow", sizeof(k), sizeof(le), 16, &lpm);
	ctx.block_fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "t_block", sizeof(k), sizeof(le), 16, &lpm);
	ctx.verdicts_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "t_verd", sizeof(a), sizeof(v), 16, NULL);
	CHECK(ctx.allow_fd >= 0 && ctx.block_fd >= 0 && ctx.verdicts_fd >= 0);
	if (ctx.allow_fd < 0 || ctx.block_fd < 0 || ctx.verdicts_fd < 0)
		goto out;
	/* blocklist 203.0.113.0/24, verdict on 198.51.100.9, allowlist 192.0.2.0/24 */
	bw_parse_prefix("203.0.113.0/24", &k, e, sizeof(e));
	CHECK_EQ(bpf_map_update_elem(ctx.block_fd, &k, &le, BPF_ANY), 0);
	bw_parse_prefix("192.0.2.0/24", &k, e, sizeof(e));
	CHECK_EQ(bpf_map_update_elem(ctx.allow_fd, &k, &le, BPF_ANY), 0);
	bw_parse_addr("198.51.100.9", &a, e, sizeof(e));
	v.expires_ns = bw_now_ns() + 60ull * 1000000000ull;
	CHECK_EQ(bpf_map_update_elem(ctx.verdicts_fd, &a, &v, BPF_ANY), 0);

	r = decision("203.0.113.77", CHROME, NULL, &code);
	CHECK(r && cJSON_IsTrue(cJSON_GetObjectItem(r, "bot")) && !strcmp(str(r, "action"), "block"));
	CHECK(r && cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "threat_category"), "EDGE-BLOCKLIST")));
	cJSON_Delete(r);
	r = decision("198.51.100.9", CHROME, NULL, &code);
	CHECK(r && cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "threat_category"), "EDGE-VERDICT")));
	cJSON_Delete(r);
	/* An expired verdict is no longer knowledge. */
	v.expires_ns = bw_now_ns() - 1;
	bpf_map_update_elem(ctx.verdicts_fd, &a, &v, BPF_ANY);
	r = decision("198.51.100.9", CHROME, NULL, &code);
	CHECK(r && cJSON_IsFalse(cJSON_GetObjectItem(r, "bot")));
	cJSON_Delete(r);
	/* The allowlist wins, as in the datapath. */
	r = decision("192.0.2.44", "python-requests/2.31", NULL, &code);
	CHECK(r && cJSON_IsFalse(cJSON_GetObjectItem(r, "bot")) && !strcmp(str(r, "action"), "allow"));
	CHECK(r && !strcmp(str(r, "threat_profile"), "VAL"));
	cJSON_Delete(r);
out:
	if (ctx.allow_fd >= 0) close(ctx.allow_fd);
	if (ctx.block_fd >= 0) close(ctx.block_fd);
	if (ctx.verdicts_fd >= 0) close(ctx.verdicts_fd);
	ctx.allow_fd = ctx.block_fd = ctx.verdicts_fd = -1;
}

static void test_device_name(void)
{
	char n[64];

	bw_device_name(CHROME, n, sizeof(n));
	CHECK(!strcmp(n, "Chrome on Windows 10"));
	bw_device_name("curl/8.1.2", n, sizeof(n));
	CHECK(!strcmp(n, "curl"));
	bw_device_name("", n, sizeof(n));
	CHECK(!strcmp(n, "Unknown"));
	bw_device_name("Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0", n, sizeof(n));
	CHECK(!strcmp(n, "Firefox on Linux"));
}

int main(void)
{
	RUN(test_decision_shape);
	RUN(test_decision_bad_input);
	RUN(test_bot_shape);
	RUN(test_edge_knowledge);
	RUN(test_device_name);
	return CHECK_EXIT();
}
