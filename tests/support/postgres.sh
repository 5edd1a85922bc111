#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A throw-away PostgreSQL server for tests (the PostgreSQL store's conformance suite).
#
#   postgres.sh start DIR [--owner PID]   create a cluster in DIR, start it, print its URL
#   postgres.sh stop DIR                  stop that server (by its PID) and remove DIR
#
# `start` uses Debian's server binaries (/usr/lib/postgresql/*/bin, package `postgresql`) and
# fails (exit 1, message on stderr) when they are missing: a test that needs PostgreSQL must fail,
# never skip. The server listens on 127.0.0.1 on a free port (retried on a collision) and on a
# unix socket in DIR, with fsync off: the data is disposable. TCP logins need the password that
# is in the URL (scram-sha-256); socket logins are trusted. The URL is printed on stdout and also
# written to DIR/url, e.g.
#   postgresql://swarmshare:5f0c...@127.0.0.1:41234/swarmshare
# Run as root, the server runs as the `postgres` user (initdb refuses root): DIR is chowned to it
# and every folder above DIR must be searchable by it. Otherwise it runs as the calling user.
#
# How the tests use it (tests/tracker/store/CMakeLists.txt): a CTest fixture. A setup test runs
# `start` once, the PostgreSQL test reads DIR/url (SWARMSHARE_POSTGRES_URL_FILE), and a cleanup
# test runs `stop`. CTest runs the cleanup even when the test crashes or times out, so no server
# outlives a run. Run by hand, the test starts its own server with `--owner` set to its PID: a
# small watchdog then stops the server if that process dies without calling `stop`.
#
# `stop` is idempotent and removes DIR only when `start` made it (marker file), so a wrong
# argument cannot delete anything else.
set -euo pipefail

marker=.swarmshare-postgres
database=swarmshare
superuser=swarmshare

# Set once `start` has launched a server: a failure after that must not leave it running.
launched_dir=

die() {
    echo "postgres.sh: $*" >&2
    # The folder stays, with its logs, for a look; `stop` removes it.
    if [ -n "$launched_dir" ]; then stop_server "$launched_dir"; fi
    exit 1
}

find_bindir() {
    local dir found=
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && found=$dir
    done
    [ -n "$found" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin" \
        "(install the Debian package 'postgresql')"
    echo "$found"
}

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    local python
    for python in /usr/bin/python3 python3; do
        if command -v "$python" >/dev/null 2>&1; then
            "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' &&
                return 0
        fi
    done
    # No Python: a random high port; a collision is caught by the retry in start.
    echo $((20000 + RANDOM % 40000))
}

start_server() { # bindir dir port
    local options="-c listen_addresses=127.0.0.1 -p $3 -c unix_socket_directories=$2"
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    rm -f "$2/server.log"
    as_owner "$1/pg_ctl" start -D "$2/data" -l "$2/server.log" -w -t 30 -s -o "$options" >/dev/null
}

start_watchdog() { # dir owner-pid script
    # Detached from our stdout so that whoever reads the URL is not kept waiting for EOF.
    nohup setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; bash "$2" stop "$3"' \
        watchdog "$2" "$3" "$1" </dev/null >/dev/null 2>&1 &
    echo $! >"$1/watchdog.pid"
}

cmd_start() {
    local dir=$1 owner=${2:-}
    local bindir password port attempt
    bindir=$(find_bindir)
    if [ -e "$dir/$marker" ]; then
        cmd_stop "$dir" # a leftover from a killed run
    elif [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
        die "$dir is not empty"
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    touch "$dir/$marker"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "user 'postgres' missing (install the package 'postgresql')"
        chown -R postgres:postgres "$dir"
        runuser -u postgres -- test -w "$dir" ||
            die "$dir is not reachable by the postgres user (a parent folder is not searchable)"
    fi
    # Unix socket paths are limited to 107 bytes; the path goes unquoted into pg_ctl's -o.
    [ ${#dir} -le 80 ] || die "$dir is too long for a unix socket path"
    case "$dir" in *[[:space:]]*) die "$dir contains white space" ;; esac

    umask 077 # the password and the data are nobody else's business
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" >"$dir/password"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir/password"; fi
    as_owner "$bindir/initdb" -D "$dir/data" -U "$superuser" --pwfile="$dir/password" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync \
        >"$dir/initdb.log" 2>&1 || die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
    rm -f "$dir/password"

    launched_dir=$dir
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if start_server "$bindir" "$dir" "$port"; then
            break
        fi
        grep -q 'could not bind\|already in use' "$dir/server.log" 2>/dev/null ||
            die "the server did not start: $(tail -n 5 "$dir/server.log" 2>/dev/null)"
        [ "$attempt" -lt 5 ] || die "no free port after 5 attempts"
    done

    as_owner "$bindir/createdb" -h "$dir" -p "$port" -U "$superuser" "$database" ||
        die "createdb failed"
    local url="postgresql://$superuser:$password@127.0.0.1:$port/$database"
    echo "$url" >"$dir/url"
    if [ -n "$owner" ]; then start_watchdog "$dir" "$owner" "$(readlink -f "${BASH_SOURCE[0]}")"; fi
    echo "$url"
}

# Stops the server whose PID is in DIR/data/postmaster.pid, if it runs.
stop_server() {
    local dir=$1 pid
    [ -f "$dir/data/postmaster.pid" ] || return 0
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    if kill -0 "$pid" 2>/dev/null; then
        as_owner "$(find_bindir)/pg_ctl" stop -D "$dir/data" -m immediate -w -t 20 -s \
            >/dev/null 2>&1 || kill -KILL "$pid" 2>/dev/null || true
    fi
}

cmd_stop() {
    local dir=$1 pid
    [ -d "$dir" ] || return 0
    [ -e "$dir/$marker" ] || die "$dir was not made by 'postgres.sh start': not touching it"
    if [ -f "$dir/watchdog.pid" ]; then
        pid=$(cat "$dir/watchdog.pid")
        # The watchdog itself calls stop: do not kill the caller.
        [ "$pid" != "$PPID" ] && [ "$pid" != "$$" ] && kill "$pid" 2>/dev/null || true
    fi
    stop_server "$dir"
    rm -rf "$dir"
}

case "${1:-}" in
start)
    [ $# -ge 2 ] || die "usage: postgres.sh start DIR [--owner PID]"
    owner=
    if [ $# -ge 4 ] && [ "$3" = --owner ]; then owner=$4; fi
    cmd_start "$2" "$owner"
    ;;
stop)
    [ $# -eq 2 ] || die "usage: postgres.sh stop DIR"
    cmd_stop "$2"
    ;;
*)
    die "usage: postgres.sh start DIR [--owner PID] | stop DIR"
    ;;
esac
