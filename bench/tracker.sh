#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/tracker: the tracker under load, in two parts.
#
# 1. Announce throughput: `wrk` drives BEP 3 /announce (bench/tracker-announce.lua: 20000 peers
#    over 16 swarms, compact=1, numwant=50, one seeder in ten) against `swarmshare --tracker`
#    and Debian's opentracker in the same run, alternating, with keep-alive and with one
#    connection per request (`Connection: close`). Medians of requests/s and p99 latency, and
#    the ratio swarmshare / opentracker.
# 2. Scale run: a fresh Swarmshare tracker gets 100k peers registered over 10k files (one
#    account, bench/trackerload.cpp: pipelined keep-alive connections), then answers a few
#    thousand /get_n_file_idle_peers (n=10) one at a time; prints the registration rate, the
#    tracker's RSS and the p50/p99 latency measured by the client.
#
#   bench/tracker.sh [SECONDS=5] [RUNS=3]
# Environment: SWARMSHARE (binary, default build/bin/swarmshare), BENCH_TRACKER (helper, default
# build/bin/swarmshare-bench-tracker), BENCH_DIR (scratch folder), PIN=0 (no taskset pinning),
# CONNECTIONS (wrk connections, 50), SCALE_PEERS (100000), SCALE_FILES (10000),
# SCALE_QUERIES (3000), SKIP_ANNOUNCE=1 / SKIP_SCALE=1 (one part only), KEEP=1 (keep the
# scratch folder: logs, configs, raw wrk output).
# Exit status: 0 when every run worked (goals missed are printed, not fatal), 1 otherwise.
set -euo pipefail

