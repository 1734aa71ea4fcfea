#!/usr/bin/env bash
# API fuzz run: schemathesis (--checks all) against the OpenAPI document of a fresh IKD
# service, authenticated as an officer, as a citizen and with a registration's secret.
#
#   scripts/apifuzz/run.sh [extra schemathesis options…]
#
# Starts the service on a new temporary data directory (the sample residents and a second
# family, scripts/apifuzz/residents.csv, imported; one
# officer added) on 127.0.0.1 and a free port, with IKD_TEST_HOOKS=1 so onboard.py can read
# the captcha answer; onboard.py onboards citizens over HTTP and prints their credentials;
# hooks.py hands each operation the right bearer. Stops the service at the end and exits
# with schemathesis's status (0: no failure).
#
# Environment:
#   IKD_SERVER_BIN            the service binary, built with the `test-hooks` feature
#                             (default target/debug/ikd-server)
#   IKD_APIFUZZ_VENV          the Python venv for schemathesis (default target/apifuzz-venv;
#                             created from requirements.txt when missing or out of date)
#   IKD_APIFUZZ_MAX_EXAMPLES  test cases per operation and phase (default 500: 160-210 s here)
#   IKD_APIFUZZ_SEED          Hypothesis seed (default 1, so runs are comparable)
#   IKD_APIFUZZ_WORKERS       schemathesis workers (default 1; the machine has 2 cores)
#   IKD_APIFUZZ_OUT           where the reports and logs go (default: a new /tmp folder)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

bin="${IKD_SERVER_BIN:-target/debug/ikd-server}"
venv="${IKD_APIFUZZ_VENV:-$repo/target/apifuzz-venv}"
export IKD_APIFUZZ_VENV="$venv"
max_examples="${IKD_APIFUZZ_MAX_EXAMPLES:-500}"
seed="${IKD_APIFUZZ_SEED:-1}"
workers="${IKD_APIFUZZ_WORKERS:-1}"
officer="petugas.fuzz"
password="kata-sandi-petugas-1"

[ -x "$bin" ] || { echo "run.sh: no service binary at $bin (set IKD_SERVER_BIN; it needs the test-hooks feature)" >&2; exit 2; }

# --- Python tools, pinned (install-deps.sh installs them; this keeps a bare run working) --
"$here/install.sh"
py="$venv/bin/python"
st="$venv/bin/schemathesis"

# --- the service ----------------------------------------------------------------------
work="$(mktemp -d /tmp/ikd-apifuzz.XXXXXX)"
out="${IKD_APIFUZZ_OUT:-$work/out}"
mkdir -p "$out"
data="$work/data"
port="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

# Budi's registry photo is the sample's; the second family has it too (fictional residents:
# the registrations left open for the fuzzer are approved without the physical-KTP-el tick).
photos="$work/photos"
mkdir -p "$photos"
for nik in 3171011708850003 3171012004900005 3171016107920006 3171010101950007 3171010202960008; do
  cp crates/ikd-demo/sample/photos/3171011708850003.png "$photos/$nik.png"
done
"$bin" import --csv scripts/apifuzz/residents.csv --photos "$photos" \
  --data-dir "$data" >"$out/import.log" 2>&1
printf '%s\n' "$password" | "$bin" officer add "$officer" --data-dir "$data" >"$out/officer.log" 2>&1

IKD_TEST_HOOKS=1 RUST_LOG="${RUST_LOG:-info}" "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" \
  >"$out/server.log" 2>&1 &
server=$!
stop() {
  if kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  # The database and the outbox go; the reports and logs in $out stay.
  rm -rf "$data"
}
trap stop EXIT

for _ in $(seq 1 150); do
  if "$py" -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('$base/healthz', timeout=1).status != 200)" 2>/dev/null; then
    break
  fi
  kill -0 "$server" 2>/dev/null || { echo "run.sh: the service exited; see $out/server.log" >&2; tail -20 "$out/server.log" >&2; exit 2; }
  sleep 0.2
done
echo "== service on $base (data $data, log $out/server.log)"

# --- onboarding -----------------------------------------------------------------------
"$py" "$here/onboard.py" --base-url "$base" --data-dir "$data" --officer "$officer" --password "$password" \
  >"$out/onboard.json"
echo "== onboarded: $("$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); print("citizen", d["nik"], "spare", d["spare_nik"], "pending registration", d["registration_id"])' "$out/onboard.json")"
# IKD_FUZZ_<KEY>=value for every key of onboard.py's output, for hooks.py.
eval "$("$py" -c '
import json, shlex, sys
for k, v in json.load(open(sys.argv[1])).items():
    print(f"export IKD_FUZZ_{k.upper()}={shlex.quote(str(v))}")
' "$out/onboard.json")"
export IKD_FUZZ_BASE_URL="$base"

# --- schemathesis ---------------------------------------------------------------------
export SCHEMATHESIS_HOOKS="$here/hooks.py"
started=$(date +%s)
set +e
(cd "$out" && "$st" --no-color --config-file "$here/schemathesis.toml" run "$base/api/openapi.json" \
  --url "$base" \
  --checks all \
  --max-examples "$max_examples" \
  --seed "$seed" \
  --workers "$workers" \
  --generation-database none \
  --request-timeout 30 \
  --continue-on-failure \
  --output-sanitize false \
  --report junit,har,ndjson \
  --report-dir "$out" \
  "$@") 2>&1 | tee "$out/schemathesis.log"
status=${PIPESTATUS[0]}
set -e
echo "== schemathesis exited $status after $(( $(date +%s) - started )) s; reports in $out"

# Status codes per operation (from the HAR): where 401/404/429 dominate, the run did not
# reach the logic.
"$py" - "$out" <<'EOF' || true
import collections, glob, json, sys, urllib.parse
har = sorted(glob.glob(f"{sys.argv[1]}/har-*.json"))
if har:
    seen = collections.defaultdict(collections.Counter)
    for entry in json.load(open(har[-1]))["log"]["entries"]:
        path = urllib.parse.urlsplit(entry["request"]["url"]).path
        seen[f'{entry["request"]["method"]} {path}'][entry["response"]["status"]] += 1
    grouped = collections.defaultdict(collections.Counter)
    for label, counts in seen.items():
        method, path = label.split(" ", 1)
        parts = path.split("/")
        # Fold the generated path parameters into one line per operation.
        if path.startswith("/api/v1/registrations/") and len(parts) > 4:
            path = "/api/v1/registrations/{id}" + ("/selfie" if path.endswith("/selfie") else "")
        elif path.startswith("/api/v1/officer/accounts/"):
            path = "/api/v1/officer/accounts/{nik}/" + parts[-1]
        grouped[f"{method} {path}"].update(counts)
    print("== responses per operation (status: count)")
    for label in sorted(grouped):
        print(f"   {label:55s} " + "  ".join(f"{s}:{n}" for s, n in sorted(grouped[label].items())))
EOF
if grep -q '"level":"ERROR"\|panicked' "$out/server.log"; then
  echo "== the service logged errors:"
  grep '"level":"ERROR"\|panicked' "$out/server.log" | head -20
fi
exit "$status"
