#!/usr/bin/env bash
# The daemon once under valgrind (memcheck): start, score a real curl and the
# captured browser request, reload, stop cleanly. Any memcheck error or a
# definite leak fails.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=bwvg$$
LAB_PIN=/sys/fs/bpf/botwall-vg-$$
# shellcheck source=../lab/lab.sh
. "$ROOT/tests/lab/lab.sh"
command -v valgrind >/dev/null || { echo "SKIP valgrind: valgrind is not installed"; exit 0; }
for tool in nginx curl python3 nsenter; do
	command -v "$tool" >/dev/null || { echo "SKIP valgrind: $tool is not installed"; exit 0; }
done
trap lab_down EXIT
CHECK_PREFIX=valgrind
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"

lab_up || { echo "FAIL valgrind_lab_up"; exit 1; }
vglog=$LAB_DIR/valgrind.log
LAB_DAEMON_WRAP="valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite --suppressions=$ROOT/tests/e2e/valgrind.supp \
--error-exitcode=99 --log-file=$vglog" lab_start_daemon || { echo "FAIL valgrind_start: $(tail -5 "$vglog")"; exit 1; }
lab_browser >/dev/null
lab_curl scr "$SRV4" >/dev/null
for _ in $(seq 60); do lab_cli verdict list | grep -q "$SCR4" && break; sleep 0.1; done
result scores_and_blocks "$(lab_cli verdict list | grep -q "$SCR4" && echo 0 || echo 1)"
kill -HUP "$LAB_DAEMON_PID"
sleep 1
pid=$LAB_DAEMON_PID
kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
rc=$?
LAB_DAEMON_PID=
summary=$(grep -E 'ERROR SUMMARY|definitely lost' "$vglog" | sed 's/^==[0-9]*== //' | tr '\n' ' ')
echo "  $summary"
result no_errors_no_leaks "$([ $rc = 0 ] && grep -q 'ERROR SUMMARY: 0 errors' "$vglog" && echo 0 || echo 1)" \
	"exit $rc; $summary"
[ $failed = 0 ] || sed 's/^/  /' "$vglog" | tail -60
exit $failed
