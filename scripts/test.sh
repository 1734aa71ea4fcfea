#!/usr/bin/env bash
# The project's test command (README, CI): installs what it needs, then formatting, lints
# and every test of the workspace, in one shared target directory.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
# The PostgreSQL run of the service tests is not optional: start the server here.
IKD_TEST_POSTGRES_URL=$(./scripts/start-postgres.sh)
case "$IKD_TEST_POSTGRES_URL" in
  postgres://*) ;;
  *) echo "start-postgres.sh did not print a PostgreSQL URL: '$IKD_TEST_POSTGRES_URL'" >&2; exit 1 ;;
esac
export IKD_TEST_POSTGRES_URL

echo "== cargo fmt --check"
cargo fmt --all --check

echo "== cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The browser renderer of the app (feature `web`) is not a default feature: lint it too.
cargo clippy -p ikd --features web --all-targets --locked -- -D warnings

echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  # nextest does not run doctests
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked --no-fail-fast
fi

echo "== all checks passed"
