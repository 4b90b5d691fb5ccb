#!/usr/bin/env bash
# vmtest/selftest.sh - check that an environment (normally the vmtest guest:
# vmtest/run.sh -- vmtest/selftest.sh) has what botwall's VM tests rely on:
#   - two network namespaces joined by a veth pair (192.0.2.1/24, .2/24)
#   - nginx serving on 192.0.2.1:80 in one, curl reaching it from the other
#   - bpftool works; bpffs can be mounted inside `ip netns exec` (which
#     remounts /sys) and `nsenter --net` keeps the outer /sys/fs/bpf
# Needs root. Prints one "ok"/"not ok" line per check and a final
# "N passed, N failed" line; exits non-zero if any check failed.
# Traffic stays inside the namespaces it creates (documentation addresses).
set -euo pipefail

[[ $(id -u) == 0 ]] || { echo "selftest.sh: needs root" >&2; exit 1; }

srv=vmt-srv-$$ cli=vmt-cli-$$
work=$(mktemp -d /tmp/vmtest-selftest.XXXXXX)
pass=0 fail=0
check() { # description command...
    local desc=$1; shift
    if "$@" >"$work/last.log" 2>&1; then
        echo "ok - $desc"; pass=$((pass + 1))
    else
        echo "not ok - $desc"; sed 's/^/    # /' "$work/last.log"; fail=$((fail + 1))
    fi
}
cleanup() {
    if [[ -s $work/nginx.pid ]]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
    ip netns del "$srv" 2>/dev/null || true
    ip netns del "$cli" 2>/dev/null || true
    rm -f /sys/fs/bpf/vmt_selftest_$$ 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

setup_netns() {
    ip netns add "$srv"
    ip netns add "$cli"
    ip link add vmt-s$$ netns "$srv" type veth peer name vmt-c$$ netns "$cli"
    ip -n "$srv" addr add 192.0.2.1/24 dev vmt-s$$
    ip -n "$cli" addr add 192.0.2.2/24 dev vmt-c$$
    for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
    ip -n "$srv" link set vmt-s$$ up
    ip -n "$cli" link set vmt-c$$ up
}
check "two netns joined by a veth pair" setup_netns

mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 64; }
http {
    access_log $work/nginx/access.log;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 192.0.2.1:80;
        location / { default_type text/plain; return 200 "hello from vmtest nginx\n"; }
    }
}
EOF
start_nginx() {
    # -e: nginx opens its compiled-in error log before reading the config.
    ip netns exec "$srv" nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf"
    for _ in $(seq 50); do [[ -s $work/nginx.pid ]] && return 0; sleep 0.1; done
    return 1
}
check "nginx starts in $srv on 192.0.2.1:80" start_nginx
curl_nginx() {
    local body
    body=$(ip netns exec "$cli" curl -sS --noproxy '*' --max-time 10 http://192.0.2.1/)
    echo "$body"
    [[ $body == "hello from vmtest nginx" ]]
}
check "curl from $cli gets nginx's page" curl_nginx

check "bpftool prog list" bpftool prog list
check "bpftool map create + pin in /sys/fs/bpf" \
    bpftool map create /sys/fs/bpf/vmt_selftest_$$ type array key 4 value 4 entries 1 name vmt_selftest
check "ip netns exec hides /sys/fs/bpf, bpffs can be mounted there" \
    ip netns exec "$srv" sh -c "! test -e /sys/fs/bpf/vmt_selftest_$$ &&
        mount -t bpf bpf /sys/fs/bpf && bpftool map list >/dev/null"
check "nsenter --net keeps the outer /sys/fs/bpf" \
    nsenter --net="/run/netns/$srv" test -e /sys/fs/bpf/vmt_selftest_$$

echo "$pass passed, $fail failed"
((fail == 0))
