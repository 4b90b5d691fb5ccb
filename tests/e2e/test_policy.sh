#!/usr/bin/env bash
# End to end: policies and shadow mode (docs/config.md). With shadow = yes
# the curl scraper's would-be block is logged and recorded in the store
# (policy and action), it gets no verdict and is still served; a policy
# with a monitor action pushes a monitor verdict (the scraper still
# served), one with rate_limit:0 a rate_limit verdict that drops it.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=bws$((RANDOM % 1000))
LAB_PIN=/sys/fs/bpf/bws-$$
# shellcheck source=../lab/lab.sh
. "$ROOT/tests/lab/lab.sh"

CHECK_PREFIX=policy
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"
require_lab nginx curl python3 nsenter sqlite3
trap lab_down EXIT
trap 'exit 130' INT TERM

verdict_action() { # ADDR -> the action of its verdict, or nothing
	lab_cli -j verdict list 2>/dev/null | python3 -c "
import json, sys
for v in json.load(sys.stdin):
    if v['address'] == '$1': print(v['action'])" 2>/dev/null
}
has_action() { [ "$(verdict_action "$1")" = "$2" ]; }

lab_up || { echo "FAIL policy_lab_up"; exit 1; }

# 1. Global shadow mode: everything decided, nothing pushed.
cat >"$LAB_DIR/shadow.conf" <<CONF
shadow = yes
store = $LAB_DIR/hits.db
CONF
lab_start_daemon --config "$LAB_DIR/shadow.conf" || { echo "FAIL policy_daemon_start"; exit 1; }
code=$(lab_curl scr "$SRV4")
if wait_for 2000 grep -q "shadow $SCR4 score=.* policy=default action=would-block" "$LAB_DIR/botwalld.log"; then
	result shadow_logged 0
else
	result shadow_logged 1 "no would-be block in the log: $(tail -3 "$LAB_DIR/botwalld.log")"
fi
code2=$(lab_curl scr "$SRV4")
result shadow_scraper_served "$([ "$code" = 200 ] && [ "$code2" = 200 ] && [ -z "$(verdict_action "$SCR4")" ] && echo 0 || echo 1)" \
	"scraper got $code then $code2, verdict '$(verdict_action "$SCR4")'"
row() { sqlite3 "$LAB_DIR/hits.db" "SELECT policy || ' ' || action FROM hits WHERE addr = '$SCR4' LIMIT 1" 2>/dev/null; }
has_row() { [ "$(row)" = "default shadow:block" ]; }
if wait_for 5000 has_row; then
	result shadow_recorded 0
else
	result shadow_recorded 1 "store row: '$(row)'"
fi
code=$(lab_browser)
result shadow_browser_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "browser got $code"

# 2. Reload (SIGHUP) with a policy with a monitor action and shadow off:
# pushed, the scraper still served.
cat >"$LAB_DIR/shadow.conf" <<CONF
policy = watch-bots: flag=known_bot_pattern score>=50 -> monitor ttl=120
CONF
lab_reload_daemon
lab_curl scr "$SRV4" >/dev/null
if wait_for 2000 has_action "$SCR4" monitor; then
	code=$(lab_curl scr "$SRV4")
	result monitor_pushed_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "scraper got $code"
	grep -q "block $SCR4 .*policy=watch-bots action=monitor" "$LAB_DIR/botwalld.log"
	result monitor_logged "$?" "$(grep "$SCR4" "$LAB_DIR/botwalld.log" | tail -2)"
else
	result monitor_pushed_served 1 "no monitor verdict: $(lab_cli verdict list 2>&1 | tail -3); $(tail -3 "$LAB_DIR/botwalld.log")"
fi
code=$(lab_browser)
result monitor_browser_untouched "$([ "$code" = 200 ] && [ -z "$(verdict_action "$BRW4")" ] && echo 0 || echo 1)" \
	"browser got $code"

# 3. Reload with a rate_limit:0 policy: the IPv6 scraper (a new source) is
# rate limited to nothing.
cat >"$LAB_DIR/shadow.conf" <<CONF
policy = slow-libs: flag=known_bot_pattern -> rate_limit:0 ttl=120
CONF
lab_reload_daemon
lab_curl scr "$SRV6" >/dev/null
if wait_for 2000 has_action "$SCR6" rate_limit; then
	code=$(lab_curl scr "$SRV6")
	result rate_limit_pushed "$([ "$code" = 000 ] && echo 0 || echo 1)" "scraper got $code"
else
	result rate_limit_pushed 1 "no rate_limit verdict: $(tail -3 "$LAB_DIR/botwalld.log")"
fi

# A bad policy on reload: refused with file:line and the part, old in force.
echo 'policy = broken: scor>=5 -> block' >"$LAB_DIR/shadow.conf"
kill -HUP "$LAB_DAEMON_PID"
if wait_for 2000 grep -q "shadow.conf:1: policy: condition 'scor>=5'" "$LAB_DIR/botwalld.log"; then
	result bad_policy_refused 0
else
	result bad_policy_refused 1 "$(tail -2 "$LAB_DIR/botwalld.log")"
fi
lab_stop_daemon
result daemon_log_clean "$(grep -q 'Sanitizer\|runtime error:' "$LAB_DIR/botwalld.log" && echo 1 || echo 0)" \
	"sanitizer report in the daemon log"
exit "$failed"
