#!/usr/bin/env bash
# Runs the desktop tests N times in a row (default 10) while a load runs beside them, and
# prints one line per run and the count that passed. The load is a command run in a loop
# until the runs end; by default the UI suite (Chromium, the demo service), so the machine
# is as busy as during the test command. Issue 13's figures come from this.
#
#   ./scripts/desktop-soak.sh [N]
#   LOAD="cargo build --release -p ikd-server" ./scripts/desktop-soak.sh 10
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
load=${LOAD:-cargo test -q -p ikd-demo --locked --test ui}
export CARGO_INCREMENTAL=0
# Build both first, so the runs measure tests, not compilation.
cargo test -q -p ikd --locked --test desktop --no-run
cargo test -q -p ikd-demo --locked --test ui --no-run
bin=$(cargo test -q -p ikd --locked --test desktop --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
stop=$(mktemp)
logs=$(mktemp -d)
( while [ -f "$stop" ]; do bash -c "$load" >"$logs/load.log" 2>&1 || true; done ) &
loader=$!
trap 'rm -f "$stop"; wait "$loader" 2>/dev/null || true' EXIT
sleep 20
passed=0
for i in $(seq 1 "$runs"); do
  started=$(date +%s)
  if "$bin" >"$logs/run-$i.log" 2>&1; then passed=$((passed + 1)); r=ok; else r=FAILED; fi
  echo "run $i: $r in $(($(date +%s) - started)) s, load average $(cut -d' ' -f1 /proc/loadavg)$(grep -h 'done at the' "$logs/run-$i.log" | sed 's/^/; /' | tr -d '\n')"
done
echo "passed $passed of $runs (logs in $logs)"
[ "$passed" -eq "$runs" ]
