#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The packaging test: builds the .deb from the build tree, inspects it, validates what it
# installs, runs lintian on it, and runs the packaged binary.
#   test_package.sh CPACK_CONFIG PROJECT_VERSION WORK_DIR BUILT_BINARY gui|headless
# A missing tool fails the test with the Debian package to install (./setup.sh test installs them).
set -euo pipefail

cpack_config=$1
version=$2
work=$3
built_binary=$4
flavour=$5

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
step() { printf '== %s (%ds)\n' "$*" "$SECONDS"; }

need() { # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null ||
        fail "$1 is missing: install the Debian package '$2' (./setup.sh test installs it)"
}
need cpack cmake
need dpkg-deb dpkg
need dpkg-shlibdeps dpkg-dev
need file file
need lintian lintian
need desktop-file-validate desktop-file-utils
need appstreamcli appstream
need systemd-analyze systemd
need python3 python3
[ -f "$cpack_config" ] || fail "$cpack_config does not exist: configure the build tree first"
# cpack packages what is built (with Ninja it builds nothing): the swarmshare target must be.
[ -x "$built_binary" ] || fail "$built_binary is missing: build the swarmshare target first"

rm -rf "$work"
mkdir -p "$work/home/config" "$work/home/data" "$work/home/cache"
export HOME=$work/home XDG_CONFIG_HOME=$work/home/config XDG_DATA_HOME=$work/home/data
export XDG_CACHE_HOME=$work/home/cache
tracker_pid=
cleanup() {
    if [ -n "$tracker_pid" ] && kill -0 "$tracker_pid" 2>/dev/null; then
        kill -KILL "$tracker_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

step "cpack -G DEB"
cpack --config "$cpack_config" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log" >&2; fail "cpack failed"; }
debs=("$work"/out/swarmshare_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one swarmshare_*.deb in $work/out"
deb=${debs[0]}
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

step "control data"
dpkg-deb --info "$deb"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = swarmshare ] || fail "Package is '$(field Package)', not swarmshare"
deb_version=$(field Version)
# Debian revision after the project's version: the upstream part must be the project version.
[ "${deb_version%-*}" = "$version" ] ||
    fail "Version is '$deb_version'; its upstream part is not the project version $version"
[ "$(basename "$deb")" = "swarmshare_${deb_version}_$(dpkg --print-architecture).deb" ] ||
    fail "unexpected file name $(basename "$deb")"
depends=$(field Depends)
wanted=(libqt6core6 libqt6network6 libqt6sql6 libqt6websockets6 libc6 libssl3 libhttp-parser2.9
    qt6-qpa-plugins libqt6sql6-sqlite)
[ "$flavour" = gui ] && wanted+=(libqt6widgets6 libqt6gui6)
for dep in "${wanted[@]}"; do
    [[ ", $depends," == *", $dep "* || ", $depends," == *", $dep,"* ]] ||
        fail "Depends lacks $dep: $depends"
done
control_files=$(dpkg-deb --ctrl-tarfile "$deb" | tar -tf -)
grep -qx './conffiles' <<<"$control_files" || fail "the package has no conffiles"
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)
[ "$conffiles" = /etc/swarmshare/tracker.json ] || fail "conffiles is '$conffiles'"

step "file list"
dpkg-deb --contents "$deb" | awk '{print $1, $2, $6}' >"$work/contents.txt"
cat "$work/contents.txt"
paths=$(awk '{print $3}' "$work/contents.txt")
id=io.github.swarmshare.Swarmshare
expected=(
    ./usr/bin/swarmshare
    ./usr/share/man/man1/swarmshare.1.gz
    ./lib/systemd/system/swarmshare-tracker.service
    ./etc/swarmshare/tracker.json
    ./usr/share/doc/swarmshare/copyright
    ./usr/share/doc/swarmshare/changelog.Debian.gz
    ./usr/share/lintian/overrides/swarmshare
)
desktop_files=(
    ./usr/share/applications/$id.desktop
    ./usr/share/metainfo/$id.metainfo.xml
    ./usr/share/icons/hicolor/scalable/apps/$id.svg
)
for size in 16 22 24 32 48 64 128 256; do
    desktop_files+=("./usr/share/icons/hicolor/${size}x${size}/apps/$id.png")
done
if [ "$flavour" = gui ]; then
    expected+=("${desktop_files[@]}")
else
    # A headless build has no window: no menu entry, icons or AppStream component.
    for path in "${desktop_files[@]}"; do
        if grep -qxF "$path" <<<"$paths"; then
            fail "a headless build, yet the package has $path"
        fi
    done
fi
for path in "${expected[@]}"; do
    grep -qxF "$path" <<<"$paths" || fail "the package lacks $path"
done
grep -q '^-rwxr-xr-x root/root \./usr/bin/swarmshare$' "$work/contents.txt" ||
    fail "/usr/bin/swarmshare is not an executable owned by root"
if [ -n "$(awk '$2 != "root/root"' "$work/contents.txt")" ]; then
    fail "files not owned by root/root"
fi

step "dpkg -x"
root=$work/root
dpkg -x "$deb" "$root"
bin=$root/usr/bin/swarmshare
if file "$bin" | grep -q 'not stripped'; then fail "/usr/bin/swarmshare is not stripped"; fi
# The packaged binary is the one the build made (stripped), not a stale or rebuilt one.
build_id() { file -L "$1" | grep -o 'BuildID\[sha1\]=[0-9a-f]*'; }
[ -n "$(build_id "$built_binary")" ] && [ "$(build_id "$bin")" = "$(build_id "$built_binary")" ] ||
    fail "/usr/bin/swarmshare is not $built_binary (build ids differ)"

