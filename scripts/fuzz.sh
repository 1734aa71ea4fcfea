#!/usr/bin/env bash
# Runs every fuzz target (fuzz/, cargo fuzz with libFuzzer and AddressSanitizer) for
# SECONDS each (default 60) from a seed corpus of valid inputs, and prints the executions
# and findings per target. CI runs `scripts/fuzz.sh 20` as a smoke test; the long runs
# (README, "Fuzzing") are `scripts/fuzz.sh 1200` and the like.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 7200 base45   # stop at a number of executions
#   FUZZ_SANITIZER=none FUZZ_JOBS=2 scripts/fuzz.sh 3600 csv_import qr_picture
#   FUZZ_SANITIZER=none FUZZ_PROCS=2 FUZZ_RUNS=500000 scripts/fuzz.sh 3600 selfie
#
# A crash leaves its input in fuzz/artifacts/TARGET/ and fails the script; add the input
# as a regression test (crates/*/tests/fuzz_regressions.rs) before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
# cargo fuzz passes -Zsanitizer=address; the machine's one toolchain is stable, whose
# compiler accepts it with RUSTC_BOOTSTRAP (the sanitizer runtime ships with rust-std).
export RUSTC_BOOTSTRAP=1 CARGO_INCREMENTAL=0
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi

# Seeds: valid inputs, written fresh each run (the formats change with the code).
seeds=fuzz/seeds
rm -rf "$seeds"
cargo run -q --locked -p ikd-core --example fuzz_seeds --features fuzzing,scan -- "$seeds"
mkdir -p "$seeds/selfie" "$seeds/csv_import" "$seeds/api_json"
# Selfies at the smallest accepted size (240 px): the face detector's time grows with the
# pixels, and mutation keeps a seed's size. One stored turned with EXIF Orientation 6, as a
# phone held upright stores it; one far too small; one PNG (ImageMagick, install-deps.sh).
face=crates/ikd-server/tests/fixtures/one-face-astronaut.jpg
convert "$face" -resize 240x240 -quality 80 "$seeds/selfie/face-240.jpg"
# APP1 with a big-endian TIFF IFD of one entry, Orientation (0x0112) = 6, after the SOI.
{
  printf '\xff\xd8\xff\xe1\x00\x22Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08'
  printf '\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00'
  convert "$face" -resize 240x240 -rotate 270 -quality 80 jpg:- | tail -c +3
} >"$seeds/selfie/face-240-exif6.jpg"
convert crates/ikd-server/tests/fixtures/two-faces.png -resize 300x300 "$seeds/selfie/two-faces-300.png"
convert -size 16x16 xc:gray50 "$seeds/selfie/tiny.png"
cp crates/ikd-demo/sample/residents.csv "$seeds/csv_import/"
head -2 crates/ikd-demo/sample/residents.csv >"$seeds/csv_import/one-row.csv"
# api_json: the first byte picks the request type (fuzz_targets/api_json.rs).
json_seed() { printf "\\x$(printf %02x "$1")%s" "$2" >"$seeds/api_json/$1"; }
json_seed 0 '{"nik":"3171011708850003","email":"budi@example.id","phone":"0812-3456-7890","consent_version":"2026-01","device_public_key":"BAAA"}'
json_seed 1 '{"registration_id":"abc","code":"123456","captcha_id":"c1","captcha_answer":"x7k2p"}'
json_seed 2 '{"setup_token":"abc","pin":"135790"}'
json_seed 3 '{"nik":"3171011708850003","pin":"135790","challenge_id":"c","device_signature":"AAAA"}'
json_seed 4 '{"old_pin":"135790","new_pin":"246801"}'
json_seed 5 '{"qr":"IKD2:ABC"}'
json_seed 6 '{"username":"petugas1","password":"a-long-password"}'
json_seed 7 '{"qr":"IKDREG1:00112233445566778899aabbccddeeff.00112233445566778899aabbccddeeff"}'
json_seed 8 '{"qr":"IKDREG1:00112233445566778899aabbccddeeff.00112233445566778899aabbccddeeff","approve":true,"reason":null,"physical_ktp_checked":false}'

