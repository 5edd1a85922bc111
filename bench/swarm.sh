#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/swarm: one large file downloaded over 127.0.0.1 from 1 seeder and from 4 seeders
# (`swarmshare seed`, each on its own port, all reading the same data folder), with
# `swarmshare get` as leecher and, in the same run from the same running seeders, Debian's
# python3-libtorrent (bench/swarm_lt.py), alternating: Swarmshare, libtorrent, Swarmshare, ...
# Every leecher run starts from an empty output folder and an empty HOME (no resume data); the
# downloaded file is deleted after the run. Prints, per scenario and client, the medians of MB/s
# (size / the seconds each client reports from its start to completion), of the process' wall
# time and of its CPU seconds (user + sys) per GiB, the max RSS over the timed runs, and the peak
# heap from a separate run under heaptrack (heaptrack slows the process down; glibc's memusage
# corrupts python3-libtorrent's heap); then the ratios swarmshare / libtorrent.
#
#   bench/swarm.sh [SIZE_MIB=1024] [RUNS=3]
# Environment: SWARMSHARE (binary, default build/bin/swarmshare; copied into the scratch folder for
# the run, so a rebuild meanwhile does not matter), BENCH_DIR (scratch folder), PYTHON (with the
# libtorrent module, default /usr/bin/python3), TIMEOUT (seconds per download, 600), HEAP=0 (no
# heaptrack runs), KEEP=1 (keep the scratch folder: seeder and leecher logs, JSON, heaptrack data).
# Exit status: 0 when every run worked (goals missed are printed, not fatal), 1 otherwise.
set -euo pipefail