if [ "$flavour" = gui ]; then
    step "desktop-file-validate"
    desktop=$root/usr/share/applications/$id.desktop
    desktop-file-validate "$desktop" || fail "desktop-file-validate rejects $desktop"
    grep -qx 'Exec=swarmshare %F' "$desktop" || fail "desktop entry: Exec is not 'swarmshare %F'"
    grep -qx 'MimeType=application/x-bittorrent;' "$desktop" ||
        fail "desktop entry: no MimeType=application/x-bittorrent;"
    grep -q '^Name\[vi\]=' "$desktop" || fail "desktop entry: no Vietnamese name"
    grep -qx "Icon=$id" "$desktop" || fail "desktop entry: Icon is not $id"

    step "appstreamcli validate --no-net"
    metainfo=$root/usr/share/metainfo/$id.metainfo.xml
    appstreamcli validate --no-net "$metainfo" || fail "appstreamcli rejects $metainfo"
    grep -q "<release version=\"$version\"" "$metainfo" || fail "metainfo: no release $version"
    grep -q 'docs/screenshots/mainwindow-en.png</image>' "$metainfo" ||
        fail "metainfo: no screenshot"

    step "icons"
    for size in 16 22 24 32 48 64 128 256; do
        file "$root/usr/share/icons/hicolor/${size}x${size}/apps/$id.png" |
            grep -q "PNG image data, $size x $size," ||
            fail "the ${size}x${size} icon is not a PNG of that size"
    done
fi

step "man page"
zcat "$root/usr/share/man/man1/swarmshare.1.gz" >"$work/swarmshare.1"
grep -q "^\.TH SWARMSHARE 1 \"[0-9-]*\" \"Swarmshare $version\"" "$work/swarmshare.1" ||
    fail "man page: .TH does not carry version $version"
for word in '.SS "create' '.SS "info' '.SS "verify' '.SS "seed' '.SS "get' '.SS "config' \
    '.B main' '.B backup' '.B proxy' '.B all' '\-\-secret\-file' '\-\-listen' '\-\-db'; do
    grep -qF -- "$word" "$work/swarmshare.1" || fail "man page does not mention $word"
done

step "systemd unit"
unit=$root/lib/systemd/system/swarmshare-tracker.service
mkdir -p "$work/unit"
# Point the unit at the extracted binary so that systemd-analyze finds it.
sed "s#/usr/bin/swarmshare#$bin#" "$unit" >"$work/unit/swarmshare-tracker.service"
(cd "$work/unit" && systemd-analyze verify --man=no ./swarmshare-tracker.service) ||
    fail "systemd-analyze verify rejects the unit"
for key in 'DynamicUser=yes' 'StateDirectory=swarmshare' 'NoNewPrivileges=yes' \
    'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'SystemCallFilter=@system-service' \
    'MemoryDenyWriteExecute=yes' 'LockPersonality=yes' 'CapabilityBoundingSet=' \
    'ExecStart=/usr/bin/swarmshare --tracker --config /etc/swarmshare/tracker.json'; do
    grep -qxF "$key" "$unit" || fail "the unit lacks $key"
done
"$bin" config --config "$root/etc/swarmshare/tracker.json" >/dev/null ||
    fail "the packaged /etc/swarmshare/tracker.json is not a valid configuration"

step "lintian"
set +e
lintian --fail-on error --display-info --pedantic --show-overrides "$deb" >"$work/lintian.log" 2>&1
lintian_status=$?
set -e
cat "$work/lintian.log"
[ $lintian_status -eq 0 ] || fail "lintian reports errors (exit status $lintian_status)"
if grep -q '^E: ' "$work/lintian.log"; then fail "lintian reports errors"; fi
# Built with Debian's hardening flags (cmake/Warnings.cmake): no hardening-* tag, not even info.
if grep -q 'hardening-' "$work/lintian.log"; then fail "lintian finds the binary unhardened"; fi

step "the packaged binary: --version"
out=$("$bin" --version)
[ "$out" = "swarmshare $version" ] || fail "--version printed '$out', not 'swarmshare $version'"

step "the packaged binary: --tracker"
"$bin" --tracker --listen 127.0.0.1:0 --db "sqlite:$work/x.db" \
    >"$work/tracker.out" 2>"$work/tracker.err" &
tracker_pid=$!
port=
for _ in $(seq 1 300); do
    line=$(grep -m1 '^swarmshare tracker main listening on ' "$work/tracker.out" || true)
    if [ -n "$line" ]; then
        port=${line##*:}
        break
    fi
    if ! kill -0 "$tracker_pid" 2>/dev/null; then
        cat "$work/tracker.err" >&2
        fail "the tracker exited"
    fi
    sleep 0.1
done
[ -n "$port" ] || { cat "$work/tracker.err" >&2; fail "the tracker did not say where it listens"; }
echo "tracker listening on port $port"
python3 - "$port" <<'PY' || { cat "$work/tracker.err" >&2; fail "GET /health failed"; }
import json, sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=10) as r:
    ctype = r.headers.get("Content-Type", "")
    body = json.load(r)
print("GET /health:", r.status, ctype, body)
assert r.status == 200 and "application/json" in ctype, "not a JSON answer"
assert body.get("role") == "main", f"role is {body.get('role')!r}"
PY
kill -TERM "$tracker_pid"
set +e
wait "$tracker_pid"
status=$?
set -e
tracker_pid=
if [ $status -ne 0 ]; then
    cat "$work/tracker.err" >&2
    fail "the tracker exited with status $status on SIGTERM"
fi
[ -f "$work/x.db" ] || fail "the tracker did not create its SQLite database"

step "passed"
