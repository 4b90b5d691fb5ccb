// SPDX-License-Identifier: GPL-2.0-only
/*
 * botwall: inspect and steer a running botwall from its pinned maps alone.
 * Output follows bpftool's conventions: text for people, -j/--json for
 * programs (one document per command), -p/--pretty for indented JSON.
 */
#include <bpf/bpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "botwall_abi.h"
#include "log.h"
#include "ltable.h"
#include "maps.h"
#include "names.h"

static const char *pin_dir = BW_DEFAULT_PIN_DIR;
static bool json, pretty;
static int lstate_fd = -1;

static void usage(FILE *out)
{
	fprintf(out,
"Usage: botwall [OPTIONS] COMMAND\n"
"\n"
"Commands:\n"
"  stats                          packet counters, score distribution, flags\n"
"  block add|del PREFIX...        edit the blocklist live (ADDR or ADDR/LEN)\n"
"  block list                     list blocklist prefixes\n"
"  allow add|del PREFIX...        edit the allowlist live\n"
"  allow list                     list allowlist prefixes\n"
"  verdict list                   list verdicts pushed by the daemon\n"
"  verdict add ADDR [TTL_SEC] [ACTION]\n"
"                                 verdict for one address (default TTL 600, 0 = forever);\n"
"                                 ACTION: drop (default), reset, monitor, rate_limit:PPS\n"
"  verdict del ADDR...            remove verdicts\n"
"  lists                          loaded lists (--list): category, action, hits, drops\n"
"\n"
"Options:\n"
"  -d, --pin-dir DIR   where botwalld pinned its maps [" BW_DEFAULT_PIN_DIR "]\n"
"  -j, --json          JSON output\n"
"  -p, --pretty        indented JSON output (implies --json)\n"
"  -h, --help          this text\n");
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "botwall: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static void print_json(cJSON *doc)
{
	char *s = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);

	if (s) {
		puts(s);
		free(s);
	}
	cJSON_Delete(doc);
}

static double round2(double v)
{
	return (double)(long long)(v * 100.0 + (v >= 0 ? 0.5 : -0.5)) / 100.0;
}

/* ---- stats ---- */

static cJSON *counter_json(const struct bw_counter *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "packets", (double)c->packets);
	cJSON_AddNumberToObject(o, "bytes", (double)c->bytes);
	return o;
}

