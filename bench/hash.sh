#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/hash: `swarmshare create` on one large file against `sha1sum` on the same file, in the same
# run, alternating, with the file in the page cache for both. Prints the median throughput of
# each, the ratio, and swarmshare's peak memory (max RSS).
#
#   bench/hash.sh [SIZE_MIB=1024] [RUNS=5]
# Environment: SWARMSHARE (binary, default build/bin/swarmshare), BENCH_DIR (scratch folder).
set -euo pipefail

size_mib=${1:-1024}
runs=${2:-5}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
swarmshare=${SWARMSHARE:-$here/build/bin/swarmshare}
bench_name="hash"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need sha1sum coreutils
need /usr/bin/time time
need bc bc
[ -x "$swarmshare" ] || die "$swarmshare is missing: build it first (./setup.sh)"

bench_workdir
data=$work/data.bin
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$data"
cat "$data" >/dev/null # into the page cache: both tools then measure hashing, not the disk

now() { date +%s.%N; }

sha_times=() ss_times=() ss_rss=()
for ((i = 1; i <= runs; i++)); do
    start=$(now)
    sha1sum "$data" >/dev/null
    sha_times+=("$(echo "$(now) - $start" | bc -l)")

    start=$(now)
    /usr/bin/time -f '%M' -o "$work/rss" \
        "$swarmshare" create "$data" -o "$work/data.torrent" --force >/dev/null
    ss_times+=("$(echo "$(now) - $start" | bc -l)")
    ss_rss+=("$(cat "$work/rss")")
done

sha_s=$(printf '%s\n' "${sha_times[@]}" | median)
ss_s=$(printf '%s\n' "${ss_times[@]}" | median)
rss_kib=$(printf '%s\n' "${ss_rss[@]}" | sort -g | tail -n 1)
bytes=$((size_mib * 1024 * 1024))
printf 'bench/hash: %d MiB file, %d runs each, medians, %d cores\n' "$size_mib" "$runs" "$(nproc)"
printf '  %-22s %8.3f s  %7.2f GB/s\n' "sha1sum" "$sha_s" "$(echo "$bytes / $sha_s / 1000000000" | bc -l)"
printf '  %-22s %8.3f s  %7.2f GB/s  peak RSS %.1f MiB\n' "swarmshare create" "$ss_s" \
    "$(echo "$bytes / $ss_s / 1000000000" | bc -l)" "$(echo "$rss_kib / 1024" | bc -l)"
printf '  ratio (swarmshare / sha1sum): %.2fx   goal >= 3x, peak RSS < 64 MiB\n' \
    "$(echo "$sha_s / $ss_s" | bc -l)"
