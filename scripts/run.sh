#!/usr/bin/env bash
# Builds and starts the IKD app (desktop window). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display found; starting a virtual one (Xvfb :99). Screenshot it with: DISPLAY=:99 import -window root ikd.png"
  Xvfb :99 -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
  export DISPLAY=:99
  sleep 1
fi
exec cargo run --release --locked -p ikd "$@"
