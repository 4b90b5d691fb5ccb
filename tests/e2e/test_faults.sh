#!/usr/bin/env bash
# Fault tests: the daemon killed under traffic, the ring buffer overflowed,
# broken config and list files, a million-line list, a second daemon, and
# status/detach. Prints PASS/FAIL/SKIP lines (with counts) for tests/run.sh.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=bwflt$$
LAB_PIN=/sys/fs/bpf/botwall-fault-$$
# shellcheck source=../lab/lab.sh
. "$ROOT/tests/lab/lab.sh"

CHECK_PREFIX=faults
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"
require_lab nginx curl python3 bpftool nsenter
ok() { "$@" >/dev/null 2>&1 && echo 0 || echo 1; }
LOAD_PID=
cleanup() {
	[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null && wait "$LOAD_PID" 2>/dev/null
	lab_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM
srv() { nsenter --net="/run/netns/$LAB-srv" "$@"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

lab_up || { echo "FAIL faults_lab_up"; exit 1; }
cfg=$LAB_DIR/botwall.conf
cat >"$cfg" <<EOF
# botwall config for the fault tests
iface = eth0
pin_dir = $LAB_PIN
port = 80
threshold = 80
verdict_ttl = 600
EOF

# --- config validation (touches nothing) ---
out=$("$LAB_BIN/botwalld" --config "$cfg" --check-config 2>&1)
result check_config_ok "$([ $? = 0 ] && [[ $out == *"configuration OK"* ]] && echo 0 || echo 1)" "$out"
printf 'threshold = 80\nthreshold = 900\n' >"$LAB_DIR/bad.conf"
out=$("$LAB_BIN/botwalld" --config "$LAB_DIR/bad.conf" --check-config 2>&1)
result check_config_bad_value "$([ $? = 2 ] && [[ $out == *"bad.conf:2: threshold: '900'"*"1-100"* ]] && echo 0 || echo 1)" "$out"
printf 'iface = eth0\nthreshhold = 80\n' >"$LAB_DIR/bad.conf"
out=$("$LAB_BIN/botwalld" --config "$LAB_DIR/bad.conf" --check-config 2>&1)
result check_config_unknown_key "$([ $? = 2 ] && [[ $out == *"bad.conf:2: unknown key 'threshhold'"* ]] && echo 0 || echo 1)" "$out"
out=$("$LAB_BIN/botwalld" --config "$LAB_DIR/missing.conf" --check-config 2>&1)
result check_config_missing_file "$([ $? = 2 ] && [[ $out == *"missing.conf: cannot open"* ]] && echo 0 || echo 1)" "$out"
out=$("$LAB_BIN/botwalld" --config "$cfg" --blocklist "$LAB_DIR" --check-config 2>&1)
result unreadable_list "$([ $? = 2 ] && [[ $out == *"$LAB_DIR"* ]] && echo 0 || echo 1)" "$out"

# --- a million-line list (IPv6 /128s from the documentation range) ---
python3 - "$LAB_DIR/million.list" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("# one million documentation addresses\n")
    for i in range(1_000_000):
        f.write("2001:db8:%x:%x::1\n" % (i >> 16, i & 0xffff))
PY
t0=$(date +%s%N)
out=$("$LAB_BIN/botwalld" --config "$cfg" --blocklist "$LAB_DIR/million.list" --check-config 2>&1)
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "  parsed 1,000,000 lines in $ms ms"
result million_line_list_parses "$([ $rc = 0 ] && [[ $out == *"1000000 blocklist prefixes"* ]] && echo 0 || echo 1)" "$out"
# one bad line at the very end refuses the whole file
echo "2001:db8::zz" >>"$LAB_DIR/million.list"
out=$("$LAB_BIN/botwalld" --config "$cfg" --blocklist "$LAB_DIR/million.list" --check-config 2>&1)
result million_line_list_bad_last_line "$([ $? = 2 ] && [[ $out == *"million.list:1000002:"* ]] && echo 0 || echo 1)" "$out"
rm -f "$LAB_DIR/million.list"

# --- start, block the scraper, status ---
printf '203.0.113.0/24\n' >"$LAB_DIR/block.list"
lab_start_daemon --config "$cfg" --blocklist "$LAB_DIR/block.list" || { echo "FAIL faults_daemon_start"; exit 1; }
lab_curl scr "$SRV4" >/dev/null
wait_for 1000 sh -c "'$LAB_BIN/botwall' -d '$LAB_PIN' verdict list | grep -q '$SCR4'"
result scraper_blocked "$([ "$(lab_curl scr "$SRV4")" = 000 ] && echo 0 || echo 1)"
status=$(srv "$LAB_BIN/botwall" -d "$LAB_PIN" -j status)
result status_healthy "$([ $? = 0 ] && [ "$(echo "$status" | jq_py 'd["healthy"] and d["daemon"]["running"] and d["program"]["attached"] and d["verdicts"] >= 1')" = True ] && echo 0 || echo 1)" "$status"
prog_id=$(echo "$status" | jq_py 'd["program"]["id"]')

# A second daemon on the same pins is refused, and the first keeps running.
out=$(srv "$LAB_BIN/botwalld" --config "$cfg" 2>&1)
result second_daemon_refused "$([ $? != 0 ] && [[ $out == *"another botwalld (pid $LAB_DAEMON_PID)"* ]] && kill -0 "$LAB_DAEMON_PID" && echo 0 || echo 1)" "$out"

# --- kill -9 under traffic: protection never lapses ---
: >"$LAB_DIR/load.log"
(
	for _ in $(seq 60); do
		echo "scraper $(lab_curl scr "$SRV4" --max-time 0.3)"
		echo "browser $(lab_browser)"
		sleep 0.05
	done
) >>"$LAB_DIR/load.log" 2>/dev/null &
LOAD_PID=$!
sleep 1
kill -9 "$LAB_DAEMON_PID"
wait "$LAB_DAEMON_PID" 2>/dev/null
LAB_DAEMON_PID=
sleep 1
status=$(srv "$LAB_BIN/botwall" -d "$LAB_PIN" -j status)
result status_degraded_after_kill "$([ "$(echo "$status" | jq_py 'not d["healthy"] and not d["daemon"]["running"] and d["program"]["attached"]')" = True ] && echo 0 || echo 1)" "$status"
lab_start_daemon --config "$cfg" --blocklist "$LAB_DIR/block.list" || echo "FAIL faults_restart"
wait "$LOAD_PID" 2>/dev/null
LOAD_PID=
served=$(grep -c '^scraper 200' "$LAB_DIR/load.log")
bsent=$(grep -c '^browser' "$LAB_DIR/load.log")
bok=$(grep -c '^browser 200' "$LAB_DIR/load.log")
echo "  during kill -9 and restart: scraper served $served times; browser served $bok of $bsent"
result scraper_stays_blocked "$([ "$served" = 0 ] && echo 0 || echo 1)" "scraper served $served times"
result browser_never_dropped "$([ "$bsent" -ge 30 ] && [ "$bok" = "$bsent" ] && echo 0 || echo 1)" "$bok of $bsent"
result restart_adopts "$(ok grep -q "adopted botwall program id $prog_id" "$LAB_DIR/botwalld.log")" "$(tail -3 "$LAB_DIR/botwalld.log")"
status=$(srv "$LAB_BIN/botwall" -d "$LAB_PIN" -j status)
result status_healthy_after_restart "$([ "$(echo "$status" | jq_py "d['healthy'] and d['program']['id'] == $prog_id")" = True ] && echo 0 || echo 1)" "$status"

# --- SIGHUP with a bad config keeps the running one ---
cp "$cfg" "$cfg.good"
printf 'threshold = abc\n' >>"$cfg"
kill -HUP "$LAB_DAEMON_PID"
wait_for 2000 grep -q "reload refused" "$LAB_DIR/botwalld.log"
result bad_config_reload_keeps_running "$([ $? = 0 ] && kill -0 "$LAB_DAEMON_PID" && [ "$(lab_curl scr "$SRV4")" = 000 ] && echo 0 || echo 1)" "$(tail -2 "$LAB_DIR/botwalld.log")"
cp "$cfg.good" "$cfg"
printf 'threshold = 82\n' >>"$cfg"
kill -HUP "$LAB_DAEMON_PID"
wait_for 2000 grep -q "reloaded: threshold 82" "$LAB_DIR/botwalld.log"
result good_config_reload_applies "$?" "$(tail -2 "$LAB_DIR/botwalld.log")"

# --- ring buffer overflow: daemon stopped, a burst through the program ---
python3 - "$ROOT/tests/corpus/chromium-headful__plain.http" "$LAB_DIR/burst.pkt" <<'PY'
import socket, struct, sys
payload = open(sys.argv[1], "rb").read()
src, dst = socket.inet_aton("198.51.100.200"), socket.inet_aton("192.0.2.10")
tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 1, 5 << 4, 0x18, 65535, 0, 0)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
open(sys.argv[2], "wb").write(eth + ip + tcp + payload)
PY
before=$(lab_cli -j stats | jq_py 'd["events"]["ringbuf_full"]')
# Run what is attached to the interface: botwall itself, or libxdp's
# dispatcher in front of it (an freplace extension cannot be test-run alone).
entry=$(ip -n "$LAB-srv" -d link show eth0 | grep -o 'prog/xdp\(drv\|generic\)\? id [0-9]*' | grep -o '[0-9]*$' | head -1)
kill -STOP "$LAB_DAEMON_PID"
bpftool prog run id "${entry:-$prog_id}" data_in "$LAB_DIR/burst.pkt" repeat 4000 >"$LAB_DIR/burst.log" 2>&1 ||
	echo "  bpftool prog run failed: $(cat "$LAB_DIR/burst.log")"
stats=$(lab_cli -j stats)
lost=$(( $(echo "$stats" | jq_py 'd["events"]["ringbuf_full"]') - before ))
echo "  burst of 4000 sampled requests with the daemon stopped: $lost samples lost (counted)"
result ringbuf_overflow_counted "$([ "$lost" -gt 0 ] && echo 0 || echo 1)" "lost=$lost"
result ringbuf_overflow_still_filters "$([ "$(lab_curl scr "$SRV4")" = 000 ] && [ "$(lab_browser)" = 200 ] && echo 0 || echo 1)"
seen_before=$(echo "$stats" | jq_py 'd["scoring"]["samples_seen"]')
kill -CONT "$LAB_DAEMON_PID"
wait_for 5000 sh -c "[ \$('$LAB_BIN/botwall' -d '$LAB_PIN' -j stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"scoring\"][\"samples_seen\"])') -gt $((seen_before + 1000)) ]"
result ringbuf_daemon_drains "$?"
# recovered: a new scraper source (the listed host, unlisted now) is scored and blocked again
lab_cli block del 203.0.113.0/24 >/dev/null 2>&1
sed -i '/^203.0.113.0/d' "$LAB_DIR/block.list"
lab_reload_daemon
lab_curl bad "$SRV_LISTED" >/dev/null
wait_for 2000 sh -c "'$LAB_BIN/botwall' -d '$LAB_PIN' verdict list | grep -q '$BAD4'"
result ringbuf_daemon_recovers "$?"

# --- detach removes everything ---
out=$(srv "$LAB_BIN/botwall" -d "$LAB_PIN" detach 2>&1)
attached=$(ip -n "$LAB-srv" link show eth0 | grep -c xdp)
result detach "$([ "$attached" = 0 ] && [ ! -e "$LAB_PIN" ] && ! kill -0 "$LAB_DAEMON_PID" 2>/dev/null && echo 0 || echo 1)" "attached=$attached out=$out"
LAB_DAEMON_PID=

if [ $failed != 0 ]; then
	echo "  --- botwalld log ---"
	sed 's/^/  /' "$LAB_DIR/botwalld.log"
fi
exit $failed
