#!/usr/bin/env bash
# The project's test command (README, CI): installs what it needs, then formatting, lints
# and every test of the workspace, in one shared target directory.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase prints the seconds the one before it took, so a slow CI run says where.
phase_start=
phase() {
  [ -z "$phase_start" ] || echo "   (took $((SECONDS - phase_start)) s; $((SECONDS / 60)) min in all)"
  phase_start=$SECONDS
  echo "== $*"
}

phase "install what is missing"
./scripts/install-deps.sh
# One build per run: incremental state would only cost time and disk (gigabytes here).
export CARGO_INCREMENTAL=0
# The PostgreSQL run of the service tests is not optional: start the server here.
IKD_TEST_POSTGRES_URL=$(./scripts/start-postgres.sh)
case "$IKD_TEST_POSTGRES_URL" in
  postgres://*) ;;
  *) echo "start-postgres.sh did not print a PostgreSQL URL: '$IKD_TEST_POSTGRES_URL'" >&2; exit 1 ;;
esac
export IKD_TEST_POSTGRES_URL

phase "cargo fmt --check"
cargo fmt --all --check

phase "cargo clippy --all-targets -D warnings"
# The workspace pass lints the app with its browser renderer too (ikd-demo turns `web` on).
cargo clippy --workspace --all-targets --locked -- -D warnings

phase "the app's Android build type-checks (aarch64-linux-android, feature mobile)"
# No NDK can be had on these machines (see ../shared/PLATFORM.md): ring's C is compiled
# with clang against glibc's arm64 headers, so this is a type-check, not a build.
CC_aarch64_linux_android=clang AR_aarch64_linux_android=llvm-ar \
  CFLAGS_aarch64_linux_android="--target=aarch64-linux-android --sysroot=/nonexistent -isystem /usr/aarch64-linux-gnu/include" \
  cargo check -p ikd --no-default-features --features mobile --target aarch64-linux-android --locked

# The UI suite (in ikd-demo's tests) and the desktop smoke test (in the app's) run with the
# others: the suite drives Chromium, the smoke test a WebKitGTK window under Xvfb.
phase "tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  # nextest does not run doctests
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked --no-fail-fast
fi

phase "API fuzzing: schemathesis with every check, as officer, citizen and registration"
# The service as the tests built it, with the feature test-hooks (the captcha answer for
# onboard.py; ikd-demo turns it on in the workspace build). This is a no-op after the test
# phase: `cargo build -p ikd-server --features test-hooks` would resolve features anew and
# rebuild 135 crates (2 minutes).
cargo test --workspace --locked --no-run
IKD_APIFUZZ_MAX_EXAMPLES=${IKD_APIFUZZ_MAX_EXAMPLES:-150} ./scripts/apifuzz/run.sh

phase "fuzz targets, 20 s each, two at a time (the long runs: scripts/fuzz.sh 1200, README)"
# The smoke build trades speed of execution for speed of building (10.7 of 36.6 minutes
# here with opt-level 3 and line tables): opt-level 1, no debug info. The long runs
# (scripts/fuzz.sh alone) keep fuzz/Cargo.toml's profile.
CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0 FUZZ_CODEGEN_UNITS=16 FUZZ_JOBS=2 \
  ./scripts/fuzz.sh 20

phase "all checks passed"
