#!/usr/bin/env bash
# Copies the screenshots of the last test run (target/e2e-screenshots: the UI suite's and
# the desktop tests') into docs/screenshots/, the browser's at half size, as 8-bit PNG, for
# the README.
set -euo pipefail
cd "$(dirname "$0")/.."
src=target/e2e-screenshots
[ -d "$src/browser" ] || { echo "no screenshots yet: run ./scripts/test.sh first" >&2; exit 1; }
rm -rf docs/screenshots/app
mkdir -p docs/screenshots/app
for f in "$src"/browser/[0-9]*.png; do
  convert "$f" -resize 50% -strip PNG8:"docs/screenshots/app/$(basename "$f")"
done
convert "$src/desktop-welcome.png" -crop 400x760+0+0 +repage -strip PNG8:docs/screenshots/desktop-welcome-id.png
rm -rf docs/screenshots/desktop
mkdir -p docs/screenshots/desktop
for f in "$src"/desktop-flow-[0-9]*.png; do
  convert "$f" -strip PNG8:"docs/screenshots/desktop/$(basename "$f" | sed 's/^desktop-flow-//')"
done
echo "docs/screenshots: $(ls docs/screenshots/app | wc -l) app screenshots, $(ls docs/screenshots/desktop | wc -l) of the desktop window"
