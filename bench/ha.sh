#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/ha: the high-availability figures of docs/ha.md, with real processes on 127.0.0.1: a main
# tracker, a backup following it and the failover proxy in front (`swarmshare --tracker --role
# main|backup|proxy`, SQLite).
#  1. Replication lag under load: wrk sends BEP 3 announces through the proxy (every announce
#     changes a peer, so every one is a replicated change) while the backup's /health and main's
#     /health are polled every 100 ms; prints the announce rate, the change rate, and the
#     backup's lag (lag_ms, and main's seq minus the backup's) as p50/p99/max.
#  2. Failover: SIGKILL main, then time until the proxy serves from the backup (its /health says
#     backup, active) and until a write (an account) succeeds through the proxy; restart main on
#     its port and time until the proxy has failed back to it. Medians of RUNS rounds.
#
#   bench/ha.sh [LOAD_SECONDS=10] [RUNS=3]
# Environment: SWARMSHARE (binary, default build/bin/swarmshare), BENCH_DIR (scratch folder),
# PEERS (announcing peers, 5000), SWARMS (100).
set -euo pipefail

load_seconds=${1:-10}
runs=${2:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
swarmshare=${SWARMSHARE:-$here/build/bin/swarmshare}
peers=${PEERS:-5000}
swarms=${SWARMS:-100}
bench_name="ha"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need wrk wrk
need curl curl
need python3 python3
need bc bc
[ -x "$swarmshare" ] || die "$swarmshare is missing: build it first (./setup.sh)"
[[ $load_seconds =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] ||
    die "usage: bench/ha.sh [LOAD_SECONDS] [RUNS]"

bench_workdir
declare -A pid=() # by role, for the kills; every PID is also in pids (stopped at exit)
printf 'a secret shared by main, backup and proxy\n' >"$work/secret"
cat >"$work/config.json" <<'EOF'
{"trackerServer": {"heartbeatInterval": 30, "requestsPerSecondPerAddress": 0,
                   "trustedProxies": ["127.0.0.1"]}}
EOF

# start ROLE PORT ARGS...: starts a role in the background and waits for its line; its port is
# then in $started_port (not printed: a subshell would lose the PID).
start() {
    local role=$1 port=$2
    shift 2
    mkdir -p "$work/$role"
    HOME=$work/$role XDG_DATA_HOME=$work/$role/data XDG_CONFIG_HOME=$work/$role/config \
        "$swarmshare" --config "$work/config.json" --tracker --role "$role" \
        --listen "127.0.0.1:$port" --db "sqlite:$work/$role/tracker.db" \
        --secret-file "$work/secret" "$@" >"$work/$role.out" 2>>"$work/$role.err" &
    pid[$role]=$!
    pids+=("$!")
    for _ in $(seq 100); do
        if grep -q "listening on" "$work/$role.out" 2>/dev/null; then
            started_port=$(grep -o '[0-9]*$' "$work/$role.out" | head -1)
            return
        fi
        sleep 0.1
    done
    die "the $role tracker did not start: $(tail -3 "$work/$role.err")"
}
field() { # field URL KEY: a field of a /health answer ("" when it does not answer)
    curl -s --max-time 1 "$1/health" | grep -o "\"$2\":[^,}]*" | cut -d: -f2- | tr -d '"' || true
}

start main 0
main_port=$started_port
main=http://127.0.0.1:$main_port
start backup 0 --primary "$main"
backup=http://127.0.0.1:$started_port
start proxy 0 --main "$main" --backup "$backup"
proxy=http://127.0.0.1:$started_port
for _ in $(seq 50); do [ "$(field "$backup" state)" = standby ] && break; sleep 0.1; done

echo "bench/ha: $("$swarmshare" --version), 2 cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  main $main, backup $backup, proxy $proxy (SQLite; all on 127.0.0.1)"

# --- 1. replication lag under load -----------------------------------------------------------
python3 -c "import os
for _ in range($swarms): print(os.urandom(20).hex())" >"$work/hashes"
seq_before=$(field "$main" seq)
(
    end=$(($(now_ms) + load_seconds * 1000))
    while [ "$(now_ms)" -lt "$end" ]; do
        # The backup first: main's seq read after it bounds the backlog from above.
        b=$(curl -s --max-time 1 "$backup/health")
        m=$(field "$main" seq)
        printf '%s %s %s\n' "$m" "$(grep -o '"seq":[0-9]*' <<<"$b" | cut -d: -f2)" \
            "$(grep -o '"lag_ms":[-0-9]*' <<<"$b" | cut -d: -f2)"
        sleep 0.1
    done
) >"$work/lag" &
sampler=$!
wrk -t1 -c20 -d"${load_seconds}s" -s "$here/bench/tracker-announce.lua" "$proxy/announce" \
    -- "$work/hashes" "$peers" >"$work/wrk.out" 2>&1 || die "wrk failed: $(tail -3 "$work/wrk.out")"
wait "$sampler"
seq_after=$(field "$main" seq)
rps=$(grep -o 'rps=[0-9.]*' "$work/wrk.out" | cut -d= -f2)
failures=$(grep -o 'failures=[0-9]*' "$work/wrk.out" | cut -d= -f2)
gaps=$(awk '$1 != "" && $2 != "" { print $1 - $2 }' "$work/lag")
lags=$(awk '$3 != "" { print $3 }' "$work/lag")
for _ in $(seq 50); do [ "$(field "$backup" seq)" = "$(field "$main" seq)" ] && break; sleep 0.1; done
echo
echo "  replication under load ($load_seconds s, $peers peers announcing over $swarms swarms through the proxy)"
printf '    announces: %.0f/s (failures %s); changes logged by main: %.0f/s\n' \
    "$rps" "${failures:-?}" "$(echo "($seq_after - $seq_before) / $load_seconds" | bc -l)"
printf '    backup lag_ms     p50 %s  p99 %s  max %s  (%s samples)\n' \
    "$(percentile 50 <<<"$lags")" "$(percentile 99 <<<"$lags")" "$(sort -g <<<"$lags" | tail -1)" \
    "$(wc -l <<<"$lags")"
rate=$(echo "($seq_after - $seq_before) / $load_seconds" | bc -l)
in_ms() { echo "$1 * 1000 / $rate" | bc -l | xargs printf '%.0f'; }
gap50=$(percentile 50 <<<"$gaps") gap99=$(percentile 99 <<<"$gaps") gapmax=$(sort -g <<<"$gaps" | tail -1)
printf '    main seq - backup seq  p50 %s  p99 %s  max %s changes (= %s / %s / %s ms of changes)\n' \
    "$gap50" "$gap99" "$gapmax" "$(in_ms "$gap50")" "$(in_ms "$gap99")" "$(in_ms "$gapmax")"
printf '    after the load: backup seq %s, main seq %s\n' "$(field "$backup" seq)" "$(field "$main" seq)"

# --- 2. failover and failback ----------------------------------------------------------------
served=() written=() failback=()
for ((r = 1; r <= runs; r++)); do
    [ "$(field "$proxy" role)" = main ] || die "round $r: the proxy does not route to main"
    kill -9 "${pid[main]}"
    wait "${pid[main]}" 2>/dev/null || true
    t0=$(now_ms)
    until [ "$(field "$proxy" role)" = backup ] && [ "$(field "$proxy" state)" = active ]; do
        [ $(($(now_ms) - t0)) -lt 20000 ] || die "round $r: no failover within 20 s"
        sleep 0.02
    done
    served+=($(($(now_ms) - t0)))
    until curl -s --max-time 1 -o /dev/null -w '%{http_code}' -X POST "$proxy/auth/register" \
        -d "{\"username\":\"bench-$r-$t0\",\"password\":\"a long enough password\"}" | grep -q 201; do
        [ $(($(now_ms) - t0)) -lt 20000 ] || die "round $r: no write accepted within 20 s"
        sleep 0.02
    done
    written+=($(($(now_ms) - t0)))
    # Main comes back on its port, follows the backup, and the proxy fails back once it caught up.
    start main "$main_port"
    t1=$(now_ms)
    until [ "$(field "$proxy" role)" = main ] && [ "$(field "$proxy" state)" = active ]; do
        [ $(($(now_ms) - t1)) -lt 30000 ] || die "round $r: no failback within 30 s"
        sleep 0.05
    done
    failback+=($(($(now_ms) - t1)))
    sleep 1
done
echo
echo "  failover (SIGKILL of main; proxy probes every 1 s, 3 failed probes switch; $runs rounds)"
echo "    proxy serves from the backup after  $(printf '%s\n' "${served[@]}" | median) ms  (runs: ${served[*]})"
echo "    a write succeeds through the proxy  $(printf '%s\n' "${written[@]}" | median) ms  (runs: ${written[*]})"
echo "    main restarted -> failed back after $(printf '%s\n' "${failback[@]}" | median) ms  (runs: ${failback[*]})"
