#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL on a loopback port for the test suite.
#   .ci/postgres.sh start   → prints the SQLAlchemy URL on stdout
#   .ci/postgres.sh stop
set -euo pipefail
PGPORT="${AGENT_CONSOLE_PG_PORT:-54329}"
PGDATA="${AGENT_CONSOLE_PGDATA:-/tmp/agent-console-ci-pg}"
find_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] && echo "$d"
}
case "${1:-}" in
start)
    if [ -z "$(find_bin)" ]; then
        (apt-get update -qq && apt-get install -y -qq postgresql) >&2
    fi
    BIN=$(find_bin)
    if [ -f "$PGDATA/postmaster.pid" ]; then  # a server left running by an earlier run
        su postgres -s /bin/sh -c "$BIN/pg_ctl -D '$PGDATA' -m immediate -w stop" >&2 || true
    fi
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    su postgres -s /bin/sh -c "$BIN/initdb -D '$PGDATA' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >&2
    su postgres -s /bin/sh -c "$BIN/pg_ctl -D '$PGDATA' -l '$PGDATA/server.log' -w \
        -o \"-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off\" start" >&2
    echo "postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
    ;;
stop)
    BIN=$(find_bin)
    if [ -n "$BIN" ] && [ -d "$PGDATA" ]; then
        su postgres -s /bin/sh -c "$BIN/pg_ctl -D '$PGDATA' -m fast -w stop" >&2 || true
        rm -rf "$PGDATA"
    fi
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
