#!/usr/bin/env bash
# Re-run the botwall raw-request corpus capture.
#
#   sudo tests/corpus/capture.sh [OUTDIR]       (default OUTDIR: this dir)
#   ONLY="curl wget" tests/corpus/capture.sh    (subset of clients)
#   KEEP_WORK=1 ...                             (keep /tmp/bwcap.* for audit)
#
# Everything (the listener and every client) runs inside a private network
# namespace that has nothing but loopback, so no client can reach any other
# address.  The namespace is deleted on exit, even on failure.
#
# Contexts:
#   plain      http://www.shop.test/   (name -> 127.0.0.1 via the namespace's
#                                        /etc/hosts; Host header has no port)
#   localhost  http://localhost/        (potentially trustworthy origin)
#
# Needs root (ip netns, port 80).  Clients that are not installed are
# skipped with a message.  Debian packages used: chromium xvfb xauth
# firefox-esr wget curl python3-requests python3-scrapy golang-go; optional
# Playwright: PLAYWRIGHT_DIR=<dir with node_modules/playwright-core>
# (default /tmp/bwcap-pw), never installed by this script.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE}
mkdir -p "$OUT"
NS=bwcap-$$
WORK=$(mktemp -d /tmp/bwcap.XXXXXX)
PY=/usr/bin/python3
PLAIN_HOST=www.shop.test
PORT=80
PLAYWRIGHT_DIR=${PLAYWRIGHT_DIR:-/tmp/bwcap-pw}
BROWSER_WAIT=30     # max seconds to wait for a browser's first request
BROWSER_GRACE=3     # seconds a browser keeps running after it
TOOL_TIMEOUT=30     # max seconds for a command-line tool
export LANG=C.UTF-8 LC_ALL=C.UTF-8   # what this machine has; see README
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

LISTENER_PID=
CLIENT_PGID=

cleanup() {
    if [ -n "$CLIENT_PGID" ]; then kill -KILL -- "-$CLIENT_PGID" 2>/dev/null; fi
    if [ -n "$LISTENER_PID" ]; then kill -TERM "$LISTENER_PID" 2>/dev/null; fi
    ip netns del "$NS" 2>/dev/null
    rm -rf "/etc/netns/$NS"
    if [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; else echo "work dir kept: $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" != 0 ]; then echo "capture.sh: needs root" >&2; exit 1; fi

# --- namespace: loopback only ------------------------------------------------
ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up || exit 1
mkdir -p "/etc/netns/$NS"
# `ip netns exec` bind-mounts these over /etc/hosts and /etc/resolv.conf.
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\t%s\n' \
    "$PLAIN_HOST" > "/etc/netns/$NS/hosts"
# any other DNS lookup goes to loopback:53 where nothing listens -> fails fast
printf 'nameserver 127.0.0.1\n' > "/etc/netns/$NS/resolv.conf"
if [ "$(ip -n "$NS" -o link show | wc -l)" != 1 ]; then
    echo "capture.sh: namespace has more than loopback" >&2; exit 1
fi
nsx() { ip netns exec "$NS" "$@"; }

MANIFEST="$OUT/MANIFEST.tsv"
MANIFEST_TMP="$WORK/manifest.rows"
: > "$MANIFEST_TMP"

want() {  # want CLIENT -> true if selected by $ONLY (or no $ONLY)
    [ -z "${ONLY:-}" ] && return 0
    case " $ONLY " in *" $1 "*) return 0 ;; esac
    return 1
}

start_listener() {  # start_listener OUTFILE EXTRADIR
    rm -f "$1" "$WORK/ready"
    ip netns exec "$NS" "$PY" "$HERE/capture.py" --listen "127.0.0.1:$PORT" --listen "[::1]:$PORT" \
        --out "$1" --extra-dir "$2" --ready "$WORK/ready" --timeout 180 \
        > "$2.listener.log" 2>&1 &
    LISTENER_PID=$!
    for _ in $(seq 100); do [ -s "$WORK/ready" ] && return 0; sleep 0.1; done
    echo "capture.sh: listener did not start" >&2
    return 1
}

