#!/usr/bin/env bash
# make bench-live: packets per second dropped on a veth pair by botwall
# (XDP, native mode) and by nftables (an interval set in a netdev ingress
# drop rule) holding the same generated prefixes, alternately in one run.
# Method and results: docs/benchmarks.md "Live: veth vs nftables".
#
#   BENCH_LIVE_PREFIXES   generated IPv4 prefixes (default 1000000, max 2000000)
#   BENCH_LIVE_PREFIXES6  generated IPv6 prefixes (default 200000, max 1000000)
#   BENCH_LIVE_SECONDS    length of one measurement window (default 3, 1-30)
#   BENCH_LIVE_ROUNDS     rounds of (IPv4, IPv6) x (listed, clean) x
#                         (botwall, nft) (default 3, 1-10); listed
#                         traffic also against the floor, a program
#                         that reads the source address and drops
#                         (tests/bench/live_drop.bpf.c)
#   BENCH_LIVE_PROFILE=1  after the rounds, one more IPv4 listed window each
#                         for the floor and botwall under `perf record -a -g`
#                         (cpu-clock), and where each CPU's time went; not
#                         in the means (perf slows both CPUs)
#
# Two namespaces joined by a veth pair (198.51.100.1 and 2001:db8:1::1
# generator, 198.51.100.2 and 2001:db8:1::2 receiver). The generator sends
# UDP frames with BPF_PROG_TEST_RUN in live-frames mode
# (tests/bench/live_tx.bpf.c), the fastest sender here (no pktgen module on
# this kernel): 60-byte IPv4 frames from 256 listed sources (203.0.113.0/24,
# each listed as a /32) or 128 clean ones (198.51.100.128/25), 62-byte IPv6
# frames from 256 listed sources (2001:db8:bad::100-1ff, each listed as a
# /128) or 128 clean ones (2001:db8:c1ea::100-17f). Only documentation
# addresses go on the wire, and only between the two namespaces made here.
# The receiver runs threaded NAPI so that receiving and sending sit on
# different CPUs.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${LAB_BIN:-build}
N=${BENCH_LIVE_PREFIXES:-1000000}
N6=${BENCH_LIVE_PREFIXES6:-200000}
SECS=${BENCH_LIVE_SECONDS:-3}
ROUNDS=${BENCH_LIVE_ROUNDS:-3}
PROFILE=${BENCH_LIVE_PROFILE:-0}
GEN=bwk-gen RCV=bwk-rcv GIF=bwk-g RIF=bwk-r
PIN=/sys/fs/bpf/bwk-live
TOOL=$B/tests/bench/bench_live
TXOBJ=$B/live_tx.bpf.o
DROPOBJ=$B/live_drop.bpf.o

die() { echo "bench-live: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (namespaces, XDP)"
command -v nft >/dev/null || die "nft not found (make deps installs nftables)"
command -v ethtool >/dev/null || die "ethtool not found (make deps installs it)"
case "$PROFILE" in 0) ;; 1) command -v perf >/dev/null || die "BENCH_LIVE_PROFILE=1 needs perf (apt-get install linux-perf)";;
*) die "BENCH_LIVE_PROFILE must be 0 or 1, got '$PROFILE'";; esac
{ [ -x "$TOOL" ] && [ -f "$TXOBJ" ] && [ -f "$DROPOBJ" ]; } || die "build first: make $TOOL $TXOBJ $DROPOBJ"
for v in "BENCH_LIVE_PREFIXES=$N" "BENCH_LIVE_PREFIXES6=$N6" "BENCH_LIVE_SECONDS=$SECS" "BENCH_LIVE_ROUNDS=$ROUNDS"; do
	val=${v#*=}
	case "$val" in ''|*[!0-9]*) die "${v%%=*} must be a whole number, got '$val'";; esac
	[ "${#val}" -le 9 ] || die "${v%%=*} too large: $val"
done
[ "$N" -le 2000000 ] || die "BENCH_LIVE_PREFIXES must be <= 2000000"
[ "$N6" -le 1000000 ] || die "BENCH_LIVE_PREFIXES6 must be <= 1000000"
{ [ "$SECS" -ge 1 ] && [ "$SECS" -le 30 ]; } || die "BENCH_LIVE_SECONDS must be 1-30"
{ [ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 10 ]; } || die "BENCH_LIVE_ROUNDS must be 1-10"

