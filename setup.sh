#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Swarmshare set-up: installs the Debian packages that are missing, configures and builds
# (incrementally), then optionally starts the app or runs the whole test suite.
#
#   ./setup.sh                 install what is missing and build
#   ./setup.sh run [ARGS...]   ... then start swarmshare with ARGS
#   ./setup.sh test [CTEST...] ... plus the test tools, then run every test through CTest
#   ./setup.sh package         ... then build the Debian package: $BUILD_DIR/swarmshare_*.deb
#
# Environment: BUILD_DIR (default ./build), BUILD_TYPE (default RelWithDebInfo), JOBS.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=${BUILD_DIR:-$here/build}
build_type=${BUILD_TYPE:-RelWithDebInfo}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
mode=${1:-build}
[ $# -gt 0 ] && shift

# The one list of Debian packages, by purpose.
build_packages=(
    build-essential cmake ninja-build file pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-websockets-dev
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n
    libqt6sql6-sqlite libqt6sql6-psql qt6-qpa-plugins libssl-dev libhttp-parser-dev
)
test_packages=(
    clang clang-format libclang-rt-14-dev
    python3 python3-libtorrent mktorrent aria2 opentracker wrk
    postgresql xvfb xauth bc time heaptrack
    lintian desktop-file-utils appstream systemd
)

log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

missing_packages() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
            printf '%s\n' "$p"
    done
}

install_packages() {
    if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null; then
        log "This is not a Debian-based system: install the equivalents of these packages"
        log "yourself, then run this script again: $*"
        return 0
    fi
    local missing
    mapfile -t missing < <(missing_packages "$@")
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "need root or sudo to install: ${missing[*]}"
        sudo=(sudo)
    fi
    log "installing ${#missing[@]} Debian packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
    command -v cmake >/dev/null || die "cmake is missing"
    if [ ! -f "$build_dir/CMakeCache.txt" ]; then
        local generator=()
        command -v ninja >/dev/null && generator=(-G Ninja)
        log "configuring $build_dir ($build_type)"
        cmake -S "$here" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="$build_type" \
            -DSWARMSHARE_WERROR=ON -DBUILD_TESTING=ON
    fi
    log "building with $jobs jobs"
    cmake --build "$build_dir" --parallel "$jobs"
}

case "$mode" in
build)
    install_packages "${build_packages[@]}"
    build
    ;;
run)
    install_packages "${build_packages[@]}"
    build
    exec "$build_dir/bin/swarmshare" "$@"
    ;;
test)
    install_packages "${build_packages[@]}" "${test_packages[@]}"
    build
    exec ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" "$@"
    ;;
package)
    install_packages "${build_packages[@]}" dpkg-dev
    build
    log "building the Debian package"
    (cd "$build_dir" && cpack --config CPackConfig.cmake -G DEB -B "$build_dir")
    log "done: sudo apt install $(ls -t "$build_dir"/swarmshare_*.deb | head -n 1)"
    ;;
*)
    die "unknown mode '$mode' (use: build, run, test, package)"
    ;;
esac
