#!/usr/bin/env bash
# The long crash-consistency run (issue 16): the real `ikd-server serve` killed with SIGKILL
# KILLS times per backend (default 200), at random moments of every step that writes, on
# SQLite and on PostgreSQL; after each kill the service restarts on the same data and the
# invariants are checked (crates/ikd-server/tests/it/crash.rs). The test command runs the
# same tests with a few kills each.
#
#   scripts/crash.sh [KILLS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0
IKD_TEST_POSTGRES_URL=$(./scripts/start-postgres.sh)
export IKD_TEST_POSTGRES_URL
export IKD_CRASH_KILLS=${1:-200} IKD_CRASH_SEED=${2:-1}
start=$(date +%s)
cargo test -p ikd-server --locked --test it crash:: -- --test-threads 1 --nocapture 2>&1 |
  grep -E '^(Sqlite|Postgres): |^test |test result|panicked|assert' 
echo "crash.sh: $IKD_CRASH_KILLS kills per backend, seed $IKD_CRASH_SEED, $(( $(date +%s) - start )) s"
