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
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "botwall_abi.h"
#include "loader.h"
#include "lock.h"
#include "log.h"
#include "ltable.h"
#include "maps.h"
#include "names.h"
#include "store.h"
#include "config.h"
#include "fetch.h"

#include <signal.h>
#include <sys/ioctl.h>

#define EDIT_LOCK_WAIT_MS 5000

static const char *pin_dir = BW_DEFAULT_PIN_DIR;
static const char *state_dir = BW_DEFAULT_STATE_DIR;
#include "score_cmd.h"

static bool json, pretty;
static int lstate_fd = -1;

static void usage(FILE *out)
{
	fprintf(out,
"Usage: botwall [OPTIONS] COMMAND\n"
"\n"
"Commands:\n"
"  status                         what is attached where, daemon health, sizes\n"
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
"  reload                         make the daemon re-read its config and list files\n"
"  detach                         stop the daemon, detach the program, remove the pins\n"
"  score [FILE|-] [--src ADDR] [--syn TRAITS] [--json]\n"
"                                 score a raw HTTP request offline with the daemon's\n"
"                                 engine and show every contribution (docs/scoring.md)\n""                                 --config FILE: the daemon's policies (which matched);\n"
"                                 --stats COUNT,SPAN_S,IAT_MEAN_MS,IAT_SD_MS: the source's\n"
"                                 request history for the bot probability\n"
"  stats --watch [SEC]            refresh every SEC seconds (1) with per-second rates\n"
"  overview [--site ID] [--days N] [--store PATH]\n"
"                                 seed-000 overview from the store (days 1-90, 30)\n"
"  sessions [--site ID] [--min-score N] [--limit N] [--store PATH]\n"
"                                 suspicious sessions of the last 7 days (50, 20)\n"
"                                 (--site default '" BW_SITE_DEFAULT "', --store " BW_STORE_DEFAULT_PATH ")\n"
"  lists                          loaded lists (--list): category, action, hits, drops\n"
"\n"
"Options:\n"
"  -d, --pin-dir DIR   where botwalld pinned its maps [" BW_DEFAULT_PIN_DIR "]\n"
"  -s, --state-dir DIR botwalld's state_dir, for the fetch status of lists\n"
"                      from URLs [" BW_DEFAULT_STATE_DIR "]\n"
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
	int rc = 0, lock;

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
	lock = bw_map_lock(pin_dir, EDIT_LOCK_WAIT_MS, err, sizeof(err));
	if (lock < 0)
		return fail("%s", err);

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
	bw_unlock(lock);
	return rc;
}

/* ---- lists ---- */

static int cmd_lists(const struct bw_maps *m)
{
	struct bw_list_counter cnt[BW_LISTS_MAX];
	cJSON *arr = json ? cJSON_CreateArray() : NULL;
	struct bw_lstate ls = {};
	struct bw_fetch_status fs;
	char dest[PATH_MAX + 64];
	time_t now = time(NULL);
	bool fetched;
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
		snprintf(dest, sizeof(dest), "%s/lists/%s", state_dir, li.name);
		fetched = !strchr(li.name, '/') && !bw_fetch_status_read(dest, &fs);
		if (arr) {
			cJSON *o = cJSON_CreateObject();

			if (fetched) {
				cJSON *f = cJSON_AddObjectToObject(o, "fetch");

				cJSON_AddStringToObject(o, "source", fs.url);
				cJSON_AddStringToObject(f, "result", fs.result);
				cJSON_AddNumberToObject(f, "last_attempt", (double)fs.last_attempt);
				cJSON_AddNumberToObject(f, "last_success", (double)fs.last_success);
				cJSON_AddNumberToObject(f, "age_sec", fs.last_success ?
							(double)(now - fs.last_success) : -1);
			}

			cJSON_AddNumberToObject(o, "id", id);
			cJSON_AddStringToObject(o, "name", li.name);
			cJSON_AddStringToObject(o, "category", bw_lcat_name(li.category));
			cJSON_AddStringToObject(o, "action", bw_lact_name(li.action));
			if (li.action == BW_LACT_RATE_LIMIT)
				cJSON_AddNumberToObject(o, "rate_pps", li.rate_pps);
			cJSON_AddNumberToObject(o, "prefixes", li.prefixes);
			cJSON_AddNumberToObject(o, "loaded_sec", (double)li.loaded_sec);
			cJSON_AddNumberToObject(o, "hits", (double)cnt[id].hits);
			cJSON_AddNumberToObject(o, "drops", (double)cnt[id].drops);
			cJSON_AddItemToArray(arr, o);
		} else {
			char act[32];

			if (li.action == BW_LACT_RATE_LIMIT)
				snprintf(act, sizeof(act), "rate_limit:%u", li.rate_pps);
			else
				snprintf(act, sizeof(act), "%s", bw_lact_name(li.action));
			printf("%-3u %-24s %-18s %-10s %10u %14llu %14llu\n", id, li.name,
			       bw_lcat_name(li.category), act, li.prefixes,
			       (unsigned long long)cnt[id].hits, (unsigned long long)cnt[id].drops);
			if (fetched && fs.last_success)
				printf("    source %s, last good copy %lld s old, last fetch %lld s ago: %s\n",
				       fs.url, (long long)(now - fs.last_success),
				       (long long)(now - fs.last_attempt), fs.result);
			else if (fetched)
				printf("    source %s, never fetched successfully, last fetch %lld s ago: %s\n",
				       fs.url, (long long)(now - fs.last_attempt), fs.result);
		}
	}
	if (arr)
		print_json(arr);
	else
		printf("generation %u, %llu reloads\n", ls.gen, (unsigned long long)ls.seq);
	return 0;
}