seconds=${1:-5}
runs=${2:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
swarmshare=${SWARMSHARE:-$here/build/bin/swarmshare}
helper=${BENCH_TRACKER:-$here/build/bin/swarmshare-bench-tracker}
script=$here/bench/tracker-announce.lua
connections=${CONNECTIONS:-50}
population=20000
swarms=16
scale_peers=${SCALE_PEERS:-100000}
scale_files=${SCALE_FILES:-10000}
scale_queries=${SCALE_QUERIES:-3000}

bench_name="tracker"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need wrk wrk
need opentracker opentracker
need taskset util-linux
need timeout coreutils
need sha1sum coreutils
need awk mawk
[ -x "$swarmshare" ] || die "$swarmshare is missing: build it first (./setup.sh)"
[ -x "$helper" ] || die "$helper is missing: build it first (./setup.sh, or cmake --build build --target swarmshare-bench-tracker)"
[[ $seconds =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || die "usage: bench/tracker.sh [SECONDS] [RUNS]"

bench_workdir

# Pinning: on 2+ cores the trackers get the last CPU and the load generators the others, so
# that client and server never fight for one core (both trackers answer on one thread).
cpus=$(nproc)
if [ "${PIN:-1}" = 1 ] && [ "$cpus" -ge 2 ]; then
    server_cpu=$((cpus - 1))
    client_cpus=0
    [ "$cpus" -gt 2 ] && client_cpus=0-$((cpus - 2))
    server_pin=(taskset -c "$server_cpu")
    client_pin=(taskset -c "$client_cpus")
    wrk_threads=$((cpus - 1))
    pinning="taskset: trackers on CPU $server_cpu, wrk and the load generator on CPU $client_cpus"
else
    server_pin=() client_pin=() wrk_threads=$cpus
    pinning="no pinning (PIN=0 or one core)"
fi

# Dies with what is known when a tracker we started is gone (crash, or stopped by someone else).
check_alive() { # check_alive NAME PID LOG
    kill -0 "$2" 2>/dev/null && return 0
    local status=0
    wait "$2" 2>/dev/null || status=$?
    tail -n 20 "$3" >&2 || true
    if [ "$status" -gt 128 ]; then
        die "$1 (PID $2) died during the benchmark: signal $(kill -l "$status" 2>/dev/null || echo $((status - 128)))"
    fi
    die "$1 (PID $2) exited during the benchmark with status $status (0: it was stopped by a signal such as SIGTERM from outside)"
}
# Runs a command in the background (so that the traps run at once on a signal, and the command
# is killed by PID on exit) and waits for it; returns its status. Output goes to OUT.
run_bg() { # run_bg OUT COMMAND...
    local out=$1 pid status=0
    shift
    "$@" >"$out" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait "$pid" || status=$?
    return "$status"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; } # utime + stime
ticks_per_second=$(getconf CLK_TCK)

calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; } # field NAME "RESULT a=1 b=2"

# Waits until something listens on 127.0.0.1:PORT (or PID dies); 1 on time-out.
wait_listening() {
    local port=$1 pid=$2 i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# One GET with `Connection: close` (the trackers close after answering): the whole response,
# binary bytes as dots.
http_get() {
    local port=$1 path=$2 fd
    exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&"$fd"
    timeout 5 cat <&"$fd" | LC_ALL=C tr -c '[:print:]\r\n' '.' || true
    exec {fd}>&-
}

# Swarmshare's environment: nothing may touch the user's real files. The tracker category logs
# at info level (a few lines: start, stop, a signal received) so that a tracker stopped from
# outside says so in its stderr.
ss_home=$work/home
mkdir -p "$ss_home/.config" "$ss_home/.local/share"
ss_env=(env HOME="$ss_home" XDG_CONFIG_HOME="$ss_home/.config" XDG_DATA_HOME="$ss_home/.local/share"
    QT_LOGGING_RULES="swarmshare.tracker.info=true")

# start_swarmshare NAME CONFIG_JSON: starts a tracker with its own database; sets ss_pid, ss_port.
start_swarmshare() {
    local name=$1 dir=$work/$1 i
    mkdir -p "$dir"
    printf '%s\n' "$2" >"$dir/config.json"
    "${ss_env[@]}" "${server_pin[@]}" "$swarmshare" --tracker --listen 127.0.0.1:0 \
        --db "sqlite:$dir/tracker.db" --config "$dir/config.json" >"$dir/stdout" 2>"$dir/stderr" &
    ss_pid=$!
    pids+=("$ss_pid")
    ss_port=
    for ((i = 0; i < 100; i++)); do
        ss_port=$(sed -n 's/^swarmshare tracker main listening on .*:\([0-9][0-9]*\)$/\1/p' "$dir/stdout")
        [ -n "$ss_port" ] && return 0
        kill -0 "$ss_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$dir/stderr" >&2
    die "the Swarmshare tracker ($name) did not start"
}

run_announce() {
    # Info-hashes: the same list is the wrk script's swarms and opentracker's whitelist.
    local ot_dir=$work/opentracker i
    mkdir -p "$ot_dir"
    for ((i = 1; i <= swarms; i++)); do
        printf 'swarmshare-bench-tracker-%d' "$i" | sha1sum | cut -c1-40
    done >"$ot_dir/whitelist.txt"
    # Run as root, opentracker chroots to tracker.rootdir and becomes tracker.user before it
    # reads the whitelist; otherwise it only changes into that folder. A path relative to the
    # folder works both ways, and the folder must be readable by that user.
    chmod 755 "$ot_dir"
    chmod 644 "$ot_dir/whitelist.txt"

    # opentracker: a free port (it cannot pick one itself), retried if taken meanwhile.
    local ot_port ot_pid
    for ((i = 0; i < 5; i++)); do
        ot_port=$("$helper" free-port)
        cat >"$ot_dir/opentracker.conf" <<EOF
listen.tcp 127.0.0.1:$ot_port
access.whitelist whitelist.txt
tracker.rootdir $ot_dir
tracker.user nobody
EOF
        "${server_pin[@]}" opentracker -f "$ot_dir/opentracker.conf" >"$ot_dir/log" 2>&1 &
        ot_pid=$!
        pids+=("$ot_pid")
        wait_listening "$ot_port" "$ot_pid" && break
        kill "$ot_pid" 2>/dev/null || true
        ot_pid=
    done
    [ -n "$ot_pid" ] || { cat "$ot_dir/log" >&2; die "opentracker did not start"; }

    start_swarmshare announce \
        '{"trackerServer":{"requestsPerSecondPerAddress":0,"maxConnections":20000},"log":{"level":"warning"}}'

    # A first announce must come back as a well-formed 200 whose body is a peer list: the
    # whitelist was read, the query is understood, `Connection: close` works. opentracker loads
    # its whitelist in the background: allow it a moment.
    local hash probe
    hash=$(head -n 1 "$ot_dir/whitelist.txt" | sed 's/../%&/g')
    probe="/announce?info_hash=$hash&peer_id=-BW0001-000000000000&port=10000&uploaded=0&downloaded=0&left=0&compact=1&numwant=50"
    local name port answer ok
    for name in swarmshare opentracker; do
        port=$ss_port
        [ "$name" = opentracker ] && port=$ot_port
        for ((i = 0; i < 30; i++)); do
            answer=$(http_get "$port" "$probe")
            ok=0
            [[ $answer == "HTTP/1."[01]" 200 "* && ${answer#*$'\r\n\r\n'} == d*5:peers* ]] && ok=1
            [ "$ok" = 1 ] && break
            sleep 0.1
        done
        [ "$ok" = 1 ] || die "$name's answer to an announce (with Connection: close) is not a 200 with a peer list: $answer"
    done

    # Each measurement: "RESULT ..." from the wrk script, checked. Sets `result`.
    local raw=$work/wrk
    mkdir -p "$raw"
    measure() { # measure NAME MODE DURATION TAG; sets `result` (plus cpu=PERCENT of one core)
        local name=$1 mode=$2 duration=$3 tag=$4 header=() out port pid log before after
        if [ "$name" = swarmshare ]; then
            port=$ss_port pid=$ss_pid log=$work/announce/stderr
        else
            port=$ot_port pid=$ot_pid log=$ot_dir/log
        fi
        [ "$mode" = close ] && header=(-H "Connection: close")
        out=$raw/$name-$mode-$tag.txt
        check_alive "$name" "$pid" "$log"
        before=$(cpu_ticks "$pid")
        run_bg "$out" "${client_pin[@]}" wrk -t "$wrk_threads" -c "$connections" -d "${duration}s" \
            --latency "${header[@]}" -s "$script" "http://127.0.0.1:$port/" -- \
            "$ot_dir/whitelist.txt" "$population" || {
            cat "$out" >&2
            check_alive "$name" "$pid" "$log"
            die "wrk failed against $name"
        }
        after=$(cpu_ticks "$pid")
        check_alive "$name" "$pid" "$log"
        result=$(grep '^RESULT ' "$out") || { cat "$out" >&2; die "no result from wrk against $name"; }
        result+=" cpu=$(calc "($after - $before) * 100 / $ticks_per_second / $(field duration_us "$result") * 1e6" 0)"
        local requests failures connect timeout
        requests=$(field requests "$result")
        failures=$(field failures "$result")
        connect=$(field connect "$result")
        timeout=$(field timeout "$result")
        # Good answers against everything tried: answers without a peer list (a `failure
        # reason` comes with status 200), non-2xx, refused connections, time-outs.
        if [ "$requests" -lt 100 ] ||
            [ $((2 * (requests - failures))) -lt $((requests + connect + timeout)) ]; then
            cat "$out" >&2
            die "most requests to $name failed ($mode, $tag): $result"
        fi
    }

    printf 'bench/tracker: announce throughput, wrk %s s x %d runs each (medians), %d connections, %d wrk threads\n' \
        "$seconds" "$runs" "$connections" "$wrk_threads"
    printf '  %d peers over %d swarms, compact=1, numwant=50; %d cores, %s\n' \
        "$population" "$swarms" "$cpus" "$pinning"
    printf '  load average before: %s (other work on the machine makes the figures noisy)\n' \
        "$(cut -d' ' -f1-3 /proc/loadavg)"

    local mode run ss_rps ot_rps ratio goal verdict label
    declare -A rps p99 peers errors cpu
    for mode in keepalive close; do
        # Warm-up: fills the swarms (every peer announces at least once) and the caches.
        measure swarmshare "$mode" 3 warmup
        measure opentracker "$mode" 3 warmup
        for name in swarmshare opentracker; do
            rps[$name]="" p99[$name]="" peers[$name]="" errors[$name]="" cpu[$name]=""
        done
        for ((run = 1; run <= runs; run++)); do
            for name in swarmshare opentracker; do
                measure "$name" "$mode" "$seconds" "run$run"
                rps[$name]+="$(field rps "$result") "
                cpu[$name]+="$(field cpu "$result") "
                p99[$name]+="$(field p99_us "$result") "
                peers[$name]+="$(field peers_per_answer "$result") "
                errors[$name]+="$(field requests "$result") $(field connect "$result") $(field read "$result") $(field write "$result") $(field timeout "$result") $(field status "$result") $(field failures "$result")"$'\n'
            done
        done
        if [ "$mode" = keepalive ]; then
            label="keep-alive (opentracker closes every connection anyway)" goal=2.5
        else
            label='one connection per request (-H "Connection: close")' goal=1
        fi
        printf '  %s\n' "$label"
        for name in swarmshare opentracker; do
            printf '    %-12s %8.0f req/s   p99 %6.2f ms   %4.1f peers/answer   tracker CPU %3.0f%%\n' \
                "$name" "$(tr ' ' '\n' <<<"${rps[$name]}" | grep . | median)" \
                "$(calc "$(tr ' ' '\n' <<<"${p99[$name]}" | grep . | median) / 1000")" \
                "$(tr ' ' '\n' <<<"${peers[$name]}" | grep . | median)" \
                "$(tr ' ' '\n' <<<"${cpu[$name]}" | grep . | median)"
            awk -v runs="$runs" '{ for (i = 1; i <= 7; i++) sum[i] += $i }
                END { printf "      %d responses in %d runs; errors: connect %d, read %d, write %d, timeout %d, non-2xx %d, bad answers %d\n",
                      sum[1], runs, sum[2], sum[3], sum[4], sum[5], sum[6], sum[7] }' <<<"${errors[$name]}"
        done
        ss_rps=$(tr ' ' '\n' <<<"${rps[swarmshare]}" | grep . | median)
        ot_rps=$(tr ' ' '\n' <<<"${rps[opentracker]}" | grep . | median)
        ratio=$(calc "$ss_rps / $ot_rps")
        verdict="met"
        awk "BEGIN { exit !($ratio < $goal) }" && verdict="MISSED"
        printf '    ratio (swarmshare / opentracker): %sx   goal >= %sx: %s\n' "$ratio" "$goal" "$verdict"
    done
    printf '  (tracker CPU: %% of one core while wrk ran; wrk counts every connection opentracker closes\n'
    printf '   after its answer as a read error; "bad" = answers without a peer list; a run where most\n'
    printf '   requests fail, or a tracker that dies, stops the script)\n'

    kill "$ot_pid" "$ss_pid" 2>/dev/null || true
    wait "$ot_pid" "$ss_pid" 2>/dev/null || true
}

run_scale() {
    # Peers are registered far faster than they time out, but a slow machine must not lose
    # the first ones: a long heartbeat interval (peers live for three).
    start_swarmshare scale \
        '{"trackerServer":{"requestsPerSecondPerAddress":0,"maxConnections":20000,"heartbeatInterval":600},"log":{"level":"warning"}}'
    local out=$work/scale.txt
    printf 'bench/tracker: scale run, %d peers x 10 files over %d files, one account, %s\n' \
        "$scale_peers" "$scale_files" "$pinning"
    run_bg "$out" timeout 600 "${client_pin[@]}" "$helper" scale --port "$ss_port" \
        --pid "$ss_pid" --peers "$scale_peers" --files "$scale_files" \
        --queries "$scale_queries" --n 10 --connections 2 --depth 16 --time-limit 540 || {
        cat "$out" >&2
        check_alive swarmshare "$ss_pid" "$work/scale/stderr"
        echo "bench/tracker: the tracker's HTTP counters:" >&2
        http_get "$ss_port" /metrics | grep -E '^swarmshare_tracker_(http|errors)' >&2 || true
        die "the scale run failed"
    }
    check_alive swarmshare "$ss_pid" "$work/scale/stderr"
    local reg query
    reg=$(grep '^RESULT register_seconds=' "$out") || die "no registration result"
    query=$(grep '^RESULT queries=' "$out") || die "no query result"
    printf '  registration   %d peers in %.1f s: %.0f peers/s (%.0f file entries/s), 2 connections x 16 pipelined\n' \
        "$(field peers "$reg")" "$(field register_seconds "$reg")" \
        "$(field peers_per_second "$reg")" "$(field holdings_per_second "$reg")"
    printf '  tracker RSS    %.1f MiB after registration (VmHWM %.1f MiB; %.1f MiB before), %.1f MiB after the queries\n' \
        "$(calc "$(field rss_kib "$reg") / 1024" 1)" "$(calc "$(field hwm_kib "$reg") / 1024" 1)" \
        "$(calc "$(field rss_before_kib "$reg") / 1024" 1)" "$(calc "$(field rss_end_kib "$query") / 1024" 1)"
    local p99_ms verdict=met
    p99_ms=$(field p99_ms "$query")
    awk "BEGIN { exit !($p99_ms >= 5) }" && verdict=MISSED
    printf '  /get_n_file_idle_peers n=10, %d sequential requests on one keep-alive connection:\n' \
        "$(field queries "$query")"
    printf '                 p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms   goal p99 < 5 ms: %s\n' \
        "$(field p50_ms "$query")" "$(field p90_ms "$query")" "$p99_ms" "$(field max_ms "$query")" "$verdict"
    [ "$(field short_answers "$query")" = 0 ] ||
        printf '                 (%s answers had fewer than 10 peers)\n' "$(field short_answers "$query")"
    kill "$ss_pid" 2>/dev/null || true
    wait "$ss_pid" 2>/dev/null || true
}

package_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
printf 'bench/tracker: %s (%s, built %s), opentracker %s, wrk %s\n' "$("$swarmshare" --version)" \
    "$swarmshare" "$(date -r "$swarmshare" '+%F %T')" "$(package_version opentracker)" \
    "$(package_version wrk)"
[ "${SKIP_ANNOUNCE:-0}" = 1 ] || run_announce
[ "${SKIP_SCALE:-0}" = 1 ] || run_scale
