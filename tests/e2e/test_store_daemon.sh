#!/usr/bin/env bash
# A running botwalld in the lab with --store, --sites and --api: real
# requests (a curl scraper, a replayed Chromium request) end up as rows in
# the store, per site, and the API and CLI serve them.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=bwsd$$
LAB_PIN=/sys/fs/bpf/botwall-test-sd-$$
# shellcheck source=../lab/lab.sh
. "$ROOT/tests/lab/lab.sh"

for tool in nginx curl python3 nsenter; do
	command -v "$tool" >/dev/null || { echo "SKIP store_daemon: $tool is not installed (make deps)"; exit 0; }
done
if [ "$(id -u)" != 0 ]; then
	echo "SKIP store_daemon: needs root (network namespaces, XDP)"
	exit 0
fi

CHECK_PREFIX=store_daemon
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"
trap lab_down EXIT
trap 'exit 130' INT TERM

lab_up || { echo "FAIL store_daemon_lab_up"; exit 1; }
TOK=sd-read-token-$$-0123456789
ADM=admin-token-$$-0123456789abcdef
printf '%s read\n%s admin\n' "$TOK" "$ADM" >"$LAB_DIR/tokens"
printf '# lab sites\n*.shop.test shop\nblog.test blog\n' >"$LAB_DIR/sites"
lab_start_daemon --store "$LAB_DIR/store.db" --sites "$LAB_DIR/sites" \
	--api 127.0.0.1:0 --tokens "$LAB_DIR/tokens" ||
	{ echo "FAIL store_daemon_start: $(tail -3 "$LAB_DIR/botwalld.log")"; exit 1; }
port=$(sed -n 's/.*api listening on .* (port \([0-9]*\)).*/\1/p' "$LAB_DIR/botwalld.log" | head -1)
result api_port "$([ -n "$port" ] && echo 0 || echo 1)" "no port in the log"

api() { # PATH -> body on stdout (curl inside the server's namespace)
	nsenter --net="/run/netns/$LAB-srv" curl -sS -m 5 -H "Authorization: Bearer $TOK" \
		"http://127.0.0.1:$port$1"
}

code=$(lab_browser)
result browser_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code"
code=$(lab_curl scr "$SRV4")
result scraper_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code"

# The writer commits within a second or so; poll the metric (bounded).
written=0
for _ in $(seq 60); do
	written=$(api /metrics | sed -n 's/^botwall_store_rows_written_total //p')
	[ "${written:-0}" -ge 2 ] && break
	sleep 0.1
done
result rows_written "$([ "${written:-0}" -ge 2 ] && echo 0 || echo 1)" "written=$written"

api "/bot-stats/overview?account_id=shop&days=1" >"$LAB_DIR/ov.json"
python3 - "$LAB_DIR/ov.json" <<'PY' || echo "FAIL store_daemon_overview: $(cat "$LAB_DIR/ov.json")"
import json, sys
d = json.load(open(sys.argv[1]))
dist = d["data"]["distribution"]
ok = d["success"] and dist["total_hits"] == 2 and dist["score_81_100"] >= 1 and \
     any(f["flag"] == "known_bot_pattern" for f in d["data"]["top_flags"])
print("PASS store_daemon_overview" if ok else "FAIL store_daemon_overview: %s" % d)
PY
api "/bot-stats/suspicious-sessions?account_id=shop&min_score=80" >"$LAB_DIR/ses.json"
python3 - "$LAB_DIR/ses.json" <<'PY' || echo "FAIL store_daemon_sessions: $(cat "$LAB_DIR/ses.json")"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["data"]
ok = len(s) == 1 and s[0]["user_agent"].startswith("curl/") and s[0]["hit_count"] == 1 \
     and "known_bot_pattern" in s[0]["flags"] and s[0]["country"] is None
print("PASS store_daemon_sessions" if ok else "FAIL store_daemon_sessions: %s" % d)
PY
n=$(api "/bot-stats/overview?account_id=blog&days=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["distribution"]["total_hits"])')
result sites_apart "$([ "$n" = 0 ] && echo 0 || echo 1)" "blog has $n hits"

m=$(api /metrics)
grep -q '^botwall_packets_total{outcome="pass",reason="http"} [1-9]' <<<"$m"
result metrics_packets $? "$(head -c 300 <<<"$m")"
grep -q '^botwall_request_score_count [1-9]' <<<"$m"
result metrics_score $?

if [ -x "$ROOT/build/botwall" ] && "$ROOT/build/botwall" overview --help >/dev/null 2>&1; then
	cli=$("$ROOT/build/botwall" -j overview --store "$LAB_DIR/store.db" --site shop --days 1)
	api_doc=$(api "/bot-stats/overview?account_id=shop&days=1")
	python3 -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); sys.exit(a!=b)' "$cli" "$api_doc"
	result cli_same_as_api $? "cli: $cli"
fi
# ---- admin: block and unblock through the API (admin scope) ----
admin() { # PATH TOKEN BODY -> "CODE BODY"
	nsenter --net="/run/netns/$LAB-srv" curl -sS -m 5 -o "$LAB_DIR/adm.json" -w '%{http_code}' \
		-H "Authorization: Bearer $2" --data-binary "$3" "http://127.0.0.1:$port$1"
}
code=$(admin /v1/block "$TOK" "{\"ip\":\"$BRW4\"}")
result admin_read_token_403 "$([ "$code" = 403 ] && echo 0 || echo 1)" "got $code"
code=$(admin /v1/block "$ADM" '{"ip":"not-an-ip"}')
result admin_bad_ip_400 "$([ "$code" = 400 ] && grep -q '"ip: ' "$LAB_DIR/adm.json" && echo 0 || echo 1)" "got $code"
code=$(admin /v1/block "$ADM" "{\"ip\":\"$BRW4\",\"ttl\":60}")
blocked=$(lab_browser)
result admin_block "$([ "$code" = 200 ] && [ "$blocked" = 000 ] && echo 0 || echo 1)" "got $code, browser $blocked"
code=$(admin /v1/unblock "$ADM" "{\"ip\":\"$BRW4\"}")
served=$(lab_browser)
result admin_unblock "$([ "$code" = 200 ] && [ "$served" = 200 ] && echo 0 || echo 1)" "got $code, browser $served"
code=$(admin /v1/unblock "$ADM" "{\"ip\":\"$BRW4\"}")
result admin_unblock_unknown_404 "$([ "$code" = 404 ] && echo 0 || echo 1)" "got $code"
exit $failed
