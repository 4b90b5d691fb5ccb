#!/usr/bin/env bash
# The verdict table full: a 16-entry table (verdict_table_size) and 24
# scraping sources, then 40 verdicts from the CLI. The LRU evicts,
# the daemon counts and logs the evictions, the newest verdicts are enforced,
# `botwall status`/`stats` stay correct and nothing crashes.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=bwoT
LAB_PIN=/sys/fs/bpf/bwo-full-$$
# shellcheck source=../lab/lab.sh
. "$ROOT/tests/lab/lab.sh"

CHECK_PREFIX=e2e_tables_full
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"
require_lab nginx curl python3 nsenter
trap lab_down EXIT
trap 'exit 130' INT TERM
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
srv_cli() { nsenter --net="/run/netns/$LAB-srv" "$LAB_BIN/botwall" -d "$LAB_PIN" "$@"; }
from() { # SRC_ADDR: HTTP status of a curl request from the scraper host with that source
	ip netns exec "$LAB-scr" curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
		--interface "$1" "http://$SRV4/" || true
}
listed() { lab_cli -j verdict list | jq_py '"'"$1"'" in [v["address"] for v in d]'; }

lab_up || { echo "FAIL e2e_tables_full_lab_up"; exit 1; }
for i in $(seq 100 123); do ip -n "$LAB-scr" addr add "192.0.2.$i/24" dev eth0; done
lab_start_daemon --verdict-table-size 16 --max-verdicts-per-sec 1000 ||
	{ echo "FAIL e2e_tables_full_daemon_start"; exit 1; }

# 24 sources, one curl request each: each is scored and blocked.
for i in $(seq 100 123); do from "192.0.2.$i" >/dev/null; done
wait_for 5000 grep -q "block 192.0.2.123 " "$LAB_DIR/botwalld.log"
pushed=$(grep -c "info: block 192.0.2.1" "$LAB_DIR/botwalld.log")
n=$(lab_cli -j verdict list | jq_py 'len(d)')
echo "  24 sources: $pushed verdicts pushed, $n in the table of 16"
# Bounded, not full: how many entries a tiny LRU hash keeps depends on the
# kernel (6.1 spreads its free nodes over per-CPU lists and evicts early:
# 4 of 16 in the VM; 6.18 keeps 16), so only the bound is asserted here and
# the newest verdict's enforcement below.
result daemon_pushes_bounded "$([ "$pushed" = 24 ] && [ "$n" -le 16 ] && [ "$n" -ge 1 ] && echo 0 || echo 1)" "pushed $pushed, table $n"
result evictions_logged "$(grep -q 'verdict table full (16 entries): new verdicts evict' "$LAB_DIR/botwalld.log" && echo 0 || echo 1)" \
	"$(tail -3 "$LAB_DIR/botwalld.log")"
result newest_enforced "$([ "$(listed 192.0.2.123)" = True ] && [ "$(from 192.0.2.123)" = 000 ] && echo 0 || echo 1)"
# Which verdicts went is not asserted: the kernel's LRU is approximate
# (per-CPU free lists; on 6.1 the first source sometimes survives while
# later ones go). That some went, and that the newest holds, is.
evicted=0
for i in $(seq 100 123); do [ "$(listed "192.0.2.$i")" = False ] && evicted=$((evicted + 1)); done
result some_evicted "$([ "$evicted" -ge 8 ] && echo 0 || echo 1)" "$evicted of 24 evicted"
code=$(lab_browser)
result browser_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code"

# 40 more from the CLI: the table stays at 16, the last ones hold.
for i in $(seq 1 40); do lab_cli verdict add "198.51.100.$i" 600 >/dev/null || break; done
lab_cli verdict add "$SCR4" 600 >/dev/null
n=$(lab_cli -j verdict list | jq_py 'len(d)')
result cli_fill_bounded "$([ "$n" -le 16 ] && [ "$n" -ge 1 ] && echo 0 || echo 1)" "$n entries"
result cli_newest_enforced "$([ "$(listed "$SCR4")" = True ] && [ "$(lab_curl scr "$SRV4")" = 000 ] && echo 0 || echo 1)"

st=$(srv_cli -j status)
echo "$st" | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = d["verdict_table"]
sys.exit(0 if d["healthy"] and t["size"] == 16 and t["live"] == d["verdicts"] <= 16 and d["verdicts_suppressed"] == 0 else 1)'
result status_correct "$?" "$st"
text=$(srv_cli status)
result status_text "$([[ $text == *"verdict table"*" of 16 entries"* ]] && echo 0 || echo 1)" "$text"
stats=$(lab_cli -j stats)
drops=$(echo "$stats" | jq_py 'd["packets"]["drop"]["verdict"]["packets"]')
result stats_counts_drops "$([ "$drops" -ge 2 ] && echo 0 || echo 1)" "verdict drops $drops"
result daemon_alive "$(kill -0 "$LAB_DAEMON_PID" 2>/dev/null && echo 0 || echo 1)" "$(tail -3 "$LAB_DIR/botwalld.log")"

lab_stop_daemon
result eviction_total_on_exit "$(grep -q 'verdict table: [0-9]* verdicts evicted by newer ones while full (16 entries)' "$LAB_DIR/botwalld.log" && echo 0 || echo 1)" \
	"$(tail -3 "$LAB_DIR/botwalld.log")"

if [ $failed != 0 ]; then
	echo "  --- botwalld log ---"
	sed 's/^/  /' "$LAB_DIR/botwalld.log"
fi
exit $failed