TMP=$(mktemp -d /tmp/bwk-live.XXXXXX)
perf_pid=
cleanup() {
	[ -n "$perf_pid" ] && kill "$perf_pid" 2>/dev/null && wait "$perf_pid" 2>/dev/null
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

{ ip netns add $GEN && ip netns add $RCV; } || die "cannot create namespaces"
ip link add $GIF netns $GEN type veth peer name $RIF netns $RCV || die "cannot create the veth pair"
ip -n $GEN addr add 198.51.100.1/24 dev $GIF
ip -n $RCV addr add 198.51.100.2/24 dev $RIF
ip -n $GEN addr add 2001:db8:1::1/64 dev $GIF nodad || die "cannot add 2001:db8:1::1 (IPv6 off?)"
ip -n $RCV addr add 2001:db8:1::2/64 dev $RIF nodad || die "cannot add 2001:db8:1::2 (IPv6 off?)"
for ns in $GEN $RCV; do ip -n "$ns" link set lo up; done
ip -n $GEN link set $GIF up
ip -n $RCV link set $RIF up
# NAPI on the receiving veth even without an XDP program (the nft case):
# frames sent with ndo_xdp_xmit need it.
ip netns exec $RCV ethtool -K $RIF gro on >/dev/null || die "cannot enable GRO on $RIF"

echo "bench-live: generating $N IPv4 + $N6 IPv6 prefixes (+256 /32s and 256 /128s the sender uses)"
$TOOL gen "$N" "$N6" "$TMP/list.txt" "$TMP/set.nft" "$TMP/set6.nft" || die "gen failed"

t0=$(now)
inr "$TOOL" botwall $RIF "$TMP/list.txt" "$PIN" >"$TMP/bw.log" 2>&1 || { cat "$TMP/bw.log"; die "botwall load failed"; }
t_bw=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }')
cat "$TMP/bw.log"
ip -n $RCV link set $RIF xdpdrv off

ip netns exec $RCV nft add table netdev bwk || die "nft: cannot add a table"
t0=$(now)
timeout 900 ip netns exec $RCV nft -f "$TMP/set.nft" || die "nft could not load $N IPv4 prefixes within 900 s"
t1=$(now)
timeout 900 ip netns exec $RCV nft -f "$TMP/set6.nft" || die "nft could not load $N6 IPv6 prefixes within 900 s"
t2=$(now)
t_nft=$(awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }')
t_nft6=$(awk -v a="$t2" -v b="$t1" 'BEGIN { print a - b }')
printf "load time for %s IPv4 + %s IPv6 prefixes: botwall %.2f s (one list: parse + build + write + attach), nftables %.2f s + %.2f s (nft -f of set bl, then bl6, auto-merge)\n" \
	"$N" "$N6" "$t_bw" "$t_nft" "$t_nft6"

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
# The floor: an XDP program that reads the source address and drops the
# frame, no lookup.
floor_on()  { ip -n $RCV link set $RIF xdpdrv obj "$DROPOBJ" sec xdp; }
floor_off() { ip -n $RCV link set $RIF xdpdrv off; }
floor_drops() { # the veth driver's XDP drop count, all queues
	local v
	v=$(ip netns exec $RCV ethtool -S $RIF | awk '$1 ~ /^rx_queue_[0-9]+_xdp_drops:$/ { s += $2 } END { print s + 0 }')
	case "$v" in ''|*[!0-9]*) die "cannot read $RIF's xdp_drops";; esac
	echo "$v"
}
nft_on() {
	ip netns exec $RCV nft add chain netdev bwk ing "{ type filter hook ingress device \"$RIF\" priority 0; }" &&
	ip netns exec $RCV nft add rule netdev bwk ing ip saddr @bl counter drop &&
	ip netns exec $RCV nft add rule netdev bwk ing ip6 saddr @bl6 counter drop
}
nft_off() { ip netns exec $RCV nft delete chain netdev bwk ing; }
# WHO(bw|nft|floor): put that filter on the receiving veth, or take it off.
filter_on() {
	case $1 in
	bw) bw_on || die "cannot attach botwall";;
	nft) nft_on || die "nft chain";;
	floor) floor_on || die "cannot attach $DROPOBJ";;
	esac
}
filter_off() { case $1 in bw) bw_off;; nft) nft_off;; floor) floor_off;; esac; }
# FAMILY(4|6): the packet counter of that family's rule. Read from the
# kernel's rule dump: `nft list chain` would fetch the 1.2M set elements
# first, about 20 s a call.
nft_drops() {
	local set=bl v
	[ "$1" = 6 ] && set=bl6
	v=$(inr "$TOOL" nftcount bwk ing | awk -v s="$set" '$1 == s { print $2 }')
	case "$v" in ''|*[!0-9]*) die "cannot read the counter of the @$set rule";; esac
	echo "$v"
}
bw_drops() {
	local v
	v=$(inr "$TOOL" counters "$PIN" | cut -d' ' -f2)
	case "$v" in ''|*[!0-9]*) die "cannot read botwall's counters";; esac
	echo "$v"
}
rcv_rx() { ip netns exec $RCV cat /sys/class/net/$RIF/statistics/rx_packets; }
# shellcheck disable=SC2016  # awk's own $1, $2
snmp6() { ip netns exec $RCV awk -v k="$1" '$1 == k { print $2 }' /proc/net/snmp6; }