/* ---- verdicts ---- */

static int cmd_verdict(const struct bw_maps *m, int argc, char **argv)
{
	struct bw_verdict_fds vf = bw_verdict_fds_of(m);
	int fd = m->verdicts;
	struct bw_addr cur, next;
	struct bw_verdict v;
	char err[256], buf[BW_PREFIX_STRLEN];
	void *prev = NULL;
	__u64 now = bw_now_ns();
	int rc = 0, lock;

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
		lock = bw_map_lock(pin_dir, EDIT_LOCK_WAIT_MS, err, sizeof(err));
		if (lock < 0)
			return fail("%s", err);
		rc = bw_verdict_put_action(&vf, &cur, (unsigned int)ttl, action, rate, BW_VR_MANUAL, 100,
					   BW_FLAG__MAX);
		bw_unlock(lock);
		if (rc)
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
		lock = bw_map_lock(pin_dir, EDIT_LOCK_WAIT_MS, err, sizeof(err));
		if (lock < 0)
			return fail("%s", err);
		for (int i = 1; i < argc; i++) {
			bw_parse_addr(argv[i], &cur, err, sizeof(err));
			if (bpf_map_delete_elem(fd, &cur))
				rc = fail("verdict del %s: %s", argv[i],
					  errno == ENOENT ? "no verdict for this address" : strerror(errno));
			else if (!json)
				printf("removed verdict for %s\n", argv[i]);
		}
		bw_unlock(lock);
		return rc;
	}
	return fail("verdict: unknown subcommand '%s' (expected list, add or del)", argv[0]);
}

/* ---- status / detach ---- */

/* Is pid a live botwalld? (Guards against a recycled pid.) */
static bool is_botwalld(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strncmp(comm, "botwalld", 8);
}

static double secs_since(__u64 then_ns, __u64 now_ns)
{
	return then_ns && now_ns > then_ns ? (double)(now_ns - then_ns) / 1e9 : 0.0;
}