stop_listener() {
    [ -n "$LISTENER_PID" ] || return 0
    kill -TERM "$LISTENER_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$LISTENER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$LISTENER_PID" 2>/dev/null
    wait "$LISTENER_PID" 2>/dev/null
    LISTENER_PID=
}

# run_one CLIENT CONTEXT LABEL MODE VERSION NOTES -- command...
#   MODE tool: run to completion (bounded); MODE browser: run in its own
#   process group, stop it BROWSER_GRACE s after its first request arrives.
run_one() {
    local client=$1 ctx=$2 label=$3 mode=$4 version=$5 notes=$6
    shift 7
    local name="${client}__${ctx}"
    local out="$OUT/$name.http" extra="$WORK/extra/$name"
    mkdir -p "$WORK/extra"
    echo "== $name"
    start_listener "$out" "$extra" || return 1
    if [ "$mode" = tool ]; then
        setsid ip netns exec "$NS" timeout -k 3 "$TOOL_TIMEOUT" "$@" \
            > "$extra.client.log" 2>&1 &
        CLIENT_PGID=$!
        wait "$CLIENT_PGID"
        kill -KILL -- "-$CLIENT_PGID" 2>/dev/null   # leftovers, if any
        CLIENT_PGID=
    else
        setsid ip netns exec "$NS" timeout -k 5 $((BROWSER_WAIT + 20)) "$@" \
            > "$extra.client.log" 2>&1 &
        CLIENT_PGID=$!
        for _ in $(seq $((BROWSER_WAIT * 10))); do
            [ -s "$out" ] && break
            kill -0 "$CLIENT_PGID" 2>/dev/null || break
            sleep 0.1
        done
        [ -s "$out" ] && sleep "$BROWSER_GRACE"
        kill -TERM -- "-$CLIENT_PGID" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$CLIENT_PGID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$CLIENT_PGID" 2>/dev/null
        wait "$CLIENT_PGID" 2>/dev/null
        CLIENT_PGID=
    fi
    stop_listener
    if [ -s "$out" ]; then
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name.http" "$client" "$version" "$ctx" \
            "$label" "$notes" >> "$MANIFEST_TMP"
        echo "   captured $(wc -c < "$out") bytes; all requests seen:"
        cut -f1,4,6,7 "$extra/index.tsv" 2>/dev/null | sed 's/^/     /'
    else
        echo "   NO REQUEST CAPTURED (client log: $(tail -c 300 "$extra.client.log" | tr '\n' ' '))"
        rm -f "$out"
    fi
}

url_for() {
    case $1 in
        plain) echo "http://$PLAIN_HOST/" ;;
        localhost) echo "http://localhost/" ;;
    esac
}

CONTEXTS="plain localhost"

