#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/gui: is the desktop app responsive while it downloads at full speed? The real main window
# (offscreen) with its engine downloads a file over 127.0.0.1 from a `swarmshare seed` process;
# a 10 ms timer on the GUI thread measures the event loop's lateness. Prints MB/s and the
# lateness p50/p99/max of each run, then the medians. Goal: p99 < 50 ms.
#
#   bench/gui.sh [SIZE_MIB=1024] [RUNS=3]
# Environment: SWARMSHARE, SWARMSHARE_BENCH_GUI (the probe, default build/bin/swarmshare-bench-gui),
# BENCH_DIR.
set -euo pipefail

size_mib=${1:-1024}
runs=${2:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
swarmshare=${SWARMSHARE:-$here/build/bin/swarmshare}
probe=${SWARMSHARE_BENCH_GUI:-$here/build/bin/swarmshare-bench-gui}
bench_name="gui"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x "$swarmshare" ] || die "$swarmshare is missing: build it first (./setup.sh)"
[ -x "$probe" ] || die "$probe is missing: build it first (./setup.sh)"

bench_workdir
mkdir -p "$work/data"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/data/payload.bin"
HOME=$work/home "$swarmshare" create "$work/data/payload.bin" -o "$work/payload.torrent" >/dev/null
HOME=$work/seed "$swarmshare" seed "$work/payload.torrent" --data "$work/data" --port 0 \
    2>"$work/seed.err" &
pids+=("$!")
for _ in $(seq 100); do grep -q "is now seeding" "$work/seed.err" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o 'listening for peers on port [0-9]*' "$work/seed.err" | head -1 | grep -o '[0-9]*$')
[ -n "$port" ] || die "the seeder did not start"

echo "bench/gui: $("$swarmshare" --version), ${size_mib} MiB over 127.0.0.1, 2 cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
p99s=() rates=()
for ((r = 1; r <= runs; r++)); do
    rm -rf "$work/out" "$work/gui"
        line=$(HOME=$work/gui QT_QPA_PLATFORM=offscreen "$probe" "$work/payload.torrent" "$work/out" \
        "127.0.0.1:$port" 2>"$work/probe.err" | grep RESULT) || die "the probe failed: $(tail -3 "$work/probe.err")"
    echo "  run $r: ${line#RESULT }"
    p99s+=("$(grep -o 'p99_ms=[0-9.]*' <<<"$line" | cut -d= -f2)")
    rates+=("$(grep -o 'mbps=[0-9.]*' <<<"$line" | cut -d= -f2)")
done
echo "  median: $(printf '%s\n' "${rates[@]}" | median) MB/s, GUI timer lateness p99 $(printf '%s\n' "${p99s[@]}" | median) ms (goal < 50 ms)"