static void wall_time(__u64 boot_ns, char *buf, size_t len)
{
	struct timespec rt;
	time_t t;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &rt);
	t = rt.tv_sec - (time_t)((bw_now_ns() - boot_ns) / 1000000000ull);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cmd_status(const struct bw_maps *m)
{
	struct bw_daemon_state ds = {};
	struct bw_counter cnt[BW_CNT__MAX];
	struct bw_score_stats st = {};
	char ifname[IF_NAMESIZE] = "", since[40] = "", loaded[40] = "";
	__u64 now = bw_now_ns();
	long verdicts, blocks, allows;
	__u32 vcap = 0;
	bool running, attached = false, legacy = false, healthy;
	pid_t lock_pid;
	int mode = 0;
	double hb;

	if (bw_read_daemon_state(m->daemon, &ds) || bw_read_counters(m->counters, cnt) ||
	    bw_read_scorestats(m->scorestats, &st))
		return fail("reading the maps in %s: %s", pin_dir, strerror(errno));
	verdicts = bw_map_count(m->verdicts, sizeof(struct bw_addr));
	{
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);

		if (!bpf_obj_get_info_by_fd(m->verdicts, &mi, &mlen))
			vcap = mi.max_entries;
	}
	blocks = bw_map_count(m->block, sizeof(struct bw_lpm_key));
	allows = bw_map_count(m->allow, sizeof(struct bw_lpm_key));
	running = bw_instance_running(pin_dir, &lock_pid) && is_botwalld(lock_pid);
	hb = secs_since(ds.heartbeat_ns, now);
	if (ds.ifindex) {
		if (!if_indextoname(ds.ifindex, ifname))
			snprintf(ifname, sizeof(ifname), "?");
		attached = bw_prog_attached((int)ds.ifindex, ds.prog_id, &mode, &legacy);
	}
	healthy = attached && running && hb < 3.0;
	if (ds.started_ns)
		wall_time(ds.started_ns, since, sizeof(since));
	if (ds.lists_loaded_ns)
		wall_time(ds.lists_loaded_ns, loaded, sizeof(loaded));

	if (json) {
		cJSON *doc = cJSON_CreateObject(), *o;

		cJSON_AddStringToObject(doc, "pin_dir", pin_dir);
		cJSON_AddBoolToObject(doc, "healthy", healthy);
		o = cJSON_AddObjectToObject(doc, "program");
		cJSON_AddNumberToObject(o, "id", ds.prog_id);
		cJSON_AddStringToObject(o, "iface", ifname);
		cJSON_AddNumberToObject(o, "ifindex", ds.ifindex);
		cJSON_AddBoolToObject(o, "attached", attached);
		cJSON_AddStringToObject(o, "mode", attached ? bw_mode_name(mode) : "none");
		cJSON_AddBoolToObject(o, "dispatcher", attached && !legacy);
		o = cJSON_AddObjectToObject(doc, "daemon");
		cJSON_AddBoolToObject(o, "running", running);
		cJSON_AddNumberToObject(o, "pid", running ? lock_pid : 0);
		cJSON_AddStringToObject(o, "started", since);
		cJSON_AddNumberToObject(o, "heartbeat_age_sec", hb);
		cJSON_AddBoolToObject(o, "adopted_program", ds.flags & BW_DS_F_ADOPTED);
		cJSON_AddNumberToObject(o, "threshold", ds.threshold);
		o = cJSON_AddObjectToObject(doc, "lists");
		cJSON_AddNumberToObject(o, "block_prefixes", (double)blocks);
		cJSON_AddNumberToObject(o, "allow_prefixes", (double)allows);
		cJSON_AddNumberToObject(o, "block_from_files", ds.block_prefixes);
		cJSON_AddNumberToObject(o, "allow_from_files", ds.allow_prefixes);
		cJSON_AddStringToObject(o, "loaded", loaded);
		cJSON_AddNumberToObject(doc, "verdicts", (double)verdicts);
		o = cJSON_AddObjectToObject(doc, "verdict_table");
		cJSON_AddNumberToObject(o, "size", vcap);
		cJSON_AddNumberToObject(o, "live", (double)verdicts);
		cJSON_AddBoolToObject(o, "full", vcap && verdicts >= (long)vcap);
		o = cJSON_AddObjectToObject(doc, "ring_buffer");
		cJSON_AddNumberToObject(o, "sampled", (double)cnt[BW_CNT_EV_SAMPLED].packets);
		cJSON_AddNumberToObject(o, "lost", (double)cnt[BW_CNT_EV_RINGBUF_FULL].packets);
		cJSON_AddNumberToObject(o, "consumed", (double)st.samples_seen);
		cJSON_AddNumberToObject(doc, "verdicts_suppressed", (double)st.verdicts_suppressed);
		cJSON_AddNumberToObject(doc, "verdicts_unestablished", (double)st.verdicts_unestablished);
		print_json(doc);
	} else {
		printf("%-13s %s\n", "pin dir", pin_dir);
		if (attached)
			printf("%-13s botwall_xdp id %u on %s (ifindex %u), %s mode, %s\n", "program",
			       ds.prog_id, ifname, ds.ifindex, bw_mode_name(mode),
			       legacy ? "only program (no libxdp dispatcher)" : "behind libxdp's dispatcher");
		else
			printf("%-13s NOT attached (last: id %u on ifindex %u)\n", "program", ds.prog_id,
			       ds.ifindex);
		if (running)
			printf("%-13s botwalld pid %ld, started %s, heartbeat %.1f s ago%s\n", "daemon",
			       (long)lock_pid, since, hb, ds.flags & BW_DS_F_ADOPTED ?
			       ", adopted the attached program" : "");
		else
			printf("%-13s not running: pinned lists and verdicts keep enforcing (fail-static)\n",
			       "daemon");
		printf("%-13s blocklist %ld prefixes (%u from files), allowlist %ld (%u from files), loaded %s\n",
		       "lists", blocks, ds.block_prefixes, allows, ds.allow_prefixes,
		       loaded[0] ? loaded : "never");
		printf("%-13s %ld live, %llu pushed, %llu suppressed by the blast-radius limit, "
		       "%llu refused (no established connection)\n",
		       "verdicts", verdicts, (unsigned long long)st.verdicts_pushed,
		       (unsigned long long)st.verdicts_suppressed,
		       (unsigned long long)st.verdicts_unestablished);
		printf("%-13s %ld of %u entries%s\n", "verdict table", verdicts, vcap,
		       vcap && verdicts >= (long)vcap ? " (FULL: new verdicts evict the least recently used; "
		       "raise verdict_table_size)" : "");
		printf("%-13s %llu sampled, %llu lost (ring buffer full), %llu consumed\n", "samples",
		       (unsigned long long)cnt[BW_CNT_EV_SAMPLED].packets,
		       (unsigned long long)cnt[BW_CNT_EV_RINGBUF_FULL].packets,
		       (unsigned long long)st.samples_seen);
		printf("%-13s %s\n", "health", healthy ? "ok" : "DEGRADED");
	}
	return healthy ? 0 : 1;
}