# --- Chromium ----------------------------------------------------------------
CHROMIUM_FLAGS_COMMON="--no-sandbox --disable-gpu --disable-quic --disable-background-networking --disable-component-update --disable-sync --no-first-run"
if command -v chromium > /dev/null; then
    CHR_VER=$(chromium --version 2>/dev/null | tail -n1)
    for ctx in $CONTEXTS; do
        url=$(url_for "$ctx")
        if want chromium-headful; then
            prof=$(mktemp -d "$WORK/chr.XXXXXX")
            run_one chromium-headful "$ctx" browser browser "$CHR_VER" \
                "/usr/bin/chromium under xvfb-run -a (1280x800x24); flags: $CHROMIUM_FLAGS_COMMON --host-resolver-rules; fresh --user-data-dir" -- \
                xvfb-run -a -s "-screen 0 1280x800x24" chromium $CHROMIUM_FLAGS_COMMON \
                --host-resolver-rules="MAP $PLAIN_HOST 127.0.0.1" --user-data-dir="$prof" "$url"
        fi
        if want chromium-headless-new; then
            prof=$(mktemp -d "$WORK/chr.XXXXXX")
            run_one chromium-headless-new "$ctx" headless browser "$CHR_VER" \
                "/usr/bin/chromium --headless=new; flags: $CHROMIUM_FLAGS_COMMON --host-resolver-rules; fresh --user-data-dir" -- \
                chromium --headless=new $CHROMIUM_FLAGS_COMMON \
                --host-resolver-rules="MAP $PLAIN_HOST 127.0.0.1" --user-data-dir="$prof" "$url"
        fi
        if want chromium-headless; then
            prof=$(mktemp -d "$WORK/chr.XXXXXX")
            run_one chromium-headless "$ctx" headless browser "$CHR_VER" \
                "/usr/bin/chromium --headless (bare flag); flags: $CHROMIUM_FLAGS_COMMON --host-resolver-rules; fresh --user-data-dir" -- \
                chromium --headless $CHROMIUM_FLAGS_COMMON \
                --host-resolver-rules="MAP $PLAIN_HOST 127.0.0.1" --user-data-dir="$prof" "$url"
        fi
        if want chromium-headless-old; then
            # Old headless is gone from the chrome binary since 132; this build
            # accepts --headless=old silently.  Capture it to a scratch dir and
            # keep it in the corpus only if it differs from --headless=new.
            prof=$(mktemp -d "$WORK/chr.XXXXXX")
            mkdir -p "$WORK/old"
            OUT_SAVE=$OUT; OUT=$WORK/old
            run_one chromium-headless-old "$ctx" headless browser "$CHR_VER" \
                "/usr/bin/chromium --headless=old; flags: $CHROMIUM_FLAGS_COMMON --host-resolver-rules; fresh --user-data-dir" -- \
                chromium --headless=old $CHROMIUM_FLAGS_COMMON \
                --host-resolver-rules="MAP $PLAIN_HOST 127.0.0.1" --user-data-dir="$prof" "$url"
            OUT=$OUT_SAVE
            old="$WORK/old/chromium-headless-old__$ctx.http"
            new="$OUT/chromium-headless-new__$ctx.http"
            if [ -s "$old" ] && [ -s "$new" ] && cmp -s "$old" "$new"; then
                echo "   --headless=old request is byte-identical to --headless=new:" \
                     "old headless is not in this build; not kept"
                grep -v -F "chromium-headless-old__$ctx.http" "$MANIFEST_TMP" > "$MANIFEST_TMP.x"
                mv "$MANIFEST_TMP.x" "$MANIFEST_TMP"
            elif [ -s "$old" ]; then
                cp "$old" "$OUT/"
            fi
        fi
    done
else
    echo "skip: chromium not installed"
fi

