# Sourced by run-tests.sh and run-bench.sh: start_private_postgres starts a throwaway
# PostgreSQL cluster on a free loopback port, exports DATABASE_URL, and removes the cluster
# when the calling script exits.

find_pg_bin() {
    local dir
    for dir in $(command -v initdb >/dev/null 2>&1 && dirname "$(readlink -f "$(command -v initdb)")") \
        /usr/lib/postgresql/*/bin /opt/homebrew/bin /usr/local/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return
        fi
    done
}

start_private_postgres() {
    local pg_bin pgdir port
    pg_bin=$(find_pg_bin)
    [ -n "$pg_bin" ] || { echo "PostgreSQL server binaries (initdb, pg_ctl) not found." >&2; return 1; }
    pgdir=$(mktemp -d /tmp/clf-pg.XXXXXX)
    PG_RUN=()
    if [ "$(id -u)" = 0 ]; then
        # PostgreSQL refuses to run as root: the private cluster belongs to the postgres user.
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$pgdir"
        PG_RUN=(runuser -u postgres --)
    fi
    port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    PG_DIR=$pgdir
    PG_BIN=$pg_bin
    trap stop_private_postgres EXIT
    "${PG_RUN[@]}" "$pg_bin/initdb" -D "$pgdir/data" -U clf --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    "${PG_RUN[@]}" "$pg_bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/postgres.log" -w start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c max_connections=100 ${PG_EXTRA_OPTIONS:-}" >/dev/null
    export DATABASE_URL="postgres://clf@127.0.0.1:$port/postgres"
}

stop_private_postgres() {
    [ -n "${PG_DIR:-}" ] || return 0
    "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
}
