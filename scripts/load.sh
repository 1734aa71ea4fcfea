#!/usr/bin/env bash
# The external load runs (issue 16, part 3): goose in its own process (load/, ikd-load)
# drives `ikd-server serve` over loopback, bounded in count:
#   - SQLite: one instance;  PostgreSQL: two instances on one database;
#   - per backend: REGS registrations started at once, to the selfie and the officer's
#     approval; a verify mix of VERIFIES requests (distinct QRs, 5 % replays); a login mix of
#     LOGINS (5 % wrong PINs). Each prints goose's table (throughput, percentiles to 99.99 %,
#     status codes) and the checks ikd-load makes after the run, from the database.
#
#   scripts/load.sh [REGS] [VERIFIES] [LOGINS]      (default 1000 20000 1000)
#   LOAD_BACKENDS="sqlite postgres" (default both)   LOAD_USERS=32 (verify, login)
#   LOAD_TIMEOUT=600 (seconds per scenario; a scenario past it fails the script)
#   LOAD_SERVER=PATH (a service binary built elsewhere, e.g. from an older commit)
#
# Release builds of ikd-server and ikd-load; data in target/load-run/ (removed at start).
set -euo pipefail
cd "$(dirname "$0")/.."
REGS=${1:-1000} VERIFIES=${2:-20000} LOGINS=${3:-1000}
USERS=${LOAD_USERS:-32}
BACKENDS=${LOAD_BACKENDS:-sqlite postgres}
export CARGO_INCREMENTAL=0

# LOAD_SERVER=PATH runs another build of the service (an older commit's, to compare side by
# side on the same machine) instead of building this one.
server=${LOAD_SERVER:-target/release/ikd-server}
[ -n "${LOAD_SERVER:-}" ] || cargo build --release --locked -p ikd-server
# Its own workspace (load/Cargo.lock), built into the main target directory, where a crate
# both workspaces use at the same version and features is reused.
cargo build --release --locked --manifest-path load/Cargo.toml --target-dir target
loader=target/release/ikd-load
selfie=../shared/data/faces/one-face-astronaut.jpg
[ -f "$selfie" ] || selfie=crates/ikd-server/tests/fixtures/one-face-astronaut.jpg

work=target/load-run
rm -rf "$work"
mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Starts `serve` on a free port and waits until it answers /readyz; sets $base to its URL.
# (Not run in $(...): the pid must reach this shell's cleanup.)
start_instance() { # NAME DATA_DIR [DATABASE_URL]
  local name=$1 dir=$2 url=${3:-} port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  IKD_LOG=warn "$server" serve --data-dir "$dir" ${url:+--database-url "$url"} \
    --listen "127.0.0.1:$port" --trusted-proxies 127.0.0.1 >"$work/$name.log" 2>&1 &
  pids+=($!)
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    curl -sf "$base/readyz" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "load.sh: $name did not become ready; its log:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

run() { # BACKEND TARGETS DATA_DIR DATABASE_URL SCENARIO COUNT goose-flags…
  local backend=$1 targets=$2 dir=$3 url=$4 scenario=$5 count=$6
  shift 6
  echo
  echo "=== $backend · $scenario · $count · $(awk -F, '{print NF}' <<<"$targets") instance(s)"
  env ${url:+IKD_DATABASE_URL="$url"} IKD_LOAD_SCENARIO="$scenario" IKD_LOAD_TARGETS="$targets" \
    IKD_LOAD_COUNT="$count" IKD_DATA_DIR="$dir" IKD_LOAD_SELFIE="$selfie" \
    timeout "${LOAD_TIMEOUT:-600}" "$loader" --quiet --report-file "$work/$backend-$scenario.md" "$@" \
    | tee "$work/$backend-$scenario.txt" \
    | sed -n '/=== PER REQUEST METRICS ===/,$p'
}

per_user() { echo $(( ($1 + USERS - 1) / USERS )); }

# Residents: the registrations, the verify accounts and the login accounts, with room for
# the residents the registry's generator makes without a KTP-el (children).
residents=$(( (REGS + 64 + LOGINS / 10) * 3 + 1000 ))

for backend in $BACKENDS; do
  dir="$work/$backend"
  url=""
  if [ "$backend" = postgres ]; then
    admin=$(./scripts/start-postgres.sh)
    psql "$admin" -qc "DROP DATABASE IF EXISTS ikd_load WITH (FORCE)" -c "CREATE DATABASE ikd_load" >/dev/null
    url="${admin%/*}/ikd_load"
  fi
  "$server" seed --residents "$residents" --data-dir "$dir" ${url:+--database-url "$url"} >/dev/null
  start_instance "$backend-1" "$dir" "$url"
  targets=$base
  if [ "$backend" = postgres ]; then
    start_instance "$backend-2" "$dir" "$url"
    targets="$targets,$base"
  fi
  run "$backend" "$targets" "$dir" "$url" registration "$REGS" \
    --users "$REGS" --increase-rate "$REGS" --iterations 1
  run "$backend" "$targets" "$dir" "$url" verify "$VERIFIES" \
    --users "$USERS" --increase-rate 1000 --iterations "$(per_user "$VERIFIES")"
  run "$backend" "$targets" "$dir" "$url" login "$LOGINS" \
    --users "$USERS" --increase-rate 1000 --iterations "$(per_user "$LOGINS")"
  cleanup
  pids=()
done
echo
echo "load.sh: reports in $work/*.md, full output in $work/*.txt"
