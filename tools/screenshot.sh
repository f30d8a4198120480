#!/usr/bin/env bash
# Makes resources/screenshots/main.png: starts the window on a virtual X
# display with fresh settings, waits for the seed sentence to decode, steps
# to the third token so the heatmap shows a few rows, and grabs the screen.
# Usage: tools/screenshot.sh [BUILD_DIR]   (needs Xvfb and ImageMagick's import)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
app="$build/app/alignscope"
out=resources/screenshots/main.png
[ -x "$app" ] || { echo "screenshot.sh: $app not built" >&2; exit 2; }
command -v Xvfb >/dev/null && command -v import >/dev/null || { echo "screenshot.sh: needs Xvfb and ImageMagick" >&2; exit 2; }

display=:$((90 + RANDOM % 9))
home=$(mktemp -d)
trap 'kill "$app_pid" "$xvfb_pid" 2>/dev/null || true; rm -rf "$home"' EXIT
Xvfb "$display" -screen 0 1440x900x24 >/dev/null 2>&1 &
xvfb_pid=$!
sleep 1
# A throwaway HOME keeps the user's saved layout and sentence out of the picture.
mkdir -p "$home/run" && chmod 700 "$home/run"
HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/run" DISPLAY="$display" \
  "$app" --step 3 -geometry 1440x900+0+0 >/dev/null 2>&1 &
app_pid=$!
sleep 5
mkdir -p "$(dirname "$out")"
DISPLAY="$display" import -window root -crop 1440x900+0+0 "$out"
echo "wrote $out"