# --- Firefox ESR ---------------------------------------------------------------
write_ff_profile() {  # fresh profile with background services off
    local p
    p=$(mktemp -d "$WORK/ff.XXXXXX")
    cat > "$p/user.js" <<'EOF'
user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("app.update.service.enabled", false);
user_pref("app.normandy.enabled", false);
user_pref("app.shield.optoutstudies.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("browser.safebrowsing.downloads.remote.enabled", false);
user_pref("browser.safebrowsing.blockedURIs.enabled", false);
user_pref("browser.safebrowsing.provider.mozilla.updateURL", "");
user_pref("browser.safebrowsing.provider.google4.updateURL", "");
user_pref("browser.search.update", false);
user_pref("browser.newtabpage.enabled", false);
user_pref("browser.newtabpage.activity-stream.feeds.telemetry", false);
user_pref("browser.newtabpage.activity-stream.telemetry", false);
user_pref("browser.newtabpage.activity-stream.feeds.topsites", false);
user_pref("browser.newtabpage.activity-stream.feeds.section.topstories", false);
user_pref("browser.ping-centre.telemetry", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.unified", false);
user_pref("toolkit.telemetry.server", "");
user_pref("extensions.update.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("extensions.blocklist.enabled", false);
user_pref("extensions.systemAddon.update.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("services.settings.server", "");
user_pref("messaging-system.rsexperimentloader.enabled", false);
user_pref("geo.enabled", false);
user_pref("media.gmp-manager.url", "");
user_pref("media.gmp-gmpopenh264.enabled", false);
user_pref("browser.region.update.enabled", false);
user_pref("browser.region.network.url", "");
EOF
    echo "$p"
}
FF_NOTE="fresh -profile with user.js disabling updates/telemetry/safebrowsing/normandy/captive-portal/connectivity/remote-settings (prefs that affect request headers left at defaults)"
if command -v firefox-esr > /dev/null; then
    FF_VER=$(firefox-esr --version 2>/dev/null | tail -n1)
    for ctx in $CONTEXTS; do
        url=$(url_for "$ctx")
        if want firefox-headful; then
            prof=$(write_ff_profile)
            run_one firefox-headful "$ctx" browser browser "$FF_VER" \
                "/usr/bin/firefox-esr under xvfb-run -a (1280x800x24) -no-remote; $FF_NOTE" -- \
                xvfb-run -a -s "-screen 0 1280x800x24" firefox-esr -no-remote -profile "$prof" "$url"
        fi
        if want firefox-headless; then
            prof=$(write_ff_profile)
            run_one firefox-headless "$ctx" headless browser "$FF_VER" \
                "/usr/bin/firefox-esr --headless -no-remote; $FF_NOTE" -- \
                firefox-esr --headless -no-remote -profile "$prof" "$url"
        fi
    done
else
    echo "skip: firefox-esr not installed"
fi

# --- command-line tools and libraries --------------------------------------
if command -v curl > /dev/null; then
    CURL_VER=$(curl --version | head -n1)
    for ctx in $CONTEXTS; do
        want curl && run_one curl "$ctx" tool tool "$CURL_VER" "curl -sS -o /dev/null URL (defaults)" -- \
            curl -sS -o /dev/null "$(url_for "$ctx")"
    done
else echo "skip: curl not installed"; fi

if command -v wget > /dev/null; then
    WGET_VER=$(wget --version | head -n1)
    for ctx in $CONTEXTS; do
        want wget && run_one wget "$ctx" tool tool "$WGET_VER" "wget --no-config -q -O /dev/null URL (defaults, no wgetrc)" -- \
            wget --no-config -q -O /dev/null "$(url_for "$ctx")"
    done
else echo "skip: wget not installed"; fi

if "$PY" -c 'import requests' 2> /dev/null; then
    REQ_VER="python3-requests $("$PY" -c 'import requests;print(requests.__version__)') (urllib3 $("$PY" -c 'import urllib3;print(urllib3.__version__)'), $("$PY" --version))"
    for ctx in $CONTEXTS; do
        want python-requests && run_one python-requests "$ctx" tool tool "$REQ_VER" "$PY -c requests.get(URL) (defaults)" -- \
            "$PY" -c 'import sys,requests; requests.get(sys.argv[1], timeout=10)' "$(url_for "$ctx")"
    done
else echo "skip: python3-requests not installed"; fi

if [ -x "$PY" ]; then
    URLLIB_VER="$("$PY" --version) urllib.request"
    for ctx in $CONTEXTS; do
        want python-urllib && run_one python-urllib "$ctx" tool tool "$URLLIB_VER" "$PY -c urllib.request.urlopen(URL).read() (defaults)" -- \
            "$PY" -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10).read()' "$(url_for "$ctx")"
    done
else echo "skip: $PY not installed"; fi

if command -v scrapy > /dev/null; then
    SCRAPY_VER="$(cd "$WORK" && scrapy version 2>/dev/null | tail -n1)"
    for ctx in $CONTEXTS; do
        # run from an empty dir so no scrapy project settings apply
        want scrapy && run_one scrapy "$ctx" tool tool "$SCRAPY_VER" "scrapy fetch --nolog URL from an empty dir (default settings, no project)" -- \
            sh -c 'cd "$1" && scrapy fetch --nolog "$2" > /dev/null' sh "$WORK" "$(url_for "$ctx")"
    done
else echo "skip: scrapy not installed"; fi

if command -v go > /dev/null; then
    GO_VER=$(go version)
    mkdir -p "$WORK/goget"
    cat > "$WORK/goget/main.go" <<'EOF'
package main

import (
	"io"
	"net/http"
	"os"
)

func main() {
	resp, err := http.Get(os.Args[1])
	if err != nil {
		os.Exit(1)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
EOF
    if (cd "$WORK/goget" && GOPROXY=off GO111MODULE=off GOFLAGS= GOCACHE="$WORK/gocache" \
            timeout 300 go build -o goget main.go); then
        for ctx in $CONTEXTS; do
            want go-http && run_one go-http "$ctx" tool tool "$GO_VER" "net/http http.Get(URL) with DefaultClient (built offline, GOPROXY=off, no modules)" -- \
                "$WORK/goget/goget" "$(url_for "$ctx")"
        done
    else echo "skip: go build failed"; fi
else echo "skip: golang-go not installed"; fi

# --- Playwright (optional) -----------------------------------------------------
if command -v node > /dev/null && [ -d "$PLAYWRIGHT_DIR/node_modules/playwright-core" ] && command -v chromium > /dev/null; then
    PW_VER="playwright-core $(node -p "require('$PLAYWRIGHT_DIR/node_modules/playwright-core/package.json').version") + $(chromium --version 2>/dev/null | tail -n1)"
    cat > "$WORK/pw.js" <<EOF
const { chromium } = require('$PLAYWRIGHT_DIR/node_modules/playwright-core');
(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: process.argv[3] !== 'headful',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
           '--host-resolver-rules=MAP $PLAIN_HOST 127.0.0.1'],
  });
  const page = await browser.newPage();
  try { await page.goto(process.argv[2], { timeout: 15000 }); } catch (e) { console.error(e); }
  await new Promise(r => setTimeout(r, 1000));
  await browser.close();
})();
EOF
    for ctx in $CONTEXTS; do
        want playwright-headless && run_one playwright-headless "$ctx" headless tool "$PW_VER" \
            "node playwright-core chromium.launch({executablePath:'/usr/bin/chromium', headless:true}) + newPage().goto(URL)" -- \
            node "$WORK/pw.js" "$(url_for "$ctx")" headless
        want playwright-headful && run_one playwright-headful "$ctx" browser tool "$PW_VER" \
            "node playwright-core chromium.launch({executablePath:'/usr/bin/chromium', headless:false}) under xvfb-run + newPage().goto(URL); automation-driven headful browser: label is what the bytes can show (browser), not intent" -- \
            xvfb-run -a -s "-screen 0 1280x800x24" node "$WORK/pw.js" "$(url_for "$ctx")" headful
    done
else
    echo "skip: playwright-core not found in $PLAYWRIGHT_DIR (optional: cd $PLAYWRIGHT_DIR && npm install playwright-core)"
fi

# --- manifest ------------------------------------------------------------------
{
    printf 'file\tclient\tclient_version\tcontext\tlabel\tnotes\n'
    if [ -z "${ONLY:-}" ] || [ ! -f "$MANIFEST" ]; then
        sort "$MANIFEST_TMP"
    else  # partial re-run: replace only the rows of the re-captured files
        awk -F'\t' 'NR == FNR { fresh[$1] = 1; next } FNR > 1 && !($1 in fresh)' \
            "$MANIFEST_TMP" "$MANIFEST"
        cat "$MANIFEST_TMP"
    fi | sort -u
} > "$WORK/manifest.new"
mv "$WORK/manifest.new" "$MANIFEST"
echo "wrote $MANIFEST ($(($(wc -l < "$MANIFEST") - 1)) rows)"

# --- sanity: every capture is one header block ending in CRLFCRLF -------------
bad=0
for f in "$OUT"/*__*.http; do
    [ -e "$f" ] || continue
    if [ "$(tail -c 4 "$f" | od -An -tx1 | tr -d ' \n')" != 0d0a0d0a ]; then
        echo "BAD: $f does not end in CRLFCRLF" >&2; bad=1
    fi
done
exit $bad