static int cmd_stats(const struct bw_maps *m)
{
	struct bw_counter cnt[BW_CNT__MAX];
	struct bw_score_stats st;
	double avg, susp;
	__u64 suspicious;
	int order[BW_FLAG__MAX];

	if (bw_read_counters(m->counters, cnt))
		return fail("reading %s: %s", BW_MAP_COUNTERS, strerror(errno));
	if (bw_read_scorestats(m->scorestats, &st))
		return fail("reading %s: %s", BW_MAP_SCORESTATS, strerror(errno));

	avg = st.scored ? (double)st.score_sum / (double)st.scored : 0.0;
	suspicious = st.buckets[BW_BUCKET_31_60] + st.buckets[BW_BUCKET_61_80] +
		     st.buckets[BW_BUCKET_81_100];
	susp = st.scored ? 100.0 * (double)suspicious / (double)st.scored : 0.0;

	/* Flags by count, most frequent first (seed 000 top_flags). */
	for (int i = 0; i < BW_FLAG__MAX; i++)
		order[i] = i;
	for (int i = 1; i < BW_FLAG__MAX; i++)
		for (int j = i; j > 0 && st.flag_hits[order[j]] > st.flag_hits[order[j - 1]]; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}

	if (json) {
		cJSON *doc = cJSON_CreateObject(), *pk = cJSON_AddObjectToObject(doc, "packets");
		cJSON *pass = cJSON_AddObjectToObject(pk, "pass");
		cJSON *drop = cJSON_AddObjectToObject(pk, "drop");
		cJSON *ev = cJSON_AddObjectToObject(doc, "events");
		cJSON *sc = cJSON_AddObjectToObject(doc, "scoring");
		cJSON *dist = cJSON_AddObjectToObject(sc, "distribution");
		cJSON *flags = cJSON_AddArrayToObject(doc, "flags");

		cJSON_AddItemToObject(pk, "rx", counter_json(&cnt[BW_CNT_RX]));
		for (int i = 0; i < BW_CNT__MAX; i++) {
			const struct bw_counter_name *n = &bw_counter_names[i];

			if (!strcmp(n->outcome, "pass"))
				cJSON_AddItemToObject(pass, n->name, counter_json(&cnt[i]));
			else if (!strcmp(n->outcome, "drop"))
				cJSON_AddItemToObject(drop, n->name, counter_json(&cnt[i]));
			else if (!strcmp(n->outcome, "event"))
				cJSON_AddNumberToObject(ev, n->name, (double)cnt[i].packets);
		}
		for (int b = 0; b < BW_BUCKET__MAX; b++)
			cJSON_AddNumberToObject(dist, bw_bucket_names[b], (double)st.buckets[b]);
		cJSON_AddNumberToObject(dist, "total_hits", (double)st.scored);
		cJSON_AddNumberToObject(dist, "avg_score", round2(avg));
		cJSON_AddNumberToObject(dist, "suspicious_percentage", round2(susp));
		cJSON_AddNumberToObject(sc, "samples_seen", (double)st.samples_seen);
		cJSON_AddNumberToObject(sc, "parse_errors", (double)st.parse_errors);
		cJSON_AddNumberToObject(sc, "verdicts_pushed", (double)st.verdicts_pushed);
		for (int i = 0; i < BW_FLAG__MAX; i++) {
			cJSON *f = cJSON_CreateObject();

			cJSON_AddStringToObject(f, "flag", bw_flag_names[order[i]].name);
			cJSON_AddNumberToObject(f, "count", (double)st.flag_hits[order[i]]);
			cJSON_AddStringToObject(f, "description", bw_flag_names[order[i]].description);
			cJSON_AddItemToArray(flags, f);
		}
		print_json(doc);
		return 0;
	}

	printf("Packets (XDP)            %14s %16s\n", "packets", "bytes");
	printf("  %-22s %14llu %16llu\n", "received", (unsigned long long)cnt[BW_CNT_RX].packets,
	       (unsigned long long)cnt[BW_CNT_RX].bytes);
	for (int i = 0; i < BW_CNT__MAX; i++) {
		const struct bw_counter_name *n = &bw_counter_names[i];
		char label[64];

		if (strcmp(n->outcome, "pass") && strcmp(n->outcome, "drop"))
			continue;
		snprintf(label, sizeof(label), "%s %s", n->outcome, n->name);
		printf("  %-22s %14llu %16llu  %s\n", label, (unsigned long long)cnt[i].packets,
		       (unsigned long long)cnt[i].bytes, n->description);
	}
	printf("Events\n");
	for (int i = 0; i < BW_CNT__MAX; i++)
		if (!strcmp(bw_counter_names[i].outcome, "event"))
			printf("  %-22s %14llu  %s\n", bw_counter_names[i].name,
			       (unsigned long long)cnt[i].packets, bw_counter_names[i].description);

	printf("\nScores: %llu requests scored, average %.2f, suspicious (> 30) %.2f%%\n",
	       (unsigned long long)st.scored, avg, susp);
	for (int b = 0; b < BW_BUCKET__MAX; b++)
		printf("  %-14s %10llu\n", bw_bucket_names[b], (unsigned long long)st.buckets[b]);
	printf("  samples %llu, not HTTP %llu, verdicts pushed %llu\n",
	       (unsigned long long)st.samples_seen, (unsigned long long)st.parse_errors,
	       (unsigned long long)st.verdicts_pushed);

	printf("\nFlags\n");
	for (int i = 0; i < BW_FLAG__MAX; i++)
		printf("  %-28s %10llu  %s\n", bw_flag_names[order[i]].name,
		       (unsigned long long)st.flag_hits[order[i]], bw_flag_names[order[i]].description);
	return 0;
}

/* ---- block / allow ---- */

static int cmd_list_edit(int fd, const char *what, int argc, char **argv)
{
	struct bw_lpm_key cur, next;
	struct bw_list_entry val;
	char err[256], buf[BW_PREFIX_STRLEN];
	void *prev = NULL;
	int rc = 0;

	if (argc < 1)
		return fail("%s: expected add, del or list (see --help)", what);

	if (!strcmp(argv[0], "list")) {
		cJSON *arr = json ? cJSON_CreateArray() : NULL;

		if (argc != 1)
			return fail("%s list: takes no arguments", what);
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			cur = next;
			prev = &cur;
			if (bpf_map_lookup_elem(fd, &cur, &val))
				continue;
			bw_format_prefix(&cur, buf, sizeof(buf));
			if (arr) {
				cJSON *o = cJSON_CreateObject();

				cJSON_AddStringToObject(o, "prefix", buf);
				cJSON_AddNumberToObject(o, "list_id", val.list_id);
				cJSON_AddStringToObject(o, "source", val.list_id ? "file" : "manual");
				cJSON_AddItemToArray(arr, o);
			} else {
				printf("%-44s %s\n", buf, val.list_id ? "file" : "manual");
			}
		}
		if (arr)
			print_json(arr);
		return 0;
	}

	if (strcmp(argv[0], "add") && strcmp(argv[0], "del"))
		return fail("%s: unknown subcommand '%s' (expected add, del or list)", what, argv[0]);
	if (argc < 2)
		return fail("%s %s: expected at least one ADDR or ADDR/LEN", what, argv[0]);

	/* Validate every argument before changing anything. */
	for (int i = 1; i < argc; i++)
		if (bw_parse_prefix(argv[i], &cur, err, sizeof(err)))
			return fail("%s %s: argument %d: %s", what, argv[0], i, err);

	for (int i = 1; i < argc; i++) {
		bw_parse_prefix(argv[i], &cur, err, sizeof(err));
		bw_format_prefix(&cur, buf, sizeof(buf));
		if (argv[0][0] == 'a') {
			/* The datapath skips the manual tries unless flagged. */
			if (bw_lstate_flags(lstate_fd, BW_LS_F_MANUAL, 0))
				return fail("%s add: writing %s: %s", what, BW_MAP_LSTATE, strerror(errno));
			val.list_id = 0;
			val.added_sec = (__u32)time(NULL);
			if (bpf_map_update_elem(fd, &cur, &val, BPF_ANY))
				rc = fail("%s add %s: %s", what, buf, strerror(errno));
			else if (!json)
				printf("added %s\n", buf);
		} else {
			if (bpf_map_delete_elem(fd, &cur))
				rc = fail("%s del %s: %s", what, buf,
					  errno == ENOENT ? "not in the list" : strerror(errno));
			else if (!json)
				printf("removed %s\n", buf);
		}
	}
	return rc;
}

