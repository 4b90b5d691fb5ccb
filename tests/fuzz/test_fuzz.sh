#!/usr/bin/env bash
# Runs the libFuzzer target briefly (FUZZ_SECONDS, default 10) on the corpus.
set -u
cd "$(dirname "$0")/../.."
bin=build/tests/fuzz/fuzz_score
secs=${FUZZ_SECONDS:-10}
if [ ! -x "$bin" ]; then
	echo "SKIP fuzz_score: $bin not built (clang with -fsanitize=fuzzer needed)"
	exit 0
fi
work=$(mktemp -d /tmp/bwfuzz.$$.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp tests/corpus/*.http "$work"/
if "$bin" -max_total_time="$secs" -max_len=2048 -timeout=5 "$work" >"$work/log" 2>&1; then
	echo "PASS fuzz_score ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/log" || tail -1 "$work/log" | cut -c1-80))"
else
	tail -40 "$work/log"
	echo "FAIL fuzz_score: see the crash above"
	exit 1
fi
