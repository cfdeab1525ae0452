#!/usr/bin/env bash
# Render every page of a report in headless Chromium and save whole-page screenshots,
# to check by eye that figures are not cut off and tables read well (issue #6).
#   apt-get install chromium   # Debian package; once per machine
#   scripts/screenshots.sh reports /tmp/shots
# Each page is measured first (its scroll height after loading, read back with
# --dump-dom from a probe copy in a temporary folder), then captured in a window that tall, so long pages are
# not cut at a fixed height.
set -euo pipefail
report=${1:-reports}
shots=${2:-/tmp/report-shots}
width=${WIDTH:-1280}
mkdir -p "$shots"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "error: chromium not found; apt-get install chromium" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chrome() {
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --hide-scrollbars --virtual-time-budget=10000 "$@" 2>/dev/null
}
probe='<script>addEventListener("load",()=>{document.body.setAttribute("data-page-height",Math.ceil(document.documentElement.scrollHeight))})</script>'
for page in "$report"/*.html; do
  name=$(basename "$page" .html)
  # pages are self-contained (images and styles embedded), so a copy lays out the same
  copy="$tmp/$name.html"
  { cat "$page"; printf '%s\n' "$probe"; } >"$copy"
  height=$(chrome --window-size="$width,1000" --dump-dom "file://$(realpath "$copy")" \
    | grep -o 'data-page-height="[0-9]*"' | grep -o '[0-9]*' | head -1 || true)
  rm -f "$copy"
  height=${height:-6000}
  chrome --window-size="$width,$((height + 20))" --screenshot="$shots/$name.png" \
    "file://$(realpath "$page")" >/dev/null
  echo "$shots/$name.png (${width}x$((height + 20)))"
done