/* ---- lists ---- */

static int cmd_lists(const struct bw_maps *m)
{
	struct bw_list_counter cnt[BW_LISTS_MAX];
	cJSON *arr = json ? cJSON_CreateArray() : NULL;
	struct bw_lstate ls = {};
	__u32 zero = 0;

	if (bw_read_list_counters(m->lstats, cnt) || bpf_map_lookup_elem(m->lstate, &zero, &ls))
		return fail("reading the list maps: %s", strerror(errno));
	if (!arr)
		printf("%-3s %-24s %-18s %-10s %10s %14s %14s\n", "id", "name", "category", "action",
		       "prefixes", "hits", "drops");
	for (__u32 id = 0; id < BW_LISTS_MAX; id++) {
		struct bw_list_info li;

		if (bpf_map_lookup_elem(m->lists, &id, &li) || !li.used)
			continue;
		li.name[BW_LIST_NAME_MAX - 1] = '\0';
		if (arr) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddNumberToObject(o, "id", id);
			cJSON_AddStringToObject(o, "name", li.name);
			cJSON_AddStringToObject(o, "category", bw_lcat_name(li.category));
			cJSON_AddStringToObject(o, "action", bw_lact_name(li.action));
			cJSON_AddNumberToObject(o, "prefixes", li.prefixes);
			cJSON_AddNumberToObject(o, "loaded_sec", (double)li.loaded_sec);
			cJSON_AddNumberToObject(o, "hits", (double)cnt[id].hits);
			cJSON_AddNumberToObject(o, "drops", (double)cnt[id].drops);
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%-3u %-24s %-18s %-10s %10u %14llu %14llu\n", id, li.name,
			       bw_lcat_name(li.category), bw_lact_name(li.action), li.prefixes,
			       (unsigned long long)cnt[id].hits, (unsigned long long)cnt[id].drops);
		}
	}
	if (arr)
		print_json(arr);
	else
		printf("generation %u, %llu reloads\n", ls.gen, (unsigned long long)ls.seq);
	return 0;
}

/* ---- verdicts ---- */

