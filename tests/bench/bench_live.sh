#!/usr/bin/env bash
# make bench-live: packets per second dropped on a veth pair by botwall
# (XDP, native mode) and by nftables (an interval set in a netdev ingress
# drop rule) holding the same generated prefixes, alternately in one run.
# Method and results: docs/benchmarks.md "Live: veth vs nftables".
#
#   BENCH_LIVE_PREFIXES  generated IPv4 prefixes (default 1000000)
#   BENCH_LIVE_SECONDS   length of one measurement window (default 3)
#   BENCH_LIVE_ROUNDS    rounds of (botwall, nft) x (listed, clean) (default 3)
#
# Two namespaces joined by a veth pair (198.51.100.1 generator,
# 198.51.100.2 receiver). The generator sends 60-byte UDP frames with
# BPF_PROG_TEST_RUN in live-frames mode (tests/bench/live_tx.bpf.c), the
# fastest sender here (no pktgen module on this kernel), from 256 listed
# sources (203.0.113.0/24, each listed as a /32) or 128 clean ones
# (198.51.100.128/25). The receiver runs threaded NAPI so that receiving
# and sending sit on different CPUs.
set -u
cd "$(dirname "$0")/../.."
B=${LAB_BIN:-build}
N=${BENCH_LIVE_PREFIXES:-1000000}
SECS=${BENCH_LIVE_SECONDS:-3}
ROUNDS=${BENCH_LIVE_ROUNDS:-3}
GEN=bwk-gen RCV=bwk-rcv GIF=bwk-g RIF=bwk-r
PIN=/sys/fs/bpf/bwk-live
TOOL=$B/tests/bench/bench_live
TXOBJ=$B/live_tx.bpf.o

die() { echo "bench-live: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (namespaces, XDP)"
command -v nft >/dev/null || die "nft not found (make deps installs nftables)"
[ -x "$TOOL" ] && [ -f "$TXOBJ" ] || die "build first: make $TOOL $TXOBJ"
case "$N$SECS$ROUNDS" in *[!0-9]*) die "BENCH_LIVE_* must be integers";; esac
[ "$N" -le 2000000 ] && [ "$SECS" -le 30 ] && [ "$ROUNDS" -le 10 ] || die "BENCH_LIVE_* too large"

TMP=$(mktemp -d /tmp/bwk-live.XXXXXX)
cleanup() {
	ip netns del $GEN 2>/dev/null
	ip netns del $RCV 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cleanup_stale() { ip netns del $GEN 2>/dev/null; ip netns del $RCV 2>/dev/null; rm -rf "$PIN"; }
cleanup_stale
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs"

inr() { nsenter --net=/run/netns/$RCV "$@"; }   # keeps the root bpffs view
ing() { nsenter --net=/run/netns/$GEN "$@"; }
now() { date +%s.%N; }

ip netns add $GEN && ip netns add $RCV || die "cannot create namespaces"
ip link add $GIF netns $GEN type veth peer name $RIF netns $RCV || die "cannot create the veth pair"
ip -n $GEN addr add 198.51.100.1/24 dev $GIF
ip -n $RCV addr add 198.51.100.2/24 dev $RIF
for ns in $GEN $RCV; do ip -n $ns link set lo up; done
ip -n $GEN link set $GIF up
ip -n $RCV link set $RIF up
# NAPI on the receiving veth even without an XDP program (the nft case):
# frames sent with ndo_xdp_xmit need it.
ip netns exec $RCV ethtool -K $RIF gro on >/dev/null || die "cannot enable GRO on $RIF"

echo "bench-live: generating $N IPv4 prefixes (+256 /32s the sender uses)"
$TOOL gen "$N" "$TMP/list.txt" "$TMP/set.nft" || die "gen failed"

t0=$(now)
inr $TOOL botwall $RIF "$TMP/list.txt" "$PIN" >"$TMP/bw.log" 2>&1 || { cat "$TMP/bw.log"; die "botwall load failed"; }
t_bw=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }')
cat "$TMP/bw.log"
ip -n $RCV link set $RIF xdpdrv off

ip netns exec $RCV nft add table netdev bwk || die "nft: cannot add a table"
t0=$(now)
timeout 900 ip netns exec $RCV nft -f "$TMP/set.nft" || die "nft could not load $N prefixes within 900 s"
t_nft=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }')
printf "load time for %s prefixes: botwall %.2f s (parse + build + write + attach), nftables %.2f s (nft -f, auto-merge)\n" \
	"$N" "$t_bw" "$t_nft"

