# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
: "${bench_name:?set bench_name before sourcing bench/lib.sh}"
# What the bench/*.sh scripts share: messages, checks for the tools they drive, statistics, and
# a scratch folder whose processes are stopped at exit (the folder is removed unless KEEP=1 or
# the run failed). Usage, near the top of a script:
#   bench_name=NAME
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   need TOOL DEBIAN_PACKAGE ...
#   bench_workdir            # sets $work; append the PIDs of background processes to pids

die() { printf 'bench/%s: error: %s\n' "$bench_name" "$*" >&2; exit 1; }
need() { # need TOOL DEBIAN_PACKAGE
    command -v "$1" >/dev/null ||
        die "$1 is missing: install the Debian package '$2' (./setup.sh test installs it)"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
percentile() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] }'; }
now_ms() { date +%s%3N; }

pids=()
bench_workdir() {
    work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/swarmshare-bench-$bench_name.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}
bench_cleanup() {
    local status=$? pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "${KEEP:-0}" = 1 ] || [ "$status" -ne 0 ]; then
        echo "bench/$bench_name: logs kept in $work" >&2
    else
        rm -rf "$work"
    fi
}
