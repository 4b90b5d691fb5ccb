#!/usr/bin/env bash
# End to end in network namespaces: nginx behind botwall's XDP program, a
# real curl scraper, a captured Chromium request replayed byte for byte,
# and a blocklisted host. Prints PASS/FAIL/SKIP lines for tests/run.sh.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=bwe2e$$
LAB_PIN=/sys/fs/bpf/botwall-test-$$
# shellcheck source=../lab/lab.sh
. "$ROOT/tests/lab/lab.sh"

CHECK_PREFIX=e2e
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"
require_lab nginx curl python3 bpftool nsenter
cleanup() { lab_down; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Poll (bounded) until CMD succeeds.
has_verdict() { lab_cli -j verdict list | python3 -c "
import json, sys
sys.exit(0 if any(v['address'] == '$1' and v['action'] == 'drop' for v in json.load(sys.stdin)) else 1)"; }

lab_up || { echo "FAIL e2e_lab_up: $(cat "$LAB_DIR"/*.log 2>/dev/null | tail -5)"; exit 1; }
printf '# lab blocklist\n%s/24 ; documentation range standing in for a feed\n' "${BAD4%.*}.0" >"$LAB_DIR/block.list"
lab_start_daemon --blocklist "$LAB_DIR/block.list" || { echo "FAIL e2e_daemon_start"; exit 1; }

mode=$(ip -n "$LAB-srv" -d link show eth0 | grep -o 'prog/xdp\(drv\|generic\)\? id [0-9]*' | head -1)
result xdp_attached "$([ -n "$mode" ] && echo 0 || echo 1)" "no XDP program on the server's eth0"

code=$(lab_browser)
result browser_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "browser got $code"

code=$(lab_curl scr "$SRV4")
result scraper_first_request_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code"

start=$(date +%s%N)
if wait_for 1000 has_verdict "$SCR4"; then
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "  verdict for $SCR4 after ${ms} ms"
	result verdict_within_1s 0
else
	result verdict_within_1s 1 "no verdict for $SCR4 within 1 s; daemon log: $(tail -3 "$LAB_DIR/botwalld.log")"
fi

code=$(lab_curl scr "$SRV4")
result scraper_blocked "$([ "$code" = 000 ] && echo 0 || echo 1)" "scraper still got $code"
# The datapath caught the scraper's SYN; p0f's signatures name a Linux stack
# (the lab's namespaces run this kernel's TCP). Skipped without p0f's file.
if [ -r /etc/p0f/p0f.fp ]; then
	line=$(grep "block $SCR4 " "$LAB_DIR/botwalld.log" | head -1)
	result block_names_syn_class "$([[ $line == *'syn="unix:Linux'* ]] && echo 0 || echo 1)" "$line"
fi

code=$(lab_browser)
result browser_still_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "browser got $code"
code=$(lab_browser "$SRV6")
result browser_served_ipv6 "$([ "$code" = 200 ] && echo 0 || echo 1)" "browser got $code"

# The same scraper over IPv6 is another source: scored and blocked too.
lab_curl scr "$SRV6" >/dev/null
if wait_for 1000 has_verdict "$SCR6"; then
	code=$(lab_curl scr "$SRV6")
	result scraper_blocked_ipv6 "$([ "$code" = 000 ] && echo 0 || echo 1)" "got $code"
else
	result scraper_blocked_ipv6 1 "no verdict for $SCR6"
fi

code=$(lab_curl bad "$SRV_LISTED")
result blocklisted_host_dropped "$([ "$code" = 000 ] && echo 0 || echo 1)" "got $code"

# Stats from the maps alone, as JSON.
stats=$(lab_cli -j stats)
echo "$stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
flags = {f["flag"]: f["count"] for f in s["flags"]}
d = s["scoring"]["distribution"]
ok = (flags["known_bot_pattern"] >= 2 and flags["missing_accept_language"] >= 2
      and s["packets"]["drop"]["verdict"]["packets"] >= 1
      and s["packets"]["drop"]["blocklist"]["packets"] >= 1
      and s["packets"]["pass"]["http"]["packets"] >= 4
      and s["events"]["syn_recorded"] >= 4   # a SYN per connection
      and d["total_hits"] >= 4 and d["score_0"] >= 2 and d["score_81_100"] >= 2
      and 0 < d["suspicious_percentage"] < 100)
sys.exit(0 if ok else 1)'
result stats_json "$?" "unexpected stats: $stats"

# Without -j, bpftool prints maps that carry BTF as named fields.
dump=$(bpftool map dump pinned "$LAB_PIN/bw_counters")
echo "$dump" | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = d[0]["values"][0]["value"]
sys.exit(0 if "packets" in v and "bytes" in v else 1)'
result bpftool_named_fields "$?" "bpftool output without BTF field names: ${dump:0:200}"

perm=$(stat -c %a "$LAB_PIN/bw_verdicts")
dperm=$(stat -c %a "$LAB_PIN")
result pins_private "$([ "$perm" = 600 ] && [ "$dperm" = 700 ] && echo 0 || echo 1)" "pin $perm, dir $dperm"

# Live edit: unblock the listed range from the CLI, the host gets through.
lab_cli block del "${BAD4%.*}.0/24" >/dev/null
code=$(lab_curl bad "$SRV_LISTED")
result block_del_live "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code"
lab_cli block add "${BAD4%.*}.0/24" >/dev/null

# A broken list on reload is refused by file:line; the old list stays.
printf '%s/24\nnot-an-address\n' "${BAD4%.*}.0" >"$LAB_DIR/block.list"
kill -HUP "$LAB_DAEMON_PID"
if wait_for 2000 grep -q "block.list:2: 'not-an-address'" "$LAB_DIR/botwalld.log"; then
	code=$(lab_curl bad "$SRV_LISTED")
	result bad_list_reload_keeps_old "$([ "$code" = 000 ] && echo 0 || echo 1)" "listed host got $code"
else
	result bad_list_reload_keeps_old 1 "no file:line error in the log: $(tail -2 "$LAB_DIR/botwalld.log")"
fi

# A bad list at start: refused before the interface is touched.
out=$(nsenter --net="/run/netns/$LAB-brw" "$LAB_BIN/botwalld" -i eth0 \
	-d "$LAB_PIN-x" --blocklist "$LAB_DIR/block.list" 2>&1)
rc=$?
attached=$(ip -n "$LAB-brw" link show eth0 | grep -c xdp)
result bad_list_at_start "$([ $rc != 0 ] && [ "$attached" = 0 ] && [[ $out == *block.list:2:* ]] && echo 0 || echo 1)" \
	"rc=$rc attached=$attached out=$out"

# One spoofed frame with a bot's request and the browser's address, no
# handshake: scored, but no verdict (require_established), browser served.
srv_mac=$(ip -n "$LAB-srv" -br link show eth0 | awk '{print $3}')
ip netns exec "$LAB-scr" python3 "$ROOT/tests/lab/spoof.py" eth0 "$srv_mac" "$BRW4" "$SRV4"
if wait_for 2000 grep -q "not blocking $BRW4 .*established" "$LAB_DIR/botwalld.log"; then
	result spoofed_request_no_verdict "$(! has_verdict "$BRW4" && [ "$(lab_browser)" = 200 ] && echo 0 || echo 1)" \
		"browser blocked by a spoofed packet"
else
	result spoofed_request_no_verdict 1 "no refusal in the log: $(tail -2 "$LAB_DIR/botwalld.log")"
fi

# Clean exit: detached and unpinned.
lab_stop_daemon
attached=$(ip -n "$LAB-srv" link show eth0 | grep -c xdp)
result clean_detach "$([ "$attached" = 0 ] && [ ! -e "$LAB_PIN" ] && echo 0 || echo 1)" \
	"attached=$attached pins=$(ls "$LAB_PIN" 2>&1)"

# Under ASan/UBSan (tests/run.sh sanitize) the daemon's exit report is here.
result daemon_log_clean "$(grep -q 'Sanitizer\|runtime error:' "$LAB_DIR/botwalld.log" && echo 1 || echo 0)" \
	"sanitizer report in the daemon log"

if [ $failed != 0 ]; then
	echo "  --- botwalld log ---"
	sed 's/^/  /' "$LAB_DIR/botwalld.log"
fi
exit $failed