static int cmd_verdict(int fd, int argc, char **argv)
{
	struct bw_addr cur, next;
	struct bw_verdict v;
	char err[256], buf[BW_PREFIX_STRLEN];
	void *prev = NULL;
	__u64 now = bw_now_ns();
	int rc = 0;

	if (argc < 1 || !strcmp(argv[0], "list")) {
		cJSON *arr = json ? cJSON_CreateArray() : NULL;

		if (!arr)
			printf("%-40s %-8s %-7s %5s %-28s %s\n", "address", "action", "reason",
			       "score", "top flag", "expires in");
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			long long left;

			cur = next;
			prev = &cur;
			if (bpf_map_lookup_elem(fd, &cur, &v))
				continue;
			bw_format_addr(&cur, buf, sizeof(buf));
			left = v.expires_ns ? ((long long)v.expires_ns - (long long)now) / 1000000000LL : -1;
			if (arr) {
				cJSON *o = cJSON_CreateObject();

				cJSON_AddStringToObject(o, "address", buf);
				cJSON_AddStringToObject(o, "action", bw_action_name(v.action));
				cJSON_AddStringToObject(o, "reason", bw_verdict_reason_name(v.reason));
				cJSON_AddNumberToObject(o, "score", v.score);
				cJSON_AddStringToObject(o, "top_flag", bw_flag_name(v.top_flag));
				if (v.expires_ns)
					cJSON_AddNumberToObject(o, "expires_in_sec", (double)left);
				else
					cJSON_AddNullToObject(o, "expires_in_sec");
				cJSON_AddBoolToObject(o, "expired", v.expires_ns && v.expires_ns <= now);
				cJSON_AddItemToArray(arr, o);
			} else {
				char exp[32];

				if (!v.expires_ns)
					snprintf(exp, sizeof(exp), "never");
				else if (v.expires_ns <= now)
					snprintf(exp, sizeof(exp), "expired");
				else
					snprintf(exp, sizeof(exp), "%llds", left);
				printf("%-40s %-8s %-7s %5u %-28s %s\n", buf, bw_action_name(v.action),
				       bw_verdict_reason_name(v.reason), v.score, bw_flag_name(v.top_flag), exp);
			}
		}
		if (arr)
			print_json(arr);
		return 0;
	}
	if (!strcmp(argv[0], "add")) {
		unsigned long ttl = 600;
		char *end;

		uint8_t action = BW_ACT_DROP;
		uint32_t rate = 0;

		if (argc == 4 && bw_verdict_action_parse(argv[3], &action, &rate))
			return fail("verdict add: ACTION '%s' is not drop, reset, monitor or rate_limit:PPS",
				    argv[3]);
		if (argc == 4)
			argc = 3;
		if (argc < 2 || argc > 3)
			return fail("verdict add: expected ADDR [TTL_SEC] [ACTION]");
		if (bw_parse_addr(argv[1], &cur, err, sizeof(err)))
			return fail("verdict add: %s", err);
		if (argc == 3) {
			errno = 0;
			ttl = strtoul(argv[2], &end, 10);
			if (errno || end == argv[2] || *end || argv[2][0] == '-' || ttl > 31536000)
				return fail("verdict add: TTL_SEC '%s' is not a number in 0-31536000", argv[2]);
		}
		if (bw_verdict_put_action(fd, &cur, (unsigned int)ttl, action, rate, BW_VR_MANUAL, 100,
					  BW_FLAG__MAX))
			return fail("verdict add %s: %s", argv[1], strerror(errno));
		if (!json)
		{
			char dur[32];

			snprintf(dur, sizeof(dur), ttl ? "%lus" : "ever", ttl);
			printf("%s %s for %s\n", action == BW_ACT_DROP ? "blocked" : bw_action_name(action),
			       argv[1], dur);
		}
		return 0;
	}
	if (!strcmp(argv[0], "del")) {
		if (argc < 2)
			return fail("verdict del: expected at least one ADDR");
		for (int i = 1; i < argc; i++)
			if (bw_parse_addr(argv[i], &cur, err, sizeof(err)))
				return fail("verdict del: argument %d: %s", i, err);
		for (int i = 1; i < argc; i++) {
			bw_parse_addr(argv[i], &cur, err, sizeof(err));
			if (bpf_map_delete_elem(fd, &cur))
				rc = fail("verdict del %s: %s", argv[i],
					  errno == ENOENT ? "no verdict for this address" : strerror(errno));
			else if (!json)
				printf("removed verdict for %s\n", argv[i]);
		}
		return rc;
	}
	return fail("verdict: unknown subcommand '%s' (expected list, add or del)", argv[0]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct bw_maps m;
	char err[512];
	const char *cmd;
	int c, rc;

	bw_log_init("botwall", BW_LOG_WARN);
	while ((c = getopt_long(argc, argv, "+d:jph", opts, NULL)) != -1) {
		switch (c) {
		case 'd': pin_dir = optarg; break;
		case 'j': json = true; break;
		case 'p': json = pretty = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "stats") && strcmp(cmd, "block") && strcmp(cmd, "allow") &&
	    strcmp(cmd, "verdict") && strcmp(cmd, "lists")) {
		fail("unknown command '%s' (see --help)", cmd);
		return 2;
	}
	if (bw_maps_open(pin_dir, &m, err, sizeof(err)))
		return fail("%s", err);
	lstate_fd = m.lstate;

	if (!strcmp(cmd, "lists")) {
		rc = optind < argc ? fail("lists: unexpected argument '%s'", argv[optind]) : cmd_lists(&m);
	} else if (!strcmp(cmd, "stats")) {
		rc = optind < argc ? fail("stats: unexpected argument '%s'", argv[optind]) : cmd_stats(&m);
	} else if (!strcmp(cmd, "block")) {
		rc = cmd_list_edit(m.block, "block", argc - optind, argv + optind);
	} else if (!strcmp(cmd, "allow")) {
		rc = cmd_list_edit(m.allow, "allow", argc - optind, argv + optind);
	} else {
		rc = cmd_verdict(m.verdicts, argc - optind, argv + optind);
	}
	bw_maps_close(&m);
	return rc;
}
