#!/usr/bin/env bash
# Render every page of a report in headless Chromium and save full-page screenshots,
# to check by eye that figures are not cut off and tables read well (issue #6).
#   apt-get install chromium   # Debian package; once per machine
#   scripts/screenshots.sh reports /tmp/shots
set -euo pipefail
report=${1:-reports}
shots=${2:-/tmp/report-shots}
mkdir -p "$shots"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "error: chromium not found; apt-get install chromium" >&2; exit 2; }
for page in "$report"/*.html; do
  name=$(basename "$page" .html)
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d)" --hide-scrollbars --window-size=1280,6000 \
    --screenshot="$shots/$name.png" "file://$(realpath "$page")" >/dev/null 2>&1
  echo "$shots/$name.png"
done