size_mib=${1:-1024}
runs=${2:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
swarmshare_src=${SWARMSHARE:-$here/build/bin/swarmshare}
python=${PYTHON:-/usr/bin/python3}
lt_script=$here/bench/swarm_lt.py
limit=${TIMEOUT:-600}
heap_runs=${HEAP:-1}
seeder_count=4

bench_name="swarm"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need /usr/bin/time time
need timeout coreutils
need cmp diffutils
need awk mawk
need "$python" python3
if [ "$heap_runs" = 1 ]; then
    need heaptrack heaptrack
    need heaptrack_print heaptrack
fi
[ -x "$swarmshare_src" ] || die "$swarmshare_src is missing: build it first (./setup.sh)"
[ -f "$lt_script" ] || die "$lt_script is missing"
"$python" -c 'import libtorrent' 2>/dev/null ||
    die "$python cannot import libtorrent: install the Debian package 'python3-libtorrent' (and use /usr/bin/python3)"
[[ $size_mib =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ && $limit =~ ^[1-9][0-9]*$ ]] ||
    die "usage: bench/swarm.sh [SIZE_MIB] [RUNS]"

bench_workdir

swarmshare=$work/swarmshare
cp "$swarmshare_src" "$swarmshare"

maximum() { sort -g | tail -n 1; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
# json FILE KEY: a field of the last JSON object line in FILE (true/false as True/False).
json() {
    "$python" -c 'import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
print(json.loads(lines[-1]).get(sys.argv[2], "") if lines else "")' "$1" "$2"
}

# Runs a command in the background (so that the traps run at once on a signal, and the command
# is killed by PID on exit) and waits for it; returns its status.
run_bg() { # run_bg OUT ERR COMMAND...
    local out=$1 err=$2 pid status=0
    shift 2
    "$@" >"$out" 2>"$err" &
    pid=$!
    pids+=("$pid")
    wait "$pid" || status=$?
    return "$status"
}

# Swarmshare's environment: nothing may touch the user's real files, and every process gets its
# own HOME, so that a leecher never finds resume data from an earlier run.
ss_env() { # ss_env HOME_DIR: prints nothing, sets the array `env_cmd`
    mkdir -p "$1/.config" "$1/.local/share"
    env_cmd=(env HOME="$1" XDG_CONFIG_HOME="$1/.config" XDG_DATA_HOME="$1/.local/share")
}

# The data: random bytes, hashed by `swarmshare create` right after writing, so in the page cache.
bytes=$((size_mib * 1024 * 1024))
mkdir -p "$work/data" "$work/logs"
head -c "$bytes" /dev/urandom >"$work/data/data.bin"
# Written back now rather than by the kernel 30 s later, in the middle of some client's runs.
sync "$work/data/data.bin"
cat "$work/data/data.bin" >/dev/null
"$swarmshare" create "$work/data/data.bin" -o "$work/data.torrent" --force >/dev/null ||
    die "swarmshare create failed"
torrent=$work/data.torrent
piece=$("$swarmshare" info "$torrent" | sed -n 's/^Piece length: *\(.*\)$/\1/p')

# The seeders: all started up front; an idle one costs nothing. Waits for each to listen and to
# finish checking its data ("is now seeding" in its log) before starting the next.
seed_ports=() seed_pids=()
for ((i = 1; i <= seeder_count; i++)); do
    dir=$work/seeder$i
    ss_env "$dir/home"
    # Created before the seeder starts: the loop below may read its stderr before the shell
    # that starts it in the background has opened the file.
    : >"$dir/stdout"
    : >"$dir/stderr"
    "${env_cmd[@]}" "$swarmshare" seed "$torrent" --data "$work/data" --port 0 \
        >"$dir/stdout" 2>"$dir/stderr" &
    pid=$!
    pids+=("$pid") seed_pids+=("$pid")
    port=
    for ((t = 0; t < 1200; t++)); do
        port=$(sed -n 's/^swarmshare seed: listening for peers on port \([0-9][0-9]*\)$/\1/p' "$dir/stderr")
        [ -n "$port" ] && grep -q 'is now seeding' "$dir/stderr" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ] || ! grep -q 'is now seeding' "$dir/stderr"; then
        tail -n 20 "$dir/stderr" >&2
        die "seeder $i (PID $pid) did not start seeding"
    fi
    seed_ports+=("$port")
done

check_seeders() {
    local i
    for ((i = 0; i < seeder_count; i++)); do
        kill -0 "${seed_pids[$i]}" 2>/dev/null && continue
        tail -n 20 "$work/seeder$((i + 1))/stderr" >&2
        die "seeder $((i + 1)) (PID ${seed_pids[$i]}) is gone"
    done
}

# CPU ticks (user + system) of all seeders so far, from /proc/PID/stat (fields 14 and 15).
clk_tck=$(getconf CLK_TCK)
seeder_ticks() {
    local pid total=0 fields
    for pid in "${seed_pids[@]}"; do
        fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
        total=$((total + $(awk '{ print $12 + $13 }' <<<"$fields")))
    done
    echo "$total"
}

# One leecher run. Sets r_seconds, r_wall, r_cpu, r_rss_kib, r_peers, r_heap (bytes, or ""),
# r_seed_cpu (CPU seconds of all the seeders during the run), and
# for libtorrent r_first (seconds from add_torrent to its first connection).
# leech CLIENT SEEDERS TAG [heap]
leech() {
    local client=$1 n=$2 tag=$3 mode=${4:-time} dir=$work/leech i status=0
    local log=$work/logs/$client-$tag out err tm profile=()
    out=$log.json err=$log.stderr tm=$log.time
    rm -rf "$dir"
    mkdir -p "$dir/out"
    check_seeders
    local ticks_before
    ticks_before=$(seeder_ticks)
    if [ "$mode" = heap ]; then
        profile=(heaptrack -o "$log.heaptrack")
    fi
    if [ "$client" = swarmshare ]; then
        local peer_args=()
        for ((i = 0; i < n; i++)); do
            peer_args+=(--peer "127.0.0.1:${seed_ports[$i]}")
        done
        ss_env "$dir/home"
        run_bg "$out" "$err" /usr/bin/time -f '%e %U %S %M' -o "$tm" "${env_cmd[@]}" \
            timeout "$limit" "${profile[@]}" "$swarmshare" get "$torrent" -o "$dir/out" \
            --port 0 "${peer_args[@]}" --json || status=$?
    else
        run_bg "$out" "$err" /usr/bin/time -f '%e %U %S %M' -o "$tm" env HOME="$dir" \
            timeout "$limit" "${profile[@]}" "$python" "$lt_script" "$torrent" "$dir/out" \
            "${seed_ports[@]:0:n}" --timeout "$limit" || status=$?
    fi
    if [ "$status" -ne 0 ]; then
        tail -n 20 "$err" >&2
        die "$client ($n seeders, $tag) failed with status $status"
    fi
    r_seed_cpu=$(calc "($(seeder_ticks) - $ticks_before) / $clk_tck" 3)
    r_seconds=$(json "$out" seconds)
    local got
    if [ "$client" = swarmshare ]; then
        got=$(json "$out" bytesDownloaded)
        r_peers=$(json "$out" peersUsed)
        if [ "$(json "$out" complete)" != True ] || [ "$(json "$out" badPieces)" != 0 ]; then
            cat "$out" >&2
            die "swarmshare ($n seeders, $tag): not complete, or bad pieces"
        fi
    else
        got=$(json "$out" bytes)
        r_first=$(json "$out" first_connect_seconds)
        r_peers=$(json "$out" peersUsed)
        [ "$(json "$out" complete)" = True ] || { cat "$out" >&2; die "libtorrent ($n seeders, $tag): not complete"; }
    fi
    if [ -z "$r_seconds" ] || [ -z "$got" ]; then
        cat "$out" "$err" >&2
        die "$client ($n seeders, $tag): no JSON summary"
    fi
    cmp -s "$dir/out/data.bin" "$work/data/data.bin" || die "$client ($n seeders, $tag): the downloaded file differs"
    read -r r_wall user sys r_rss_kib < <(tail -n 1 "$tm")
    r_cpu=$(calc "$user + $sys" 3)
    r_heap=
    if [ "$mode" = heap ]; then
        local peak
        peak=$(heaptrack_print -f "$log".heaptrack.* 2>/dev/null |
            sed -n 's/^peak heap memory consumption: *//p')
        # heaptrack prints decimal units: 136.23M is 136.23e6 bytes.
        r_heap=$(awk -v v="$peak" 'BEGIN { n = v + 0; u = substr(v, length(v));
            m = (u == "K") ? 1e3 : (u == "M") ? 1e6 : (u == "G") ? 1e9 : 1; printf "%.0f", n * m }')
        [ -n "$peak" ] || die "$client ($n seeders, $tag): no peak heap from heaptrack_print"
    fi
    rm -rf "$dir" # the downloaded file goes, and with it its pages
}

gib=$(calc "$bytes / 1073741824" 6)
package_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
printf 'bench/swarm: %s (%s, built %s), python3-libtorrent %s\n' "$("$swarmshare" --version)" \
    "$swarmshare_src" "$(date -r "$swarmshare_src" '+%F %T')" "$(package_version python3-libtorrent)"
printf '  %d MiB file, %s pieces, %d runs per client and scenario, alternating (swarmshare first), medians\n' \
    "$size_mib" "$piece" "$runs"
printf '  seeders: swarmshare seed on 127.0.0.1, all reading one data file that is in the page cache\n'
printf '  (just written and hashed); leechers write to %s (%s), file deleted after each run\n' \
    "${BENCH_DIR:-${TMPDIR:-/tmp}}" "$(df --output=fstype "$work" | tail -n 1)"
printf '  libtorrent: default settings, TCP only and plain handshakes (bench/swarm_lt.py says why)\n'
printf '  %d cores, load average before: %s (other work on the machine makes the figures noisy)\n' \
    "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

status=0
declare -A mbps wall cpu rss heap_mib peers seed_cpu
for n in 1 "$seeder_count"; do
    for client in swarmshare libtorrent; do
        mbps[$client]="" wall[$client]="" cpu[$client]="" rss[$client]="" heap_mib[$client]="" peers[$client]=""
        seed_cpu[$client]=""
    done
    first="" lt_net=
    for ((run = 1; run <= runs; run++)); do
        for client in swarmshare libtorrent; do
            leech "$client" "$n" "s$n-run$run"
            mbps[$client]+="$(calc "$bytes / $r_seconds / 1e6" 1) "
            wall[$client]+="$r_wall "
            cpu[$client]+="$(calc "$r_cpu / $gib" 3) "
            seed_cpu[$client]+="$(calc "$r_seed_cpu / $gib" 3) "
            rss[$client]+="$r_rss_kib "
            peers[$client]+="$r_peers "
            if [ "$client" = libtorrent ]; then
                first+="$r_first "
                lt_net+="$(calc "$bytes / ($r_seconds - $r_first) / 1e6" 1) "
            fi
        done
    done
    if [ "$heap_runs" = 1 ]; then
        for client in swarmshare libtorrent; do
            leech "$client" "$n" "s$n-heap" heap
            heap_mib[$client]=$(calc "$r_heap / 1048576" 1)
        done
    fi

    label="$n seeder"
    [ "$n" -gt 1 ] && label="$n seeders"
    printf '\n  %-10s %-11s %8s %8s %9s %10s %10s %8s %6s\n' "$label" client "MB/s" "seconds" \
        "process s" "CPU s/GiB" "heap MiB" "RSS MiB" peers
    declare -A med_mbps med_cpu
    for client in swarmshare libtorrent; do
        med_mbps[$client]=$(tr ' ' '\n' <<<"${mbps[$client]}" | grep . | median)
        med_cpu[$client]=$(tr ' ' '\n' <<<"${cpu[$client]}" | grep . | median)
        secs=$(calc "$bytes / ${med_mbps[$client]} / 1e6" 3)
        printf '  %-10s %-11s %8.1f %8.3f %9.3f %10.3f %10s %8.1f %6s\n' "" "$client" \
            "${med_mbps[$client]}" "$secs" \
            "$(tr ' ' '\n' <<<"${wall[$client]}" | grep . | median)" "${med_cpu[$client]}" \
            "${heap_mib[$client]:--}" "$(calc "$(tr ' ' '\n' <<<"${rss[$client]}" | grep . | maximum) / 1024" 1)" \
            "$(tr ' ' '\n' <<<"${peers[$client]}" | grep . | median)"
        printf '  %-10s %-11s   runs: MB/s %s; CPU s/GiB %s; seeders CPU s/GiB (all seeders, median) %s\n' \
            "" "" "${mbps[$client]% }" "${cpu[$client]% }" \
            "$(tr ' ' '\n' <<<"${seed_cpu[$client]}" | grep . | median)"
    done
    printf '  %-10s libtorrent connects to the seeders %.3f s after add_torrent (median; its session\n' "" \
        "$(tr ' ' '\n' <<<"$first" | grep . | median)"
    printf '  %-10s ticks every 0.5 s): %.1f MB/s counted from there (for information only)\n' "" \
        "$(tr ' ' '\n' <<<"$lt_net" | grep . | median)"
    speed_ratio=$(calc "${med_mbps[swarmshare]} / ${med_mbps[libtorrent]}")
    cpu_ratio=$(calc "${med_cpu[swarmshare]} / ${med_cpu[libtorrent]}")
    v_speed=met v_cpu=met v_heap=met
    awk "BEGIN { exit !($speed_ratio < 2) }" && v_speed=MISSED
    awk "BEGIN { exit !($cpu_ratio > 1) }" && v_cpu=MISSED
    if [ -n "${heap_mib[swarmshare]}" ]; then
        awk "BEGIN { exit !(${heap_mib[swarmshare]} > 64) }" && v_heap=MISSED
    else
        v_heap="not measured (HEAP=0)"
    fi
    printf '  ratio swarmshare / libtorrent: MB/s %sx (goal >= 2x: %s), CPU s/GiB %sx (goal <= 1x: %s), swarmshare heap <= 64 MiB: %s\n' \
        "$speed_ratio" "$v_speed" "$cpu_ratio" "$v_cpu" "$v_heap"
done
printf '\n  MB/s: 10^6 bytes/s over the seconds each client reports (swarmshare get --json from its start,\n'
printf '  swarm_lt.py from add_torrent) until complete and verified; "process s": wall time of the whole\n'
printf '  process (start-up and shut-down too); CPU: user + sys of the leecher process (/usr/bin/time);\n'
printf '  heap: peak from heaptrack in one more run per client (not timed); RSS: max over the timed runs\n'
printf '  (libtorrent maps the file: its RSS counts file pages); peers: seeders that sent data (median);\n'
printf '  seeders CPU: user + sys of all swarmshare seed processes during the run (/proc/PID/stat)\n'
exit "$status"
