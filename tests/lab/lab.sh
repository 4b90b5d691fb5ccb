# shellcheck shell=bash
# botwall lab: a web server, a scraper, a browser and a blocklisted host on
# one bridged segment, each in its own network namespace. Sourced by
# tools/demo.sh and tests/e2e/*.sh. Documentation addresses only.
#
#   ${LAB}-sw   bridge br0 joining the others
#   ${LAB}-srv  eth0 192.0.2.10/24 203.0.113.10/24 2001:db8::10/64, nginx :80
#   ${LAB}-scr  eth0 192.0.2.66/24 2001:db8::66/64        (scraper)
#   ${LAB}-brw  eth0 192.0.2.20/24 2001:db8::20/64        (browser)
#   ${LAB}-bad  eth0 203.0.113.50/24                      (on the blocklist)
#
# botwalld runs "in" srv through nsenter --net, which keeps the host's mount
# namespace and so the host's /sys/fs/bpf (ip netns exec remounts /sys).

LAB=${LAB:-bwlab}
LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# Where botwalld and botwall come from (build-asan for the sanitizer run),
# and an optional wrapper for the daemon (valgrind).
LAB_BIN=${LAB_BIN:-build}
case $LAB_BIN in /*) ;; *) LAB_BIN=$LAB_ROOT/$LAB_BIN ;; esac
LAB_DAEMON_WRAP=${LAB_DAEMON_WRAP:-}
LAB_DIR=${LAB_DIR:-}
LAB_PIN=${LAB_PIN:-/sys/fs/bpf/botwall-$LAB}
LAB_HOST=www.shop.test
SRV4=192.0.2.10 SRV6=2001:db8::10 SRV_LISTED=203.0.113.10
SCR4=192.0.2.66 SCR6=2001:db8::66
BRW4=192.0.2.20 BRW6=2001:db8::20
BAD4=203.0.113.50
LAB_DAEMON_PID=

lab_log() { printf '[lab] %s\n' "$*" >&2; }

lab_ensure_bpffs() {
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

lab_host() { # NAME ADDR...
	local name=$1; shift
	ip link add eth0 netns "$LAB-$name" type veth peer name "p-$name" netns "$LAB-sw"
	ip -n "$LAB-sw" link set "p-$name" master br0 up
	ip -n "$LAB-$name" link set lo up
	ip -n "$LAB-$name" link set eth0 up
	local a
	for a in "$@"; do
		case $a in
		*:*) ip -n "$LAB-$name" addr add "$a/64" dev eth0 nodad ;;
		*) ip -n "$LAB-$name" addr add "$a/24" dev eth0 ;;
		esac
	done
}

lab_up() {
	lab_ensure_bpffs
	LAB_DIR=$(mktemp -d "/tmp/botwall-$LAB.XXXXXX")
	chmod 755 "$LAB_DIR"
	local ns
	for ns in sw srv scr brw bad; do ip netns add "$LAB-$ns"; done
	ip -n "$LAB-sw" link add br0 type bridge
	ip -n "$LAB-sw" link set br0 up
	lab_host srv "$SRV4" "$SRV_LISTED" "$SRV6"
	lab_host scr "$SCR4" "$SCR6"
	lab_host brw "$BRW4" "$BRW6"
	lab_host bad "$BAD4"
	lab_start_nginx
}

lab_start_nginx() {
	mkdir -p "$LAB_DIR/www" "$LAB_DIR/nginx-tmp"
	printf '<!doctype html><title>shop</title><h1>Welcome to the shop</h1>\n' >"$LAB_DIR/www/index.html"
	chmod -R a+rX "$LAB_DIR/www"
	cat >"$LAB_DIR/nginx.conf" <<CONF
worker_processes 1;
pid $LAB_DIR/nginx.pid;
error_log $LAB_DIR/nginx-error.log;
user www-data;
events { worker_connections 256; }
http {
	access_log $LAB_DIR/nginx-access.log;
	client_body_temp_path $LAB_DIR/nginx-tmp/body;
	proxy_temp_path $LAB_DIR/nginx-tmp/proxy;
	fastcgi_temp_path $LAB_DIR/nginx-tmp/fastcgi;
	uwsgi_temp_path $LAB_DIR/nginx-tmp/uwsgi;
	scgi_temp_path $LAB_DIR/nginx-tmp/scgi;
	server {
		listen 80 default_server;
		listen [::]:80 default_server;
		server_name $LAB_HOST;
		root $LAB_DIR/www;
	}
}
CONF
	ip netns exec "$LAB-srv" nginx -p "$LAB_DIR" -c "$LAB_DIR/nginx.conf" -e "$LAB_DIR/nginx-error.log"
	local i
	for i in $(seq 50); do
		[ -s "$LAB_DIR/nginx.pid" ] && return 0
		sleep 0.1
	done
	lab_log "nginx did not start: $(cat "$LAB_DIR/nginx-error.log" 2>/dev/null)"
	return 1
}

# Starts botwalld on the server's eth0 with extra options; logs to
# $LAB_DIR/botwalld.log. Waits (bounded) until it runs.
lab_start_daemon() {
	# shellcheck disable=SC2086 # the wrapper is a command line
	nsenter --net="/run/netns/$LAB-srv" $LAB_DAEMON_WRAP "$LAB_BIN/botwalld" -i eth0 \
		-d "$LAB_PIN" "$@" >>"$LAB_DIR/botwalld.log" 2>&1 &
	LAB_DAEMON_PID=$!
	local i
	for i in $(seq 300); do
		grep -q 'running:' "$LAB_DIR/botwalld.log" 2>/dev/null && return 0
		kill -0 "$LAB_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	lab_log "botwalld did not start:"
	cat "$LAB_DIR/botwalld.log" >&2
	return 1
}

lab_stop_daemon() {
	[ -n "$LAB_DAEMON_PID" ] || return 0
	kill -TERM "$LAB_DAEMON_PID" 2>/dev/null || true
	local i
	for i in $(seq 150); do
		kill -0 "$LAB_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$LAB_DAEMON_PID" 2>/dev/null || true
	wait "$LAB_DAEMON_PID" 2>/dev/null || true
	LAB_DAEMON_PID=
}

# botwall CLI against the lab's pins.
lab_cli() { "$LAB_BIN/botwall" -d "$LAB_PIN" "$@"; }

# HTTP status of a curl request from a host (000 when it got no answer).
lab_curl() { # HOST ADDR [curl args]
	local host=$1 addr=$2; shift 2
	local url="http://$LAB_HOST/" resolve="$LAB_HOST:80:$addr"
	case $addr in *:*) resolve="$LAB_HOST:80:[$addr]" ;; esac
	ip netns exec "$LAB-$host" curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		--resolve "$resolve" "$@" "$url" || true
}

# The captured browser request, replayed byte for byte from the browser host.
lab_browser() { # [ADDR] [REQUEST_FILE]
	local addr=${1:-$SRV4}
	local req=${2:-$LAB_ROOT/tests/corpus/chromium-headful__plain.http}
	ip netns exec "$LAB-brw" python3 "$LAB_ROOT/tests/lab/replay.py" "$req" "$addr" 80 || true
}

lab_down() {
	lab_stop_daemon
	if [ -n "$LAB_DIR" ] && [ -s "$LAB_DIR/nginx.pid" ]; then
		kill "$(cat "$LAB_DIR/nginx.pid")" 2>/dev/null || true
	fi
	local ns
	for ns in srv scr brw bad sw; do
		ip netns del "$LAB-$ns" 2>/dev/null || true
	done
	# Pins of a daemon that could not clean up (killed, or --keep).
	if [ -d "$LAB_PIN" ]; then
		rm -f "$LAB_PIN"/bw_* 2>/dev/null || true
		rmdir "$LAB_PIN" 2>/dev/null || true
	fi
	if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ]; then
		rm -rf "$LAB_DIR"
	fi
}