/* Stops the daemon (it detaches itself unless keep = yes), then removes
 * what is left: the program on the interface and the pins. */
static int cmd_detach(void)
{
	struct bw_daemon_state ds = {};
	struct bw_maps m;
	char err[512], path[4096];
	pid_t pid;
	int lock, e;

	if (bw_instance_running(pin_dir, &pid) && is_botwalld(pid)) {
		if (!json)
			printf("stopping botwalld (pid %ld)\n", (long)pid);
		kill(pid, SIGTERM);
		for (int i = 0; i < 200 && bw_instance_running(pin_dir, &pid); i++)
			usleep(50000);
		if (bw_instance_running(pin_dir, &pid))
			return fail("botwalld (pid %ld) did not exit within 10 s", (long)pid);
	}
	if (bw_maps_open(pin_dir, &m, err, sizeof(err))) {
		if (!json)
			printf("nothing pinned in %s: nothing left to detach\n", pin_dir);
		return 0;
	}
	bw_read_daemon_state(m.daemon, &ds);
	bw_maps_close(&m);
	lock = bw_map_lock(pin_dir, EDIT_LOCK_WAIT_MS, err, sizeof(err));
	if (lock < 0)
		return fail("%s", err);
	if (ds.ifindex && ds.prog_id) {
		e = bw_detach_prog((int)ds.ifindex, ds.prog_id);
		if (e && e != -ENOENT) {
			bw_unlock(lock);
			return fail("detaching program id %u from ifindex %u: %s (pins kept)",
				    ds.prog_id, ds.ifindex, strerror(-e));
		}
		if (!e && !json)
			printf("detached program id %u from ifindex %u\n", ds.prog_id, ds.ifindex);
	}
	for (size_t i = 0; i < bw_map_count_names; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, bw_map_names[i]);
		unlink(path);
	}
	bw_unlock(lock);
	if (rmdir(pin_dir) && !json)
		printf("left %s in place: %s\n", pin_dir, strerror(errno));
	else if (!json)
		printf("removed the pins in %s\n", pin_dir);
	return 0;
}

