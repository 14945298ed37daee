#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for development and CI: initdb + pg_ctl in a temp dir,
# on a free port of 127.0.0.1, trusting local connections (never expose it).
#   bash scripts/pg-dev.sh start [DIR]   # prints the server URL (its 'postgres' database)
#   bash scripts/pg-dev.sh stop DIR      # stops it and deletes DIR
# Use the URL with `triage init --database URL` (one database per project: createdb first,
# or point at a fresh database) or as TRIAGE_TEST_DATABASE for the test suite.
# PostgreSQL 15 from Debian's `postgresql` package (apt-get install postgresql).
set -euo pipefail
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "pg-dev: no PostgreSQL server found under /usr/lib/postgresql; run: apt-get install postgresql" >&2
    exit 1
fi

# initdb refuses to run as root: run the server as the 'postgres' user then.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    dir=${2:-$(mktemp -d "${TMPDIR:-/tmp}/triage-pg.XXXXXX")}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    # fsync off: a throwaway cluster trades crash safety for test speed.
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    echo "pg-dev: stop with: bash scripts/pg-dev.sh stop $dir" >&2
    ;;
stop)
    dir=${2:?usage: pg-dev.sh stop DIR}
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: pg-dev.sh start [DIR] | stop DIR" >&2
    exit 2
    ;;
esac
