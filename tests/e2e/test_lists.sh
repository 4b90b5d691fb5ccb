#!/usr/bin/env bash
# End to end for the scalable lists (--list NAME:CATEGORY:ACTION:FILE):
# a drop list given as a range, a Tor list in ipset save format, an allow
# list; per-list counters from the CLI and bpftool; reloads that change the
# verdict, a broken file refused by file:line with the old lists kept, and a
# broken file at start refused before the interface is touched.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=bwl$$
LAB_PIN=/sys/fs/bpf/botwall-ltest-$$
# shellcheck source=../lab/lab.sh
. "$ROOT/tests/lab/lab.sh"

CHECK_PREFIX=e2e_lists
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"
require_lab nginx curl python3 bpftool nsenter
trap lab_down EXIT
trap 'exit 130' INT TERM

flips() { grep -c 'lists: 3 in force' "$LAB_DIR/botwalld.log"; }

lab_up || { echo "FAIL e2e_lists_lab_up"; exit 1; }
FEED=$LAB_DIR/feed.list TOR=$LAB_DIR/tor.list GOOD=$LAB_DIR/good.list
printf '# feed as a range around the listed host\n203.0.113.40-203.0.113.59\n2001:db8:dead::/48\n' >"$FEED"
printf 'create tor hash:ip family inet\nadd tor %s\n' "$BAD4" >"$TOR"
printf '%s ; the browser is a known good crawler here\n' "$BRW4" >"$GOOD"
# skb mode: a native-XDP veth only delivers XDP_TX frames (the RSTs below)
# if its peer runs XDP itself; the lab's bridge port does not.
lab_start_daemon --mode skb --list "feed:blocklist:drop:$FEED" --list "tor:tor:monitor:$TOR" \
	--list "good:good_bot_ranges:allow:$GOOD" || { echo "FAIL e2e_lists_daemon_start"; exit 1; }

code=$(lab_curl bad "$SRV_LISTED")
result range_listed_dropped "$([ "$code" = 000 ] && echo 0 || echo 1)" "got $code"
code=$(lab_browser)
result allowed_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code"

lists=$(lab_cli -j lists)
echo "$lists" | python3 -c '
import json, sys
l = {x["name"]: x for x in json.load(sys.stdin)}
ok = (l["feed"]["category"] == "blocklist" and l["feed"]["action"] == "drop"
      and l["feed"]["prefixes"] == 4 and l["feed"]["hits"] >= 1 and l["feed"]["drops"] >= 1
      and l["tor"]["category"] == "tor" and l["tor"]["action"] == "monitor"
      and l["tor"]["hits"] >= 1 and l["tor"]["drops"] >= 1      # same packets: dropped by feed
      and l["good"]["action"] == "allow" and l["good"]["hits"] >= 1 and l["good"]["drops"] == 0)
sys.exit(0 if ok else 1)'
result lists_json_counters "$?" "$lists"

dump=$(bpftool map dump pinned "$LAB_PIN/bw_lstats")
echo "$dump" | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if "hits" in d[0]["values"][0]["value"] else 1)'
result bpftool_list_counters_btf "$?" "${dump:0:200}"

# Reload without the range: the host is only on the Tor (monitor) list now.
n=$(flips)
printf '2001:db8:dead::/48\n' >"$FEED"
kill -HUP "$LAB_DAEMON_PID"
wait_for 5000 test "$(flips)" -gt "$n"
code=$(lab_curl bad "$SRV_LISTED")
result reload_unlists "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code"

# And back: listed again.
n=$(flips)
printf '203.0.113.50/32\n' >"$FEED"
kill -HUP "$LAB_DAEMON_PID"
wait_for 5000 test "$(flips)" -gt "$n"
code=$(lab_curl bad "$SRV_LISTED")
result reload_lists "$([ "$code" = 000 ] && echo 0 || echo 1)" "got $code"

# A broken file: refused with file:line, the lists in force stay.
printf '203.0.113.50/32\n203.0.113.7-bogus\n' >"$FEED"
kill -HUP "$LAB_DAEMON_PID"
if wait_for 3000 grep -q "feed.list:2:" "$LAB_DIR/botwalld.log"; then
	code=$(lab_curl bad "$SRV_LISTED")
	result bad_reload_keeps_old "$([ "$code" = 000 ] && echo 0 || echo 1)" "got $code"
else
	result bad_reload_keeps_old 1 "no file:line error: $(tail -2 "$LAB_DIR/botwalld.log")"
fi

# A reset verdict: the scraper's SYN is answered with an RST from XDP, so
# curl fails at once with "connection refused" (7), not a timeout (28).
lab_cli verdict add "$SCR4" 60 reset >/dev/null
ip netns exec "$LAB-scr" curl -s -o /dev/null --max-time 3 "http://$SRV4/"
rc=$?
resets=$(lab_cli -j stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"]["drop"]["reset"]["packets"])')
result reset_verdict_rst "$([ $rc = 7 ] && [ "$resets" -ge 1 ] && echo 0 || echo 1)" "curl rc=$rc resets=$resets"
lab_cli verdict add "$SCR4" 60 rate_limit:0 >/dev/null
ip netns exec "$LAB-scr" curl -s -o /dev/null --max-time 1 "http://$SRV4/"
rc=$?
result rate_limit_zero_drops "$([ $rc = 28 ] && echo 0 || echo 1)" "curl rc=$rc"
lab_cli verdict del "$SCR4" >/dev/null

# A broken file at start: refused before the interface is touched.
out=$(nsenter --net="/run/netns/$LAB-brw" "$ROOT/build/botwalld" -i eth0 \
	-d "$LAB_PIN-x" --list "feed:blocklist:drop:$FEED" 2>&1)
rc=$?
attached=$(ip -n "$LAB-brw" link show eth0 | grep -c xdp)
result bad_list_at_start "$([ $rc != 0 ] && [ "$attached" = 0 ] && [[ $out == *feed.list:2:* ]] && echo 0 || echo 1)" \
	"rc=$rc attached=$attached out=$out"

out=$("$ROOT/build/botwalld" -i lo --list "x:nocat:drop:$FEED" 2>&1)
result bad_list_option "$([[ $out == *"'x:nocat:drop:"*"expected a category"* ]] && echo 0 || echo 1)" "$out"

if [ $failed != 0 ]; then
	echo "  --- botwalld log ---"
	sed 's/^/  /' "$LAB_DIR/botwalld.log"
fi
exit $failed