static int cmd_reload(void)
{
	pid_t pid;

	if (!bw_instance_running(pin_dir, &pid) || !is_botwalld(pid))
		return fail("no botwalld runs with pin directory %s", pin_dir);
	if (kill(pid, SIGHUP))
		return fail("signalling botwalld (pid %ld): %s", (long)pid, strerror(errno));
	if (!json)
		printf("asked botwalld (pid %ld) to reload; its log says whether the new "
		       "configuration was accepted\n", (long)pid);
	return 0;
}

/* ---- store: overview and sessions (docs/api.md has the JSON) ---- */

static int term_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 100;
}

static int int_opt(const char *opt, const char *v, int lo, int hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return fail("--%s: '%s' is not an integer %d-%d", opt, v, lo, hi);
	*out = (int)n;
	return 0;
}

static void print_overview(const cJSON *data, const char *site, int days)
{
	const cJSON *dist = cJSON_GetObjectItem(data, "distribution");
	double total = cJSON_GetObjectItem(dist, "total_hits")->valuedouble;
	const cJSON *f, *t;
	int shown = 0;

	printf("Site %s, %s .. %s (%d day%s)\n", site,
	       cJSON_GetObjectItem(data, "period_start")->valuestring,
	       cJSON_GetObjectItem(data, "period_end")->valuestring, days, days == 1 ? "" : "s");
	printf("Hits %.0f, average score %.2f, suspicious (> 30) %.2f%%\n\n", total,
	       cJSON_GetObjectItem(dist, "avg_score")->valuedouble,
	       cJSON_GetObjectItem(dist, "suspicious_percentage")->valuedouble);
	for (int b = 0; b < BW_BUCKET__MAX; b++) {
		double v = cJSON_GetObjectItem(dist, bw_bucket_names[b])->valuedouble;
		int bar = total > 0 ? (int)(30.0 * v / total + 0.5) : 0;

		printf("  %-13s %12.0f %6.2f%%  %.*s\n", bw_bucket_names[b], v,
		       total > 0 ? 100.0 * v / total : 0.0, bar, "##############################");
	}
	printf("\nTop flags\n");
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(data, "top_flags"))
		printf("  %-28s %10.0f  %s\n", cJSON_GetObjectItem(f, "flag")->valuestring,
		       cJSON_GetObjectItem(f, "count")->valuedouble,
		       cJSON_GetObjectItem(f, "description")->valuestring);
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(data, "top_flags")))
		printf("  (none)\n");
	printf("\nDaily trend (days with hits)\n  %-10s %10s %10s %7s\n", "date", "hits",
	       "suspicious", "avg");
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(data, "daily_trend")) {
		if (cJSON_GetObjectItem(t, "total_hits")->valuedouble == 0)
			continue;
		printf("  %-10s %10.0f %10.0f %7.2f\n", cJSON_GetObjectItem(t, "date")->valuestring,
		       cJSON_GetObjectItem(t, "total_hits")->valuedouble,
		       cJSON_GetObjectItem(t, "suspicious_hits")->valuedouble,
		       cJSON_GetObjectItem(t, "avg_score")->valuedouble);
		shown++;
	}
	if (!shown)
		printf("  (no hits)\n");
}

static void print_sessions(const cJSON *data)
{
	int w = term_width(), uaw;
	const cJSON *s;

	/* score hits last_seen(19) cc session(20) then flags/ua share the rest */
	printf("%5s %6s  %-19s  %-2s  %-20s  %s\n", "SCORE", "HITS", "LAST SEEN (UTC)", "CC",
	       "SESSION", "FLAGS / USER AGENT");
	uaw = w - 62;
	if (uaw < 20)
		uaw = 20;
	cJSON_ArrayForEach(s, data) {
		const cJSON *cc = cJSON_GetObjectItem(s, "country"), *f;
		char flags[512];
		size_t n = 0;

		flags[0] = '\0';
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(s, "flags"))
			if (n < sizeof(flags))
				n += (size_t)snprintf(flags + n, sizeof(flags) - n, "%s%s", n ? "," : "",
						      f->valuestring);
		printf("%5d %6.0f  %.19s  %-2s  %-20s  %.*s\n",
		       cJSON_GetObjectItem(s, "max_score")->valueint,
		       cJSON_GetObjectItem(s, "hit_count")->valuedouble,
		       cJSON_GetObjectItem(s, "last_seen")->valuestring,
		       cJSON_IsString(cc) ? cc->valuestring : "-",
		       cJSON_GetObjectItem(s, "session_id")->valuestring, uaw, flags[0] ? flags : "-");
		printf("%62s%.*s\n", "", uaw, cJSON_GetObjectItem(s, "user_agent")->valuestring);
	}
	if (!cJSON_GetArraySize((cJSON *)data))
		printf("(no sessions)\n");
}

