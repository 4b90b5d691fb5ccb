#!/usr/bin/env bash
# Installs the Debian 12 packages botwall needs to build, test and demo.
# Idempotent: apt-get runs only when something is missing.
set -euo pipefail

pkgs=(
	make gcc clang llvm pkg-config                   # build
	libbpf-dev libxdp-dev libelf-dev zlib1g-dev libcjson-dev
	bpftool xdp-tools                               # skeletons, inspection
	iproute2 util-linux procps                      # ip netns, nsenter, pgrep
	nftables ethtool                                # make bench-live: the comparison, GRO on the veth
	nginx-light curl python3                        # the lab
	valgrind                                        # the sanitize suite
	libpcre2-dev libyaml-dev uap-core p0f           # scoring engine datasets
	libsqlite3-dev libmicrohttpd-dev libmaxminddb-dev # store, API, country
	libcurl4-openssl-dev                            # lists from URLs
)

# npm fetches crawler-user-agents at build time; nodesource's nodejs ships
# npm itself, so the Debian package is wanted only when there is no npm.
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} = 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
# The lab runs its own nginx in a namespace; do not let the package start a
# system-wide one. Only if no policy is in place already.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
fi
trap '[ $own_policy = 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
