#!/usr/bin/env bash
# The HTTP API on loopback, with real curl calls: a store filled with fixture
# rows at injected times (tests/api/api_serve.c), shapes checked field by
# field against seed 000, auth (401/403), bad parameters (400), retention,
# the 7-day session window, sites kept apart, /metrics.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SERVE=$ROOT/build/tests/api/api_serve
for tool in curl python3; do
	command -v "$tool" >/dev/null || { echo "SKIP api: $tool is not installed (make deps)"; exit 0; }
done
[ -x "$SERVE" ] || { echo "FAIL api_build: $SERVE missing (make tests)"; exit 1; }

DIR=$(mktemp -d /tmp/bwapi$$.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

R=read-token-$$-0123456789abcdef
W=decide-token-$$-0123456789abcdef
cat >"$DIR/tokens" <<EOT
# test tokens
$R read
$W decide
EOT

"$SERVE" "$DIR/store.db" "$DIR/tokens" --fixture >"$DIR/serve.out" 2>"$DIR/serve.err" &
pid=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/^port //p' "$DIR/serve.out")
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
if [ -z "$port" ]; then
	echo "FAIL api_start: $(cat "$DIR/serve.err")"
	exit 1
fi
BASE=http://127.0.0.1:$port

CHECK_PREFIX=api
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"
# get PATH [TOKEN] -> body in $DIR/body, prints the status code
get() {
	curl -sS -m 5 -o "$DIR/body" -w '%{http_code}' ${2:+-H "Authorization: Bearer $2"} "$BASE$1"
}
check() { # NAME PYTHON-ASSERTIONS (doc in d)
	local out
	out=$(python3 - "$DIR/body" "$2" 2>&1 <<'PY'
import json, sys, re
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
PY
)
	result "$1" $? "$out"
}

# ---- overview ----
code=$(get "/bot-stats/overview?account_id=shop" "$R")
result overview_200 "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code: $(cat "$DIR/body")"
check overview_shape '
assert set(d) == {"success", "data"} and d["success"] is True, d
x = d["data"]
assert set(x) == {"period_start", "period_end", "distribution", "top_flags", "daily_trend"}, set(x)
assert re.fullmatch(r"\d{4}-\d\d-\d\d", x["period_start"]) and re.fullmatch(r"\d{4}-\d\d-\d\d", x["period_end"])
dist = x["distribution"]
assert list(dist) == ["score_0", "score_1_30", "score_31_60", "score_61_80", "score_81_100", "total_hits", "avg_score", "suspicious_percentage"], list(dist)
# shop rollups: 87, 40, 0, 95, 70, 99 (the 20-day-old hit stays in the 30-day rollup)
assert (dist["score_0"], dist["score_1_30"], dist["score_31_60"], dist["score_61_80"], dist["score_81_100"]) == (1, 0, 1, 1, 3), dist
assert dist["total_hits"] == 6, dist
assert dist["avg_score"] == round((87+40+0+95+70+99)/6, 2), dist
assert dist["suspicious_percentage"] == round(100*5/6, 2), dist
for f in x["top_flags"]:
    assert set(f) == {"flag", "count", "description"} and isinstance(f["count"], int) and f["description"], f
assert x["top_flags"][0] == {"flag": "missing_accept_language", "count": 3, "description": "Request missing Accept-Language header"}, x["top_flags"][0]
t = x["daily_trend"]
assert len(t) == 30 and t[0]["date"] == x["period_start"] and t[-1]["date"] == x["period_end"], len(t)
for e in t:
    assert set(e) == {"date", "total_hits", "suspicious_hits", "avg_score"}, e
assert sum(e["total_hits"] for e in t) == 6 and sum(e["suspicious_hits"] for e in t) == 5
assert t[-1]["total_hits"] == 3 and t[-1]["suspicious_hits"] == 2 and t[-1]["avg_score"] == 42.33, t[-1]
'
code=$(get "/bot-stats/overview?account_id=shop&days=7" "$R")
check overview_days '
x = d["data"]
assert len(x["daily_trend"]) == 7 and x["distribution"]["total_hits"] == 4, x["distribution"]
'
code=$(get "/bot-stats/overview?account_id=blog&days=1" "$R")
check overview_sites_apart '
dist = d["data"]["distribution"]
assert dist["total_hits"] == 1 and dist["score_81_100"] == 1, dist
assert [f["flag"] for f in d["data"]["top_flags"]] == ["known_bot_pattern"]
'

# ---- suspicious sessions ----
code=$(get "/bot-stats/suspicious-sessions?account_id=shop" "$R")
result sessions_200 "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code"
check sessions_shape '
assert set(d) == {"success", "data"} and d["success"] is True
s = d["data"]
# 7-day window: ses_old999 (10 days) is out, ses_gone00 was removed by retention
assert [x["session_id"] for x in s] == ["ses_curl01", "ses_a1b2c3"], s
for x in s:
    assert list(x) == ["session_id", "max_score", "flags", "hit_count", "first_seen", "last_seen", "user_agent", "country"], list(x)
    for k in ("first_seen", "last_seen"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", x[k]), x[k]
a = s[1]
assert a["max_score"] == 87 and a["hit_count"] == 3 and a["country"] == "ES", a
assert a["flags"] == ["missing_accept_language", "headless_user_agent"], a["flags"]
assert a["user_agent"].endswith("HeadlessChrome/120.0.0.0") and a["first_seen"] < a["last_seen"]
assert s[0]["country"] is None and s[0]["max_score"] == 95
'
code=$(get "/bot-stats/suspicious-sessions?account_id=shop&min_score=90&limit=1" "$R")
check sessions_min_score_limit 'assert [x["session_id"] for x in d["data"]] == ["ses_curl01"], d'
code=$(get "/bot-stats/suspicious-sessions?account_id=shop&min_score=96" "$R")
check sessions_retention 'assert d["data"] == [], d'
code=$(get "/bot-stats/suspicious-sessions?account_id=blog&min_score=1&limit=100" "$R")
check sessions_sites_apart 'assert [x["session_id"] for x in d["data"]] == ["ses_blog01"], d'
code=$(get "/bot-stats/suspicious-sessions?account_id=nosuch" "$R")
check sessions_unknown_site_empty 'assert d == {"success": True, "data": []}, d'

# ---- auth ----
code=$(get "/bot-stats/overview?account_id=shop")
result auth_missing_401 "$([ "$code" = 401 ] && echo 0 || echo 1)" "got $code"
code=$(get "/bot-stats/overview?account_id=shop" "wrong-token-0123456789abcdef")
result auth_unknown_401 "$([ "$code" = 401 ] && echo 0 || echo 1)" "got $code"
code=$(get "/bot-stats/overview?account_id=shop" "${R}x")
result auth_longer_token_401 "$([ "$code" = 401 ] && echo 0 || echo 1)" "got $code"
code=$(get "/bot-stats/overview?account_id=shop" "$W")
result auth_wrong_scope_403 "$([ "$code" = 403 ] && echo 0 || echo 1)" "got $code"
code=$(get "/metrics" "$W")
result auth_metrics_403 "$([ "$code" = 403 ] && echo 0 || echo 1)" "got $code"
code=$(curl -sS -m 5 -o "$DIR/body" -w '%{http_code}' -H "Authorization: Basic $R" "$BASE/metrics")
result auth_not_bearer_401 "$([ "$code" = 401 ] && echo 0 || echo 1)" "got $code"
if grep -qF "$R" "$DIR/serve.err" "$DIR/serve.out"; then
	result tokens_never_logged 1 "a token appears in the server's output"
else
	result tokens_never_logged 0
fi

# ---- bad parameters: 400 naming the parameter ----
bad() { # NAME QUERY PARAM
	local code
	code=$(get "$2" "$R")
	if [ "$code" = 400 ] && grep -q "\"error\":\"$3" "$DIR/body" && grep -q '"success":false' "$DIR/body"; then
		result "bad_$1" 0
	else
		result "bad_$1" 1 "got $code: $(cat "$DIR/body")"
	fi
}
bad no_account "/bot-stats/overview" account_id
bad empty_account "/bot-stats/overview?account_id=" account_id
bad account_chars "/bot-stats/overview?account_id=a%27b" account_id
bad days_0 "/bot-stats/overview?account_id=shop&days=0" days
bad days_91 "/bot-stats/overview?account_id=shop&days=91" days
bad days_text "/bot-stats/overview?account_id=shop&days=ten" days
bad days_negative "/bot-stats/overview?account_id=shop&days=-5" days
bad days_huge "/bot-stats/overview?account_id=shop&days=99999999999999999999" days
bad min_score_0 "/bot-stats/suspicious-sessions?account_id=shop&min_score=0" min_score
bad min_score_101 "/bot-stats/suspicious-sessions?account_id=shop&min_score=101" min_score
bad limit_0 "/bot-stats/suspicious-sessions?account_id=shop&limit=0" limit
bad limit_101 "/bot-stats/suspicious-sessions?account_id=shop&limit=101" limit
bad limit_float "/bot-stats/suspicious-sessions?account_id=shop&limit=1.5" limit
code=$(get "/bot-stats/nothing?account_id=shop" "$R")
result unknown_path_404 "$([ "$code" = 404 ] && echo 0 || echo 1)" "got $code"
code=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $R" "$BASE/bot-stats/overview?account_id=shop")
result post_405 "$([ "$code" = 405 ] && echo 0 || echo 1)" "got $code"
# A request head beyond the connection's memory limit is refused, and the
# server keeps answering.
code=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $R" -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" "$BASE/metrics")
code2=$(get "/metrics" "$R")
result oversized_head_refused "$([ "$code" != 200 ] && [ "$code2" = 200 ] && echo 0 || echo 1)" "got $code then $code2"

# ---- decision endpoints (seeds 001 and 003) ----
post() { # PATH TOKEN BODY -> status code, body in $DIR/body
	curl -sS -m 5 -o "$DIR/body" -w '%{http_code}' -H "Authorization: Bearer $2" \
		-H 'Content-Type: application/json' --data-binary "$3" "$BASE$1"
}
DEC='{"client_ds":{"et":"1","ip":"192.0.2.1","timestamp":631152000000,"ua":"python-requests/2.31","url":"https://example.com/login","event_success":false,"pw_match":false},"datatoken":"","payload":"","session":"","policy_name":"default"}'
code=$(post /v1/decision "$W" "$DEC")
result decision_200 "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code: $(cat "$DIR/body")"
check decision_shape '
assert list(d) == ["bot", "action", "threat_category", "threat_profile", "policy_name"], list(d)
assert d["bot"] is True and d["action"] == "block" and d["threat_profile"] == "BOT", d
assert all(re.fullmatch(r"[A-Z]+-[A-Z_]+", k) and v is True for k, v in d["threat_category"].items()), d
assert d["policy_name"] == "default"
'
BOT='{"uID":"15","dID":"Device-JWT-USER-ID","h":{"ip":"198.51.100.7","ua":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/105.0.0.0 Safari/537.36","ho":"demo.shop.test","ac":{"a":"text/html","ae":"gzip, deflate, br","al":"en-US,en;q=0.9"},"url":"https://demo.shop.test/register.php"}}'
code=$(post /v1/bot "$W" "$BOT")
result bot_200 "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code: $(cat "$DIR/body")"
check bot_shape '
assert list(d) == ["status", "severity", "risk_score", "shadow_mode", "device", "message"], list(d)
assert d["status"] in ("allow", "challenge", "deny") and d["severity"] in ("low", "medium", "high")
assert isinstance(d["risk_score"], int) and 0 <= d["risk_score"] <= 100 and d["shadow_mode"] == "0"
assert list(d["device"]) == ["device_id", "name", "ip", "location"], d["device"]
assert d["device"]["name"] == "Chrome on Windows 10" and d["device"]["ip"] == "198.51.100.7"
assert d["status"] == "allow", d
'
code=$(post /v1/decision "$R" "$DEC")
result decision_read_token_403 "$([ "$code" = 403 ] && echo 0 || echo 1)" "got $code"
code=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' --data-binary "$DEC" "$BASE/v1/decision")
result decision_no_token_401 "$([ "$code" = 401 ] && echo 0 || echo 1)" "got $code"
code=$(post /v1/decision "$W" '{"client_ds":{"et":')
result decision_malformed_json_400 "$([ "$code" = 400 ] && grep -q 'not a JSON object' "$DIR/body" && echo 0 || echo 1)" "got $code: $(cat "$DIR/body")"
code=$(post /v1/bot "$W" '{"h":{"ua":"x"}}')
result bot_missing_ip_400 "$([ "$code" = 400 ] && grep -q 'h.ip' "$DIR/body" && echo 0 || echo 1)" "got $code: $(cat "$DIR/body")"
code=$(post /v1/decision "$W" "{\"pad\":\"$(head -c 20000 /dev/zero | tr '\0' a)\"}")
result decision_body_too_large_413 "$([ "$code" = 413 ] && echo 0 || echo 1)" "got $code"
code=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $W" "$BASE/v1/decision")
result decision_get_405 "$([ "$code" = 405 ] && echo 0 || echo 1)" "got $code"

# ---- metrics ----
code=$(get "/metrics" "$R")
if [ "$code" = 200 ] && grep -q '^# TYPE botwall_store_rows_written_total counter$' "$DIR/body" &&
   grep -q '^botwall_store_rows_dropped_total 0$' "$DIR/body" &&
   grep -q '^botwall_store_lag_seconds ' "$DIR/body"; then
	result metrics_store 0
else
	result metrics_store 1 "got $code: $(head -c 300 "$DIR/body")"
fi

kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rc=$?
pid=
result clean_exit "$([ "$rc" = 0 ] && echo 0 || echo 1)" "exit status $rc"
exit $failed
