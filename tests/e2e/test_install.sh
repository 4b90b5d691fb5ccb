#!/usr/bin/env bash
# make install / uninstall into a scratch DESTDIR: files, modes, a unit that
# systemd accepts, man pages that render cleanly, config never overwritten.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(mktemp -d /tmp/botwall-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
CHECK_PREFIX=install
# shellcheck source=check.sh
. "$ROOT/tests/e2e/check.sh"

make -s -C "$ROOT" install DESTDIR="$dest" >/dev/null 2>&1
result files "$( [ -x "$dest/usr/local/sbin/botwalld" ] && [ -x "$dest/usr/local/sbin/botwall" ] \
	&& [ -f "$dest/usr/local/share/man/man8/botwalld.8" ] \
	&& [ -f "$dest/usr/local/lib/systemd/system/botwalld.service" ] && echo 0 || echo 1)"
result config_private "$([ "$(stat -c %a "$dest/etc/botwall/botwall.conf")" = 600 ] \
	&& [ "$(stat -c %a "$dest/etc/botwall")" = 700 ] && echo 0 || echo 1)"
result unit_paths "$(grep -q "ExecStart=/usr/local/sbin/botwalld" "$dest/usr/local/lib/systemd/system/botwalld.service" \
	&& ! grep -q @SBINDIR@ "$dest/usr/local/lib/systemd/system/botwalld.service" && echo 0 || echo 1)"
if command -v systemd-analyze >/dev/null; then
	# Only "not installed at its final path" complaints are acceptable here.
	bad=$(systemd-analyze verify "$dest/usr/local/lib/systemd/system/botwalld.service" 2>&1 \
		| grep -v 'is not executable\|man botwall')
	result unit_verifies "$([ -z "$bad" ] && echo 0 || echo 1)" "$bad"
else
	echo "SKIP install_unit_verifies: systemd-analyze not installed"
fi
if command -v man >/dev/null; then
	warn=$(for m in botwalld botwall; do man --warnings -l "$dest/usr/local/share/man/man8/$m.8" 2>&1 >/dev/null; done)
	result man_pages_render "$([ -z "$warn" ] && echo 0 || echo 1)" "$warn"
else
	echo "SKIP install_man_pages_render: man is not installed"
fi
"$dest/usr/local/sbin/botwalld" --config "$dest/etc/botwall/botwall.conf" --check-config >/dev/null 2>&1
result example_config_valid "$?"
echo "# mine" >>"$dest/etc/botwall/botwall.conf"
make -s -C "$ROOT" install DESTDIR="$dest" >/dev/null 2>&1
result config_not_overwritten "$(grep -q '# mine' "$dest/etc/botwall/botwall.conf" && echo 0 || echo 1)"
make -s -C "$ROOT" uninstall DESTDIR="$dest" >/dev/null 2>&1
left=$(find "$dest" -type f ! -path "*/etc/botwall/*")
result uninstall "$([ -z "$left" ] && echo 0 || echo 1)" "left: $left"
exit $failed
