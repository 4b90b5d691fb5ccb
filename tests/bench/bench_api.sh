#!/usr/bin/env bash
# make bench, API section: latency of API calls over loopback with the store
# idle, then while one thread scores the corpus as fast as it can and queues
# every row (bench_api.c). Side by side in one run; a few seconds each.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/build/tests/bench/bench_api
SECS=30   # the server's own limit; stopped after the calls
CALLS=${BENCH_API_CALLS:-100}
DIR=$(mktemp -d /tmp/bwbench$$.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$DIR"' EXIT
TOK=bench-token-$$-0123456789
echo "$TOK read" >"$DIR/tokens"

run() { # MODE
	local mode=$1 port= i
	"$BIN" "$DIR/$mode.db" "$DIR/tokens" "$SECS" "$mode" "$ROOT"/tests/corpus/*.http >"$DIR/out" 2>&1 &
	pid=$!
	for i in $(seq 100); do
		port=$(sed -n 's/^port //p' "$DIR/out"); [ -n "$port" ] && break; sleep 0.05
	done
	[ -n "$port" ] || { cat "$DIR/out"; exit 1; }
	sleep 1   # let the load (and the store) get going
	: >"$DIR/times"
	fails=0
	for i in $(seq "$CALLS"); do
		if [ $((i % 2)) = 0 ]; then p="/bot-stats/overview?account_id=default&days=1"
		else p="/bot-stats/suspicious-sessions?account_id=default&min_score=50"; fi
		r=$(curl -s -m 2 -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOK" "http://127.0.0.1:$port$p") || r="000 2"
		[ "${r% *}" = 200 ] || fails=$((fails + 1))
		echo "${r#* }" >>"$DIR/times"
	done
	kill "$pid"; wait "$pid"; pid=
	sort -n "$DIR/times" | awk -v mode="$mode" -v fails="$fails" '
		{ t[NR] = $1 * 1000 }
		END { printf "  %-5s %4d calls, %d failed: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
			mode, NR, fails, t[int(NR*0.5)], t[int(NR*0.9)], t[int(NR*0.99)], t[NR] }'
	sed -n 's/^scored/        scored/p' "$DIR/out"
}
echo "API under scoring load ($CALLS sequential calls, overview and sessions alternating):"
run idle
run load