# Threaded NAPI: the receiver's poll runs in its own kernel thread, pinned
# to the CPU the sender does not use.
ip netns exec $RCV sh -c "echo 1 > /sys/class/net/$RIF/threaded" || die "cannot switch $RIF to threaded NAPI"
ncpu=$(nproc)
napi_pid=$(pgrep -f "^napi/$RIF" | head -1 || true)
[ -z "$napi_pid" ] && napi_pid=$(ps -eo pid,comm | awk -v i="$RIF" '$2 ~ "^napi/"i {print $1; exit}')
if [ "$ncpu" -ge 2 ] && [ -n "$napi_pid" ]; then
	taskset -pc 1 "$napi_pid" >/dev/null
	SENDCPU=0
else
	SENDCPU=
fi

bw_on()  { inr ip link set $RIF xdpdrv pinned "$PIN/prog"; }
bw_off() { inr ip link set $RIF xdpdrv off; }
nft_on() {
	ip netns exec $RCV nft add chain netdev bwk ing "{ type filter hook ingress device \"$RIF\" priority 0; }" &&
	ip netns exec $RCV nft add rule netdev bwk ing ip saddr @bl counter drop
}
nft_off() { ip netns exec $RCV nft delete chain netdev bwk ing; }
nft_drops() { ip netns exec $RCV nft list chain netdev bwk ing | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
rcv_rx() { ip netns exec $RCV cat /sys/class/net/$RIF/statistics/rx_packets; }

send() { # FIRST COUNT -> prints "sent N seconds"
	if [ -n "$SENDCPU" ]; then
		ing taskset -c $SENDCPU $TOOL send "$TXOBJ" $GIF "$1" "$2" "$SECS"
	else
		ing $TOOL send "$TXOBJ" $GIF "$1" "$2" "$SECS"
	fi
}

# One window: prints "sent_pps dropped_pps passed_pps".
measure() { # WHO(bw|nft) SRC COUNT
	local who=$1 d0 d1 r0 r1 out sent secs
	sleep 1   # let the previous window's frames drain first
	r0=$(rcv_rx)
	if [ "$who" = bw ]; then d0=$(inr $TOOL counters "$PIN" | cut -d' ' -f2); else d0=$(nft_drops); fi
	out=$(send "$2" "$3") || die "sender failed: $out"
	if [ "$who" = bw ]; then d1=$(inr $TOOL counters "$PIN" | cut -d' ' -f2); else d1=$(nft_drops); fi
	r1=$(rcv_rx)
	sent=$(echo "$out" | awk '{print $2}')
	secs=$(echo "$out" | awk '{print $3}')
	echo "$sent $((d1 - d0)) $((r1 - r0)) $secs" | awk '{printf "%.0f %.0f %.0f\n", $1/$4, $2/$4, $3/$4}'
}

declare -A sum cnt
record() { # KEY VALUE
	sum[$1]=$(( ${sum[$1]:-0} + $2 )); cnt[$1]=$(( ${cnt[$1]:-0} + 1 ))
}

printf "\n%-6s %-8s %-8s %14s %14s %16s\n" round filter traffic "sent pps" "dropped pps" "veth rx pps"
for r in $(seq 1 "$ROUNDS"); do
	for traffic in listed clean; do
		if [ $traffic = listed ]; then src=203.0.113.0 n=256; else src=198.51.100.128 n=128; fi
		for who in bw nft; do
			if [ $who = bw ]; then bw_on; else nft_on || die "nft chain"; fi
			read -r s d p < <(measure $who $src $n)
			if [ $who = bw ]; then bw_off; else nft_off; fi
			printf "%-6s %-8s %-8s %14s %14s %16s\n" "$r" "$([ $who = bw ] && echo botwall || echo nftables)" \
				$traffic "$s" "$d" "$p"
			record "$who-$traffic-drop" "$d"
			record "$who-$traffic-rx" "$p"
			record "$who-$traffic-sent" "$s"
		done
	done
done

avg() { echo $(( ${sum[$1]} / ${cnt[$1]} )); }
bwd=$(avg bw-listed-drop) nfd=$(avg nft-listed-drop)
bwc=$(avg bw-clean-rx) nfc=$(avg nft-clean-rx)
echo
echo "Live bench: $N generated IPv4 prefixes + 256 listed sources, ${SECS} s windows, $ROUNDS rounds, $ncpu CPUs"
printf "%-44s %14s %14s %8s\n" "case (mean of rounds)" botwall nftables ratio
printf "%-44s %14s %14s %8s\n" "listed sources: dropped packets/s" "$bwd" "$nfd" \
	"$(awk -v a="$bwd" -v b="$nfd" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')"
printf "%-44s %14s %14s %8s\n" "clean sources: packets/s into the stack" "$bwc" "$nfc" \
	"$(awk -v a="$bwc" -v b="$nfc" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')"
printf "%-44s %14s %14s\n" "sender, packets/s offered (listed)" "$(avg bw-listed-sent)" "$(avg nft-listed-sent)"
printf "load: botwall %.2f s, nftables %.2f s (goal: botwall drop rate >= 5x nftables)\n" "$t_bw" "$t_nft"
