#!/usr/bin/env bash
# Migration of pinned maps whose size changed: a daemon (keep = yes) fills a
# 1024-entry verdict table, a restarted daemon asks for 2048 entries: the
# verdicts are copied into the new map, the new size is in effect (bpftool),
# the new program replaces the old one, and the scraper stays blocked the
# whole time. Then a shrink to 16 entries: what does not fit is counted and
# dropped, the newest verdicts stay and are enforced, no crash.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=bwoM
LAB_PIN=/sys/fs/bpf/bwo-migrate-$$
# shellcheck source=../lab/lab.sh
. "$ROOT/tests/lab/lab.sh"

CHECK_PREFIX=e2e_migrate
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"
require_lab nginx curl python3 bpftool nsenter
PROBE_PID=
cleanup() {
	[ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null && wait "$PROBE_PID" 2>/dev/null
	lab_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
max_entries() { bpftool -j map show pinned "$LAB_PIN/bw_verdicts" | jq_py 'd["max_entries"]'; }
nverdicts() { lab_cli -j verdict list | jq_py 'len(d)'; }
drops() { lab_cli -j stats | jq_py 'd["packets"]["drop"]["verdict"]["packets"]'; }
# status looks the program up by ifindex: in the server's namespace.
srv_cli() { nsenter --net="/run/netns/$LAB-srv" "$LAB_BIN/botwall" -d "$LAB_PIN" "$@"; }
prog_id() { srv_cli -j status | jq_py 'd["program"]["id"]'; }

lab_up || { echo "FAIL e2e_migrate_lab_up"; exit 1; }
lab_start_daemon --keep --verdict-table-size 1024 || { echo "FAIL e2e_migrate_daemon_start"; exit 1; }
result initial_size "$([ "$(max_entries)" = 1024 ] && echo 0 || echo 1)" "max_entries $(max_entries)"

# 40 verdicts for documentation addresses, the scraper's last (newest).
for i in $(seq 1 40); do lab_cli verdict add "198.51.100.$i" 600 >/dev/null; done
lab_cli verdict add "$SCR4" 600 >/dev/null
for _ in 1 2 3; do lab_curl scr "$SRV4" >/dev/null; done
d0=$(drops)
id0=$(prog_id)
result verdicts_in "$([ "$(nverdicts)" = 41 ] && [ "$d0" -ge 1 ] && echo 0 || echo 1)" "verdicts $(nverdicts) drops $d0"

# The scraper probes all along: never served while the daemons change.
( for _ in $(seq 400); do lab_curl scr "$SRV4" --max-time 0.3; echo; sleep 0.05; done ) >"$LAB_DIR/probe" 2>/dev/null &
PROBE_PID=$!

lab_stop_daemon
code=$(lab_curl scr "$SRV4")
result fail_static_between "$([ "$code" = 000 ] && echo 0 || echo 1)" "scraper got $code with no daemon"

# --- grow: 1024 -> 2048 ---
: >"$LAB_DIR/botwalld.log"
lab_start_daemon --keep --verdict-table-size 2048 || { echo "FAIL e2e_migrate_restart_grow"; exit 1; }
log=$(cat "$LAB_DIR/botwalld.log")
result grow_logged "$([[ $log == *"migrate: bw_verdicts: 1024 -> 2048 entries, 41 copied, 0 dropped"* ]] && echo 0 || echo 1)" "$log"
result grow_size_in_effect "$([ "$(max_entries)" = 2048 ] && echo 0 || echo 1)" "max_entries $(max_entries)"
result grow_verdicts_kept "$([ "$(nverdicts)" = 41 ] && echo 0 || echo 1)" "$(nverdicts) verdicts"
id1=$(prog_id)
attached=$(srv_cli -j status | jq_py 'd["program"]["attached"]')
result grow_program_replaced "$([ "$id1" != "$id0" ] && [ "$attached" = True ] && [[ $log == *"replaced program id $id0"* ]] && echo 0 || echo 1)" \
	"old $id0 new $id1 attached $attached"
for _ in 1 2 3; do code=$(lab_curl scr "$SRV4"); done
d1=$(drops)
result grow_enforced_new_map "$([ "$code" = 000 ] && [ "$d1" -gt "$d0" ] && echo 0 || echo 1)" "code $code drops $d0 -> $d1"
code=$(lab_browser)
result grow_browser_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code"

# A restart with the same size migrates nothing and adopts.
lab_stop_daemon
: >"$LAB_DIR/botwalld.log"
lab_start_daemon --keep --verdict-table-size 2048 || { echo "FAIL e2e_migrate_restart_same"; exit 1; }
log=$(cat "$LAB_DIR/botwalld.log")
result same_size_adopts "$([[ $log != *"migrate:"* && $log == *"adopted botwall program id $id1"* ]] && echo 0 || echo 1)" "$log"

kill "$PROBE_PID" 2>/dev/null; wait "$PROBE_PID" 2>/dev/null; PROBE_PID=
served=$(grep -c '^200' "$LAB_DIR/probe")
probes=$(grep -c . "$LAB_DIR/probe")
echo "  scraper probes during the restarts: $probes, served: $served"
result never_served_during_restarts "$([ "$served" = 0 ] && [ "$probes" -ge 5 ] && echo 0 || echo 1)" "$served of $probes served"

# --- shrink: 2048 -> 16 ---
lab_stop_daemon
: >"$LAB_DIR/botwalld.log"
lab_start_daemon --keep --verdict-table-size 16 || { echo "FAIL e2e_migrate_restart_shrink"; exit 1; }
log=$(cat "$LAB_DIR/botwalld.log")
line=$(grep -o 'migrate: bw_verdicts: 2048 -> 16 entries, [0-9]* copied, [0-9]* dropped' <<<"$log")
copied=$(awk '{print $7}' <<<"$line")
dropped=$(awk '{print $9}' <<<"$line")
n=$(nverdicts)
echo "  shrink: $copied copied, $dropped dropped, $n in the map"
result shrink_counted "$([ -n "$line" ] && [ $((copied + dropped)) = 41 ] && [ "$copied" -ge 8 ] && [ "$copied" -le 16 ] && [ "$n" = "$copied" ] && echo 0 || echo 1)" "$log"
result shrink_warns "$([[ $log == *"verdicts did not fit in 16 entries"* ]] && echo 0 || echo 1)" "$log"
result shrink_size_in_effect "$([ "$(max_entries)" = 16 ] && echo 0 || echo 1)" "max_entries $(max_entries)"
kept=$(lab_cli -j verdict list | jq_py '"'"$SCR4"'" in [v["address"] for v in d]')
code=$(lab_curl scr "$SRV4")
result shrink_newest_enforced "$([ "$kept" = True ] && [ "$code" = 000 ] && echo 0 || echo 1)" "scraper kept $kept, got $code"
result shrink_daemon_alive "$(kill -0 "$LAB_DAEMON_PID" 2>/dev/null && srv_cli status >/dev/null && echo 0 || echo 1)" "$(tail -2 "$LAB_DIR/botwalld.log")"

# --- a list state pinned by an older version (40 bytes, before the IPv6
# /48 buckets): copied zero-extended, not recreated empty, so the flag
# that makes the datapath probe manual entries survives the upgrade. ---
lab_stop_daemon
rm -f "$LAB_PIN/bw_lstate"
# gen 1, flags BW_LS_F_MANUAL, seq 7, masks 0
bpftool map create "$LAB_PIN/bw_lstate" type array key 4 value 40 entries 1 name bw_lstate
bpftool map update pinned "$LAB_PIN/bw_lstate" key 0 0 0 0 value 1 0 0 0 1 0 0 0 7 0 0 0 0 0 0 0 \
	0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
: >"$LAB_DIR/botwalld.log"
lab_start_daemon --keep --verdict-table-size 16 || { echo "FAIL e2e_migrate_restart_lstate"; exit 1; }
log=$(cat "$LAB_DIR/botwalld.log")
result lstate_copied "$([[ $log == *"migrate: bw_lstate: value size 40 -> 48: entries copied"* ]] && echo 0 || echo 1)" "$log"
vsz=$(bpftool -j map show pinned "$LAB_PIN/bw_lstate" | jq_py 'd["bytes_value"]')
lsj=$(bpftool -j map lookup pinned "$LAB_PIN/bw_lstate" key 0 0 0 0)
ls_val=$(jq_py 'd["formatted"]["value"]' <<<"$lsj")
flags=$(jq_py 'd["formatted"]["value"]["flags"]' <<<"$lsj")
seq=$(jq_py 'd["formatted"]["value"]["seq"]' <<<"$lsj")
result lstate_kept "$([ "$vsz" = 48 ] && [ $((flags & 1)) = 1 ] && [ "$seq" -ge 7 ] && echo 0 || echo 1)" "value size $vsz, $ls_val"
code=$(lab_curl scr "$SRV4")
result lstate_scraper_still_blocked "$([ "$code" = 000 ] && echo 0 || echo 1)" "scraper got $code"

if [ $failed != 0 ]; then
	echo "  --- botwalld log ---"
	sed 's/^/  /' "$LAB_DIR/botwalld.log"
fi
exit $failed
