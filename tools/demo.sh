#!/usr/bin/env bash
# botwall demo on a built-in lab (no real interface is touched): nginx behind
# botwall's XDP program, a curl scraper, a browser (a Chromium request
# captured from a real browser, replayed byte for byte) and a host on a
# blocklist. Shows the scraper blocked, the browser served, the stats.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LAB=bwdemo
LAB_PIN=/sys/fs/bpf/botwall-demo
# shellcheck source=../tests/lab/lab.sh
. "$ROOT/tests/lab/lab.sh"

if [ "$(id -u)" != 0 ]; then
	echo "demo: run as root (it creates network namespaces and attaches XDP)" >&2
	exit 1
fi
[ -x "$ROOT/build/botwalld" ] || { echo "demo: run 'make' first" >&2; exit 1; }

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '   $ %s\n' "$*"; }
trap lab_down EXIT
lab_down 2>/dev/null || true   # leftovers of an interrupted demo

say "Lab: server $SRV4/$SRV6 (nginx), scraper $SCR4, browser $BRW4, listed host $BAD4"
lab_up
printf '# demo blocklist\n203.0.113.0/24 ; stands in for a FireHOL / Spamhaus feed\n' >"$LAB_DIR/block.list"

say "Starting botwalld on the server's eth0"
show "botwalld --iface eth0 --pin-dir $LAB_PIN --blocklist block.list"
lab_start_daemon --blocklist "$LAB_DIR/block.list"
sed 's/^/   /' "$LAB_DIR/botwalld.log"

say "Browser (Chromium's own request bytes) asks for http://$LAB_HOST/"
echo "   HTTP $(lab_browser)"

say "Scraper: curl http://$LAB_HOST/"
echo "   HTTP $(lab_curl scr "$SRV4")   <- first request is served and sampled"
for _ in $(seq 20); do
	lab_cli verdict list 2>/dev/null | grep -q "$SCR4" && break
	sleep 0.05
done
grep ' block ' "$LAB_DIR/botwalld.log" | sed 's/^/   /'
echo "   HTTP $(lab_curl scr "$SRV4")   <- next request: dropped in XDP (curl timed out)"

say "Browser again"
echo "   HTTP $(lab_browser)"

say "Host on the blocklist ($BAD4)"
echo "   HTTP $(lab_curl bad "$SRV_LISTED")   <- dropped by the blocklist"

say "botwall verdict list"
lab_cli verdict list | sed 's/^/   /'

say "botwall stats"
lab_cli stats | sed 's/^/   /'

say "Inspect with bpftool: bpftool map dump pinned $LAB_PIN/bw_config"
bpftool map dump pinned "$LAB_PIN/bw_config" | sed 's/^/   /'

say "Tearing the lab down"