static int cmd_store(const char *cmd, int argc, char **argv)
{
	enum { O_STORE = 256, O_SITE, O_DAYS, O_MIN, O_LIMIT };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, O_STORE },
		{ "site", required_argument, NULL, O_SITE },
		{ "days", required_argument, NULL, O_DAYS },
		{ "min-score", required_argument, NULL, O_MIN },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *path = BW_STORE_DEFAULT_PATH, *site = BW_SITE_DEFAULT;
	int days = 30, min_score = 50, limit = 20, c;
	bool overview = !strcmp(cmd, "overview");
	struct bw_store *st;
	char err[512];
	cJSON *doc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jph", opts, NULL)) != -1) {
		switch (c) {
		case O_STORE: path = optarg; break;
		case O_SITE:
			if (!bw_site_id_valid(optarg))
				return fail("--site: '%s' is not a site id (A-Z a-z 0-9 _ . -)", optarg);
			site = optarg;
			break;
		case O_DAYS: if (int_opt("days", optarg, 1, 90, &days)) return 2; break;
		case O_MIN: if (int_opt("min-score", optarg, 1, 100, &min_score)) return 2; break;
		case O_LIMIT: if (int_opt("limit", optarg, 1, 100, &limit)) return 2; break;
		case 'j': json = true; break;
		case 'p': json = pretty = true; break;
		case 'h': usage(stdout); return 0;
		default: return 2;
		}
	}
	if (optind < argc)
		return fail("%s: unexpected argument '%s'", cmd, argv[optind]);
	if ((overview && (min_score != 50 || limit != 20)) || (!overview && days != 30))
		return fail("%s: option not valid for this command", cmd);
	st = bw_store_open(path, true, err, sizeof(err));
	if (!st)
		return fail("%s", err);
	doc = overview ? bw_store_overview(st, site, days, bw_realtime_ms(), err, sizeof(err))
		       : bw_store_sessions(st, site, min_score, limit, bw_realtime_ms(), err, sizeof(err));
	bw_store_close(st);
	if (!doc)
		return fail("%s", err);
	if (json) {
		print_json(doc);
		return 0;
	}
	if (overview)
		print_overview(cJSON_GetObjectItem(doc, "data"), site, days);
	else
		print_sessions(cJSON_GetObjectItem(doc, "data"));
	cJSON_Delete(doc);
	return 0;
}

/* ---- stats --watch ---- */

static volatile sig_atomic_t watch_stop;

