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
# The workspace pass lints the app with its browser renderer too (ikd-demo turns `web` on).
cargo clippy --workspace --all-targets --locked -- -D warnings

# The UI suite (in ikd-demo's tests) and the desktop smoke test (in the app's) run with the
# others: the suite drives Chromium, the smoke test a WebKitGTK window under Xvfb.
echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  # nextest does not run doctests
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked --no-fail-fast
fi

echo "== all checks passed"
