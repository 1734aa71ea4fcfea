#!/usr/bin/env bash
# Installs what building and testing IKD needs on a fresh Debian 12 machine (idempotent:
# packages already present are skipped, so a warm machine spends no time here).
set -euo pipefail

packages=(
  # Dioxus desktop renderer (wry / WebKitGTK)
  libwebkit2gtk-4.1-dev libgtk-3-dev libxdo-dev libsoup-3.0-dev pkg-config
  # Desktop app under a virtual display, screenshots and clicks
  xvfb imagemagick xdotool
  # The desktop's OS keystore in tests: a session bus with GNOME Keyring's Secret Service
  dbus-daemon gnome-keyring libsecret-tools
  # The service's tests: PostgreSQL and a real SMTP server
  postgresql python3-aiosmtpd
  # The UI suite: Debian's Chromium driven by playwright-core on node
  chromium
  # Type-checking the Android build (ring's C against glibc's arm64 headers; no NDK here)
  clang llvm libc6-dev-arm64-cross
)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# node and npm: by command, since a machine may have them from another source (NodeSource's
# nodejs bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# playwright-core from the registry, at the locked version (it downloads no browser).
if [ ! -d e2e/node_modules/playwright-core ]; then
  echo "install-deps: npm ci in e2e/"
  (cd "$(dirname "$0")/../e2e" && npm ci --no-audit --no-fund --loglevel=error)
fi

for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done
rustup target list --installed 2>/dev/null | grep -q '^aarch64-linux-android$' \
  || rustup target add aarch64-linux-android