send() { # FIRST COUNT -> prints "sent N seconds"; bounded by timeout too
	if [ -n "$SENDCPU" ]; then
		ing timeout $((SECS + 30)) taskset -c "$SENDCPU" "$TOOL" send "$TXOBJ" $GIF "$1" "$2" "$SECS"
	else
		ing timeout $((SECS + 30)) "$TOOL" send "$TXOBJ" $GIF "$1" "$2" "$SECS"
	fi
}

# One window: prints "sent_pps dropped_pps passed_pps".
drops() { # WHO FAMILY
	case $1 in bw) bw_drops;; nft) nft_drops "$2";; floor) floor_drops;; esac
}
measure() { # WHO(bw|nft|floor) FAMILY(4|6) SRC COUNT
	local who=$1 fam=$2 d0 d1 r0 r1 out sent secs
	sleep 1   # let the previous window's frames drain first
	r0=$(rcv_rx)
	d0=$(drops "$who" "$fam")
	out=$(send "$3" "$4") || die "sender failed: $out"
	d1=$(drops "$who" "$fam")
	r1=$(rcv_rx)
	sent=$(echo "$out" | awk '{print $2}')
	secs=$(echo "$out" | awk '{print $3}')
	echo "$sent $((d1 - d0)) $((r1 - r0)) $secs" | awk '{printf "%.0f %.0f %.0f\n", $1/$4, $2/$4, $3/$4}'
}

declare -A sum cnt
record() { # KEY VALUE
	sum[$1]=$(( ${sum[$1]:-0} + $2 )); cnt[$1]=$(( ${cnt[$1]:-0} + 1 ))
}

# The receiver's stack checks every IPv6 UDP checksum it gets (the clean
# IPv6 windows): Udp6NoPorts counts good ones (no listener on port 9),
# Udp6InCsumErrors bad ones.
csum_ok0=$(snmp6 Udp6NoPorts) csum_bad0=$(snmp6 Udp6InCsumErrors)
case "$csum_ok0/$csum_bad0" in *[!0-9/]*|/*|*/) die "cannot read Udp6NoPorts / Udp6InCsumErrors in $RCV";; esac

