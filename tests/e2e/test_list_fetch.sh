#!/usr/bin/env bash
# Lists from a URL source (file:// here: no network outside the lab):
# refreshed on their interval (the datapath starts dropping a newly listed
# host), a broken update keeps the last good copy in force (the log names the
# URL and the line), a missing source keeps it too, a restart without the
# source starts from the last good copy, and `botwall lists` shows the source
# and the fetch status.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=bwoF
LAB_PIN=/sys/fs/bpf/bwo-fetch-$$
# shellcheck source=../lab/lab.sh
. "$ROOT/tests/lab/lab.sh"

CHECK_PREFIX=e2e_list_fetch
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"
require_lab nginx curl python3 nsenter
trap lab_down EXIT
trap 'exit 130' INT TERM
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
bad_dropped() { [ "$(lab_curl bad "$SRV_LISTED" --max-time 1)" = 000 ]; }
bad_served() { [ "$(lab_curl bad "$SRV_LISTED" --max-time 1)" = 200 ]; }

lab_up || { echo "FAIL e2e_list_fetch_lab_up"; exit 1; }
SRC=$LAB_DIR/src STATE=$LAB_DIR/state
mkdir -p "$SRC"
printf '# feed v1\n198.51.100.99/32\n' >"$SRC/feed.list"
start() {
	lab_start_daemon --no-sampling --state-dir "$STATE" --list "feed:blocklist:drop:file://$SRC/feed.list refresh=1" \
		--list "nocopy:custom:drop:file://$SRC/absent.list"
}
start || { echo "FAIL e2e_list_fetch_daemon_start"; exit 1; }
log=$(cat "$LAB_DIR/botwalld.log")
result first_fetch "$([[ $log == *"list feed: fetched file://$SRC/feed.list"* ]] && [ -f "$STATE/lists/feed" ] && echo 0 || echo 1)" "$log"
result no_copy_starts_empty "$([[ $log == *"list nocopy: no copy yet and the fetch failed"*"EMPTY"* ]] && echo 0 || echo 1)" "$log"
mode=$(stat -c %a "$STATE/lists/feed" "$STATE" "$STATE/lists" | tr '\n' ' ')
result state_modes "$([ "$mode" = "600 700 700 " ] && echo 0 || echo 1)" "modes $mode"
bad_served
result not_listed_yet "$?" "bad host not served before it is listed"

# The feed lists the bad host: within the refresh interval it is dropped.
printf '# feed v2\n198.51.100.99/32\n%s/32\n' "$BAD4" >"$SRC/feed.list"
wait_for 6000 bad_dropped
result refresh_lists_new_host "$?" "$(tail -3 "$LAB_DIR/botwalld.log")"
lists=$(lab_cli -s "$STATE" -j lists)
echo "$lists" | python3 -c '
import json, sys
l = {x["name"]: x for x in json.load(sys.stdin)}
f = l["feed"]
ok = (f["source"].startswith("file://") and f["fetch"]["result"] in ("ok", "unchanged")
      and 0 <= f["fetch"]["age_sec"] < 10 and f["prefixes"] == 2
      and l["nocopy"]["fetch"]["last_success"] == 0 and "absent.list" in l["nocopy"]["fetch"]["result"])
sys.exit(0 if ok else 1)'
result cli_shows_source_and_status "$?" "$lists"
text=$(lab_cli -s "$STATE" lists)
result cli_text "$([[ $text == *"source file://$SRC/feed.list, last good copy"* ]] && echo 0 || echo 1)" "$text"

# A broken update: the last good copy stays in force, the log says why.
good=$(cat "$STATE/lists/feed")
printf '198.51.100.99/32\n203.0.113.7-bogus\n' >"$SRC/feed.list"
wait_for 5000 grep -q "list feed: fetch failed, the last good copy stays in force: file://$SRC/feed.list:2:" "$LAB_DIR/botwalld.log"
result broken_update_logged "$?" "$(tail -3 "$LAB_DIR/botwalld.log")"
sleep 1.5
bad_dropped
result broken_update_keeps_old "$?" "bad host not dropped after a broken update"
result broken_update_copy_untouched "$([ "$(cat "$STATE/lists/feed")" = "$good" ] && echo 0 || echo 1)"
status=$(lab_cli -s "$STATE" -j lists | jq_py '[x for x in d if x["name"] == "feed"][0]["fetch"]["result"]')
result broken_update_status "$([[ $status == *":2:"* ]] && echo 0 || echo 1)" "$status"

# The source disappears: still the last good copy.
rm -f "$SRC/feed.list"
n=$(grep -c "list feed: fetch failed" "$LAB_DIR/botwalld.log")
wait_for 5000 test "$(grep -c "list feed: fetch failed" "$LAB_DIR/botwalld.log")" -gt "$n"
bad_dropped
result missing_source_keeps_old "$?" "$(tail -2 "$LAB_DIR/botwalld.log")"

# A restart with the source still missing starts from the last good copy.
lab_stop_daemon
: >"$LAB_DIR/botwalld.log"
start || { echo "FAIL e2e_list_fetch_restart"; exit 1; }
log=$(cat "$LAB_DIR/botwalld.log")
bad_dropped
result restart_uses_last_good_copy "$([ $? = 0 ] && [[ $log == *"list feed: starting from the last good copy"* ]] && echo 0 || echo 1)" "$log"

# Unlisted again at the source: the host is served after the next refresh.
printf '198.51.100.99/32\n' >"$SRC/feed.list"
wait_for 6000 bad_served
result refresh_unlists "$?" "$(tail -3 "$LAB_DIR/botwalld.log")"

if [ $failed != 0 ]; then
	echo "  --- botwalld log ---"
	sed 's/^/  /' "$LAB_DIR/botwalld.log"
fi
exit $failed