# FUZZ_CODEGEN_UNITS=16 builds several times faster and runs somewhat slower: the smoke run
# in the test command uses it; long runs keep cargo-fuzz's default of 1.
# FUZZ_SANITIZER=none drops AddressSanitizer: several times more executions for the slow
# targets (pictures, CSV). The code under test is safe Rust, bounds-checked either way;
# ASan adds the checks for unsafe code in dependencies, so the default keeps it.
build=(-O --codegen-units "${FUZZ_CODEGEN_UNITS:-1}" --sanitizer "${FUZZ_SANITIZER:-address}")
cargo fuzz build "${build[@]}"
summary=${FUZZ_SUMMARY:-fuzz/last-run.txt}
: >"$summary"
# FUZZ_JOBS targets at once (default 1): each libFuzzer run is one process on one core, so
# the smoke run in the test command runs two side by side on a 2-core machine.
jobs=${FUZZ_JOBS:-1}
case "$jobs" in
  '' | *[!0-9]* | 0) echo "FUZZ_JOBS must be a positive number, not '$jobs'" >&2; exit 2 ;;
esac
# A run stopped early stops its fuzzers too.
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

# FUZZ_PROCS libFuzzer processes per target (default 1), on one corpus directory: each
# reloads the others' finds every second (libFuzzer's -reload), and their executions add up
# (FUZZ_RUNS is per process). One crashing stops the others.
procs=${FUZZ_PROCS:-1}
case "$procs" in
  '' | *[!0-9]* | 0) echo "FUZZ_PROCS must be a positive number, not '$procs'" >&2; exit 2 ;;
esac

run_target() {
  local t=$1 log max_len runs execs took cov result i e pids=()
  mkdir -p "fuzz/corpus/$t"
  # The picture targets decode pictures of up to the service's own limit.
  max_len=$([ "$t" = selfie ] || [ "$t" = qr_picture ] && echo 200000 || echo 20000)
  runs=()
  if [ -n "${FUZZ_RUNS:-}" ]; then runs=(-runs="$FUZZ_RUNS"); fi
  result=ok
  rm -f "fuzz/last-run-$t.log" fuzz/last-run-"$t".[0-9]*.log
  for ((i = 1; i <= procs; i++)); do
    log="fuzz/last-run-$t.log"
    if ((procs > 1)); then log="fuzz/last-run-$t.$i.log"; fi
    cargo fuzz run "${build[@]}" "$t" "fuzz/corpus/$t" "$seeds/$t" -- "${runs[@]}" \
      -max_total_time="$SECONDS_EACH" -max_len="$max_len" -rss_limit_mb=4096 \
      -timeout=30 -print_final_stats=1 >"$log" 2>&1 &
    pids+=($!)
  done
  local left=("${pids[@]}") ended keep p
  while ((${#left[@]} > 0)); do
    ended=
    if ! wait -n -p ended "${left[@]}"; then
      result=FAILED
      kill "${left[@]}" 2>/dev/null || true
    fi
    [ -n "$ended" ] || break
    keep=()
    for p in "${left[@]}"; do [ "$p" = "$ended" ] || keep+=("$p"); done
    left=("${keep[@]}")
  done
  execs=0 took=0 cov=0
  for log in "fuzz/last-run-$t.log" fuzz/last-run-"$t".[0-9]*.log; do
    [ -f "$log" ] || continue
    e=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    execs=$((execs + e))
    e=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "$SECONDS_EACH")
    if ((e > took)); then took=$e; fi
    e=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
    if ((e > cov)); then cov=$e; fi
  done
  printf '%-16s %-6s executions %-10s coverage(edges) %-6s seconds %s\n' \
    "$t" "$result" "$execs" "$cov" "$took" | tee -a "$summary"
  if [ "$result" = FAILED ]; then
    for log in "fuzz/last-run-$t.log" fuzz/last-run-"$t".[0-9]*.log; do
      [ -f "$log" ] && tail -40 "$log"
    done
    return 1
  fi
}

failed=0
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
exit $failed