printf "\n%-6s %-6s %-8s %-8s %14s %14s %16s\n" round family filter traffic "sent pps" "dropped pps" "veth rx pps"
for r in $(seq 1 "$ROUNDS"); do
	for fam in 4 6; do
		for traffic in listed clean; do
			case $fam$traffic in
			4listed) src=203.0.113.0 n=256;;
			4clean) src=198.51.100.128 n=128;;
			6listed) src=2001:db8:bad::100 n=256;;
			6clean) src=2001:db8:c1ea::100 n=128;;
			esac
			whos="bw nft"
			[ $traffic = listed ] && whos="bw nft floor"
			for who in $whos; do
				filter_on $who
				read -r s d p < <(measure $who $fam "$src" "$n")
				[ -n "${p:-}" ] || die "window $who IPv$fam $traffic failed"
				filter_off $who
				printf "%-6s %-6s %-8s %-8s %14s %14s %16s\n" "$r" "IPv$fam" \
					"$(case $who in bw) echo botwall;; nft) echo nftables;; *) echo floor;; esac)" \
					$traffic "$s" "$d" "$p"
				record "$who-$fam-$traffic-drop" "$d"
				record "$who-$fam-$traffic-rx" "$p"
				record "$who-$fam-$traffic-sent" "$s"
			done
		done
	done
done
csum_ok=$(( $(snmp6 Udp6NoPorts) - csum_ok0 )) csum_bad=$(( $(snmp6 Udp6InCsumErrors) - csum_bad0 ))

# Where the time goes on each CPU (sender on $SENDCPU, receiver's NAPI
# thread on the other) while the floor and botwall drop IPv4 listed traffic.
if [ "$PROFILE" = 1 ]; then
	for who in floor bw; do
		filter_on $who
		perf record -a -g -o "$TMP/perf.$who" -- sleep $((SECS + 1)) >/dev/null 2>&1 &
		perf_pid=$!
		read -r s d p < <(measure $who 4 203.0.113.0 256)
		wait $perf_pid || { perf_pid=; die "perf record failed"; }
		perf_pid=
		[ -n "${p:-}" ] || die "profile window $who failed"
		filter_off $who
		echo
		echo "profile, $who, IPv4 listed (under perf): sent $s, dropped $d packets/s; samples by CPU and symbol:"
		perf report -i "$TMP/perf.$who" --no-children --sort cpu,sym --stdio -g none \
			--percent-limit 2 2>/dev/null | grep '%' | head -16
	done
fi

avg() { echo $(( ${sum[$1]} / ${cnt[$1]} )); }
ratio() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { if (b > 0) printf f "x", a / b; else print "-" }'; }
echo
echo "Live bench: $N IPv4 + $N6 IPv6 generated prefixes + 256 listed sources each, ${SECS} s windows, $ROUNDS rounds, $ncpu CPUs"
printf "%-52s %14s %14s %8s\n" "case (mean of rounds)" botwall nftables ratio
for fam in 4 6; do
	bwd=$(avg bw-$fam-listed-drop) nfd=$(avg nft-$fam-listed-drop)
	bwc=$(avg bw-$fam-clean-rx) nfc=$(avg nft-$fam-clean-rx)
	printf "%-52s %14s %14s %8s\n" "IPv$fam listed sources: dropped packets/s" "$bwd" "$nfd" "$(ratio "$bwd" "$nfd" %.1f)"
	printf "%-52s %14s %14s %8s\n" "IPv$fam clean sources: packets/s into the stack" "$bwc" "$nfc" "$(ratio "$bwc" "$nfc" %.2f)"
	printf "%-52s %14s %14s\n" "IPv$fam sender, packets/s offered (listed)" "$(avg bw-$fam-listed-sent)" "$(avg nft-$fam-listed-sent)"
	fld=$(avg floor-$fam-listed-drop)
	printf "%-52s %14s %14s %8s\n" "IPv$fam XDP read source + drop, no lookup (floor)" "$fld" "$nfd" "$(ratio "$fld" "$nfd" %.1f)"
	printf "        botwall drops at %s of the floor's rate\n" \
		"$(awk -v a="$bwd" -v b="$fld" 'BEGIN { if (b > 0) printf "%.0f %%", 100 * a / b; else print "-" }')"
done
printf "load: botwall %.2f s (both families), nftables %.2f s (IPv4) + %.2f s (IPv6) (goal: botwall drop rate >= 5x nftables)\n" \
	"$t_bw" "$t_nft" "$t_nft6"
echo "IPv6 UDP checksums seen by the receiver's stack: $csum_ok good (Udp6NoPorts), $csum_bad bad (Udp6InCsumErrors)"
[ "$csum_bad" = 0 ] || die "the sender emitted IPv6 frames with a bad UDP checksum"
