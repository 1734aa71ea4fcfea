#!/usr/bin/env bash
# Installs the API fuzz run's Python tools (requirements.txt: schemathesis and what the
# hooks use, pinned) into their own venv, IKD_APIFUZZ_VENV (default target/apifuzz-venv).
# Does nothing when the venv already has exactly these versions.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${IKD_APIFUZZ_VENV:-$here/../../target/apifuzz-venv}"
stamp="$venv/.ikd-requirements"
if ! cmp -s "$here/requirements.txt" "$stamp" 2>/dev/null; then
  echo "install-deps: $(grep -v '^#' "$here/requirements.txt" | tr '\n' ' ')into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$stamp"
fi
