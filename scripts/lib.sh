# Shared set-up for scripts/run, scripts/test and scripts/bench. Every step is idempotent:
# it checks what is already there and only installs what is missing.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CARGO_LEPTOS_VERSION="0.3.10"
# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"

# Builds are cached outside the clone so a fresh clone on the same machine starts warm.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  if mkdir -p /var/cache/threadr/target 2>/dev/null && [ -w /var/cache/threadr/target ]; then
    export CARGO_TARGET_DIR=/var/cache/threadr/target
  else
    export CARGO_TARGET_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/threadr/target"
  fi
fi
mkdir -p "$CARGO_TARGET_DIR"
# Incremental artifacts only help while editing; in these scripts they just fill the disk
# (tens of GB over a day of runs).
export CARGO_INCREMENTAL=0
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  log "installing Debian packages: $*"
  as_root apt-get install -y -q "$@" >/dev/null 2>&1 || {
    as_root apt-get update -q >/dev/null
    as_root apt-get install -y -q "$@" >/dev/null
  }
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 13 minutes on 2 cores, once)"
    cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install "wasm-bindgen-cli@$WASM_BINDGEN_VERSION" --locked
  fi
}

# Tailwind, wasm-opt (binaryen), Playwright and axe-core, all from the npm registry.
ensure_node_tools() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  fi
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}

pg_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    apt_install postgresql >&2
    dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  echo "$dir"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts a private PostgreSQL cluster in .data/<name> unless DATABASE_URL is already set, and
# exports DATABASE_URL. The cluster is stopped when the calling script exits.
PG_STARTED_DIR=""
ensure_database() {
  local name="$1"
  if [ -n "${DATABASE_URL:-}" ]; then
    log "using DATABASE_URL from the environment"
    return
  fi
  local bin data sock port runas=()
  bin="$(pg_bindir)"
  data="$ROOT/.data/$name/pgdata"
  sock="$ROOT/.data/$name/run"
  mkdir -p "$data" "$sock"
  chmod 700 "$data"
  # initdb refuses to run as root: run the server as the postgres user.
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$ROOT/.data/$name"
    chmod o+x "$ROOT" "$ROOT/.data" "$ROOT/.data/$name"
    runas=(runuser -u postgres --)
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a private PostgreSQL cluster in .data/$name"
    "${runas[@]}" "$bin/initdb" -D "$data" -A trust -U threadr -E UTF8 >/dev/null
  fi
  if "${runas[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    port="$(sed -n 4p "$data/postmaster.pid")"
    log "PostgreSQL already running on 127.0.0.1:$port"
  else
    port="$(free_port)"
    log "starting PostgreSQL on 127.0.0.1:$port"
    "${runas[@]}" "$bin/pg_ctl" -D "$data" -l "$sock/postgres.log" -w \
      -o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${PG_FSYNC:-on}" start >/dev/null
    PG_STARTED_DIR="$data"
    trap stop_services EXIT
  fi
  export DATABASE_URL="postgres://threadr@127.0.0.1:$port/threadr"
  if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U threadr -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'threadr'" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U threadr threadr
  fi
}

stop_database() {
  [ -n "$PG_STARTED_DIR" ] || return 0
  log "stopping PostgreSQL"
  local runas=()
  [ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
  "${runas[@]}" "$(pg_bindir)/pg_ctl" -D "$PG_STARTED_DIR" -m fast -w stop >/dev/null || true
  PG_STARTED_DIR=""
}

# Debian's redis-server: the scripts' private Redis, and the servers the integration tests
# start for themselves.
ensure_redis_server() {
  command -v redis-server >/dev/null || apt_install redis-server
}

# Debian's haproxy: the load balancer of scripts/cluster and of the cluster tests.
ensure_haproxy() {
  command -v haproxy >/dev/null || apt_install haproxy
}

redis_answers() {
  [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
}

# Starts a private Redis on a free port of 127.0.0.1 (never the shared default 6379) unless
# REDIS_URL is already set, and exports REDIS_URL. No persistence: it only holds per-minute
# counters. Its pid file, port and log live in .data/<name>/redis; it is stopped when the
# calling script exits.
REDIS_STARTED_PIDFILE=""
ensure_redis() {
  local name="$1"
  if [ -n "${REDIS_URL:-}" ]; then
    log "using REDIS_URL from the environment"
    return
  fi
  ensure_redis_server
  local dir="$ROOT/.data/$name/redis" port pid
  mkdir -p "$dir"
  pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
  port="$(cat "$dir/port" 2>/dev/null || true)"
  if [ -n "$pid" ] && [ -n "$port" ] && kill -0 "$pid" 2>/dev/null && redis_answers "$port"; then
    log "Redis already running on 127.0.0.1:$port"
  else
    port="$(free_port)"
    log "starting Redis on 127.0.0.1:$port"
    rm -f "$dir/redis.pid"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null ||
      { cat "$dir/redis.log" >&2; return 1; }
    echo "$port" >"$dir/port"
    REDIS_STARTED_PIDFILE="$dir/redis.pid"
    trap stop_services EXIT
    local _
    for _ in $(seq 1 50); do
      redis_answers "$port" && break
      sleep 0.1
    done
    redis_answers "$port" || { cat "$dir/redis.log" >&2; log "Redis did not start"; return 1; }
  fi
  export REDIS_URL="redis://127.0.0.1:$port"
}

stop_redis() {
  [ -n "$REDIS_STARTED_PIDFILE" ] || return 0
  log "stopping Redis"
  local pid
  pid="$(cat "$REDIS_STARTED_PIDFILE" 2>/dev/null || true)"
  [ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || true
  REDIS_STARTED_PIDFILE=""
}

# Stops what ensure_database and ensure_redis started. Safe to call twice.
stop_services() {
  stop_redis
  stop_database
}

# Stops the app server a script started (if it still runs), then Redis and the database. Every
# step may find its target gone already, so none of them may fail (the scripts run with `set -e`).
# Stops the given processes (the app server, fakes), then the services this script started.
stop_server_and_services() {
  for pid in "$@"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  stop_services
}


# The fake S3 the media storage tests start for themselves: moto in server mode, from PyPI,
# in a private venv under .cache/moto. Only the S3 service and the server's web framework are
# installed: `moto[server]` brings every AWS service's dependencies (317 MB, 40 s here)
# where these take 140 MB and 18 s. Pinned, so a new release cannot change the answers under
# the tests. Reinstalled only when the pins change; otherwise this only reads a stamp file.
# Exports MOTO_SERVER for the tests.
MOTO_REQUIREMENTS="moto[s3]==5.2.5 flask==3.1.3 flask-cors==6.0.5"
ensure_moto() {
  local venv="$ROOT/.cache/moto"
  if [ "$(cat "$venv/installed" 2>/dev/null)" != "$MOTO_REQUIREMENTS" ] || [ ! -x "$venv/bin/moto_server" ]; then
    log "installing $MOTO_REQUIREMENTS (a fake S3 for the tests) into .cache/moto"
    # Debian's python3 has no venv module without python3-venv.
    python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
    # shellcheck disable=SC2086 # one word per requirement
    "$venv/bin/python" -m pip install -q --disable-pip-version-check $MOTO_REQUIREMENTS
    echo "$MOTO_REQUIREMENTS" >"$venv/installed"
  fi
  export MOTO_SERVER="$venv/bin/moto_server"
}