static void on_watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static int cmd_stats_watch(const struct bw_maps *m, int argc, char **argv)
{
	struct bw_counter prev[BW_CNT__MAX], cur[BW_CNT__MAX];
	struct bw_score_stats ps, cs;
	struct sigaction sa = { .sa_handler = on_watch_signal };
	int sec = 1;
	uint64_t t0, t1;

	if (argc > 1 && int_opt("watch", argv[1], 1, 3600, &sec))
		return 2;
	if (argc > 2)
		return fail("stats --watch: unexpected argument '%s'", argv[2]);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (bw_read_counters(m->counters, prev) || bw_read_scorestats(m->scorestats, &ps))
		return fail("reading the maps: %s", strerror(errno));
	t0 = bw_now_ns();
	while (!watch_stop) {
		double dt;

		sleep((unsigned int)sec);
		if (watch_stop)
			break;
		if (bw_read_counters(m->counters, cur) || bw_read_scorestats(m->scorestats, &cs))
			return fail("reading the maps: %s", strerror(errno));
		t1 = bw_now_ns();
		dt = (double)(t1 - t0) / 1e9;
		if (dt <= 0)
			dt = 1;
		if (json) {
			cJSON *doc = cJSON_CreateObject(), *r = cJSON_AddObjectToObject(doc, "per_second");

			cJSON_AddNumberToObject(doc, "interval_s", round2(dt));
			for (int i = 0; i < BW_CNT__MAX; i++) {
				char key[64];

				snprintf(key, sizeof(key), "%s_%s", bw_counter_names[i].outcome,
					 bw_counter_names[i].name);
				cJSON_AddNumberToObject(r, key, round2((double)(cur[i].packets - prev[i].packets) / dt));
			}
			cJSON_AddNumberToObject(r, "scored", round2((double)(cs.scored - ps.scored) / dt));
			cJSON_AddNumberToObject(r, "verdicts_pushed",
						round2((double)(cs.verdicts_pushed - ps.verdicts_pushed) / dt));
			pretty = false;
			print_json(doc);
		} else {
			char head[64];

			snprintf(head, sizeof(head), "botwall, every %ds (Ctrl-C quits)", sec);
			printf("\033[H\033[2J%-28s %14s %14s\n", head, "per second", "total");
			for (int i = 0; i < BW_CNT__MAX; i++) {
				char label[64];

				snprintf(label, sizeof(label), "%s %s", bw_counter_names[i].outcome,
					 bw_counter_names[i].name);
				printf("  %-26s %14.1f %14llu\n", label,
				       (double)(cur[i].packets - prev[i].packets) / dt,
				       (unsigned long long)cur[i].packets);
			}
			printf("  %-26s %14.1f %14llu\n", "scored",
			       (double)(cs.scored - ps.scored) / dt, (unsigned long long)cs.scored);
			printf("  %-26s %14.1f %14llu\n", "verdicts pushed",
			       (double)(cs.verdicts_pushed - ps.verdicts_pushed) / dt,
			       (unsigned long long)cs.verdicts_pushed);
		}
		fflush(stdout);
		memcpy(prev, cur, sizeof(prev));
		ps = cs;
		t0 = t1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "state-dir", required_argument, NULL, 's' },
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
	while ((c = getopt_long(argc, argv, "+d:s:jph", opts, NULL)) != -1) {
		switch (c) {
		case 'd': pin_dir = optarg; break;
		case 's': state_dir = optarg; break;
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
	if (!strcmp(cmd, "reload")) {
		if (optind < argc)
			return fail("reload: unexpected argument '%s'", argv[optind]);
		return cmd_reload();
	}
	if (!strcmp(cmd, "detach")) {
		if (optind < argc)
			return fail("detach: unexpected argument '%s'", argv[optind]);
		return cmd_detach();
	}
	if (!strcmp(cmd, "score")) /* offline: no maps needed */
		return bw_cmd_score(argc - optind + 1, argv + optind - 1, json, pretty);
	if (!strcmp(cmd, "overview") || !strcmp(cmd, "sessions"))
		return cmd_store(cmd, argc - optind + 1, argv + optind - 1);
	if (strcmp(cmd, "stats") && strcmp(cmd, "block") && strcmp(cmd, "allow") &&
	    strcmp(cmd, "verdict") && strcmp(cmd, "status") && strcmp(cmd, "lists")) {
		fail("unknown command '%s' (see --help)", cmd);
		return 2;
	}
	if (bw_maps_open(pin_dir, &m, err, sizeof(err)))
		return fail("%s", err);
	lstate_fd = m.lstate;

	if (!strcmp(cmd, "status")) {
		rc = optind < argc ? fail("status: unexpected argument '%s'", argv[optind]) : cmd_status(&m);
	} else if (!strcmp(cmd, "stats") && optind < argc &&
	    (!strcmp(argv[optind], "--watch") || !strcmp(argv[optind], "-w"))) {
		rc = cmd_stats_watch(&m, argc - optind, argv + optind);
	} else if (!strcmp(cmd, "lists")) {
		rc = optind < argc ? fail("lists: unexpected argument '%s'", argv[optind]) : cmd_lists(&m);
	} else if (!strcmp(cmd, "stats")) {
		rc = optind < argc ? fail("stats: unexpected argument '%s'", argv[optind]) : cmd_stats(&m);
	} else if (!strcmp(cmd, "block")) {
		rc = cmd_list_edit(m.block, "block", argc - optind, argv + optind);
	} else if (!strcmp(cmd, "allow")) {
		rc = cmd_list_edit(m.allow, "allow", argc - optind, argv + optind);
	} else {
		rc = cmd_verdict(&m, argc - optind, argv + optind);
	}
	bw_maps_close(&m);
	return rc;
}
