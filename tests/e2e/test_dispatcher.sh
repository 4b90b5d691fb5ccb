#!/usr/bin/env bash
# botwall behind libxdp's multi-program dispatcher, next to another XDP
# program loaded by xdp-loader (xdp-tools): both run, botwall first (what it
# drops never reaches the other), and botwall detaches without disturbing
# the other program. Needs BPF freplace (the dispatcher); kernels without it
# (such as 6.18 built without ftrace) skip with the reason: run it with
# `make vmtest` on Debian's 6.1 kernel.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=bwdsp$$
LAB_PIN=/sys/fs/bpf/botwall-dsp-$$
# shellcheck source=../lab/lab.sh
. "$ROOT/tests/lab/lab.sh"
NEIGHBOUR=$LAB_BIN/tests/bpf/xdp_neighbour.bpf.o

for tool in nginx curl python3 bpftool nsenter xdp-loader; do
	command -v "$tool" >/dev/null || { echo "SKIP dispatcher: $tool is not installed (make deps)"; exit 0; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP dispatcher: needs root"; exit 0; }
[ -f "$NEIGHBOUR" ] || { echo "FAIL dispatcher: $NEIGHBOUR not built"; exit 1; }

CHECK_PREFIX=dispatcher
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"
srv() { nsenter --net="/run/netns/$LAB-srv" "$@"; }
cleanup() {
	srv xdp-loader unload eth0 --all >/dev/null 2>&1
	lab_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Packets the neighbour program saw from a source (by its last IPv4 byte).
seen() {
	local id
	id=$(srv xdp-loader status eth0 2>/dev/null | awk '/xdp_neighbour/ {print $3}' | head -1)
	bpftool -j map dump name nb_seen 2>/dev/null | python3 -c "
import json, sys
for e in json.load(sys.stdin):
    f = e.get('formatted', e)
    if f['key'] == $1:
        print(f['value']); break
else:
    print(0)"
}

lab_up || { echo "FAIL dispatcher_lab_up"; exit 1; }
out=$(srv xdp-loader load -m native eth0 "$NEIGHBOUR" 2>&1)
status=$(srv xdp-loader status eth0 2>&1)
if ! grep -q xdp_dispatcher <<<"$status"; then
	echo "SKIP dispatcher: this kernel ($(uname -r)) cannot run libxdp's dispatcher" \
	     "(no BPF freplace); run make vmtest for a kernel that can"
	exit 0
fi
result neighbour_loaded "$(grep -q xdp_neighbour <<<"$status" && echo 0 || echo 1)" "$out $status"

lab_start_daemon || { echo "FAIL dispatcher_daemon_start"; exit 1; }
result attached_through_dispatcher "$(grep -q "attached through libxdp's dispatcher" "$LAB_DIR/botwalld.log" && echo 0 || echo 1)" \
	"$(cat "$LAB_DIR/botwalld.log")"
status=$(srv xdp-loader status eth0 2>&1)
echo "$status" | sed 's/^/  /'
# Listed in run order: botwall (priority 10) before the neighbour (50).
order=$(awk '/=>/ {print $3}' <<<"$status" | tr '\n' ' ')
result run_order "$([[ $order == "botwall_xdp xdp_neighbour "* ]] && echo 0 || echo 1)" "order: $order"

code=$(lab_browser)
result browser_served "$([ "$code" = 200 ] && echo 0 || echo 1)" "got $code"
result neighbour_sees_browser "$([ "$(seen 20)" -gt 0 ] && echo 0 || echo 1)"

lab_curl scr "$SRV4" >/dev/null
for _ in $(seq 20); do lab_cli verdict list | grep -q "$SCR4" && break; sleep 0.05; done
before=$(seen 66)
drops_before=$(lab_cli -j stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"]["drop"]["verdict"]["packets"])')
code=$(lab_curl scr "$SRV4")
after=$(seen 66)
drops_after=$(lab_cli -j stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"]["drop"]["verdict"]["packets"])')
echo "  scraper blocked: botwall dropped $((drops_after - drops_before)) packets, the neighbour saw $((after - before))"
result dropped_before_neighbour "$([ "$code" = 000 ] && [ "$drops_after" -gt "$drops_before" ] && [ "$after" = "$before" ] && echo 0 || echo 1)" \
	"code=$code drops $drops_before->$drops_after neighbour $before->$after"

lab_stop_daemon
status=$(srv xdp-loader status eth0 2>&1)
result detach_leaves_neighbour "$(grep -q xdp_neighbour <<<"$status" && ! grep -q botwall_xdp <<<"$status" && echo 0 || echo 1)" "$status"
result browser_served_after "$([ "$(lab_browser)" = 200 ] && echo 0 || echo 1)"
exit $failed
