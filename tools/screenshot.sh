#!/usr/bin/env bash
# Makes the README's screenshots: starts the window on a virtual X display
# with fresh settings in one layout, waits for it to settle, and grabs the
# screen.
#   tools/screenshot.sh [BUILD_DIR] [LAYOUT] [OUT]
# LAYOUT: step (default; steps to the third token so the heatmap shows a few
# rows, -> resources/screenshots/main.png), compare (the eight bundled models
# -> compare.png) or train (Start pressed on the built-in EN->FR task, grabbed
# 40 s into the run -> training.png) or heads (the step layout with the
# bundled Transformer: its head grid and self-attention -> heads.png) or
# intervene (a session with the bundled Transformer: step 2's attention put on
# "mat" in the last layer, a head switched off, the Intervention dock beside
# -> intervene.png) or speech (the bundled speech model hearing "The cat sat
# on the mat" spoken by espeak-ng — without it the Whisper fixture folder,
# whose random transcript is noise —: the Speech tab's spectrogram with the
# third token's attention, word boxes and transcript -> speech.png) or vision (the bundled scenes captioner on the
# scene of seed 7 — without it the ViT + GPT-2 fixture folder, whose random
# caption is noise — the Vision tab's overlay at the third token, the [CLS]
# share and the caption -> vision.png).
# Needs Xvfb, xdotool and ImageMagick.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
layout=${2:-step}
case $layout in
  step) out=${3:-resources/screenshots/main.png}; wait=5 ;;
  compare) out=${3:-resources/screenshots/compare.png}; wait=12 ;;
  train) out=${3:-resources/screenshots/training.png}; wait=6 ;;
  heads) out=${3:-resources/screenshots/heads.png}; wait=6 ;;
  intervene) out=${3:-resources/screenshots/intervene.png}; wait=8 ;;
  speech) out=${3:-resources/screenshots/speech.png}; wait=10 ;;
  vision) out=${3:-resources/screenshots/vision.png}; wait=10 ;;
  *) echo "screenshot.sh: LAYOUT is step, compare, train, heads, intervene, speech or vision" >&2; exit 2 ;;
esac
model=()
if [ "$layout" = heads ]; then model=(resources/models/transformer.safetensors); layout=step; fi
if [ "$layout" = speech ]; then
  if [ -f resources/models/speech.safetensors ]; then model=(speech --audio tests/data/audio/the-cat-sat-on-the-mat.wav)
  else model=(tests/data/hf/whisper/tiny --audio tests/data/hf/whisper/tiny/audio.wav); fi
  layout=step
fi
if [ "$layout" = vision ]; then
  if [ -f resources/models/scenes.safetensors ]; then model=(scenes --scene 7) # the bundled captioner
  else model=(tests/data/vision/vit-gpt2 --image tests/data/vision/vit-gpt2/picture.png); fi
  layout=step
fi
intervene=false
if [ "$layout" = intervene ]; then intervene=true; layout=step; fi
app="$build/app/alignscope"
[ -x "$app" ] || { echo "screenshot.sh: $app not built" >&2; exit 2; }
for tool in Xvfb import xdotool; do
  command -v $tool >/dev/null || { echo "screenshot.sh: needs Xvfb, xdotool and ImageMagick" >&2; exit 2; }
done

display=:$((90 + RANDOM % 9))
home=$(mktemp -d)
trap 'kill "$app_pid" "$xvfb_pid" 2>/dev/null || true; rm -rf "$home"' EXIT
Xvfb "$display" -screen 0 1440x900x24 >/dev/null 2>&1 &
xvfb_pid=$!
sleep 1
# A throwaway HOME keeps the user's saved layout and sentence out of the picture.
mkdir -p "$home/run" "$home/docs" && chmod 700 "$home/run"
if $intervene; then
  # Edits as a session stores them: 0-based steps, positions, layers and heads, -1 for "every head".
  cat >"$home/intervene.json" <<'JSON'
{"format": "alignscope-session", "version": 1, "model": "transformer", "sentence": "The cat sat on the mat",
 "step": 1, "layout": "step",
 "intervention": {"edits": [{"step": 1, "layer": 1, "head": -1, "position": 5}], "dropped_source": [],
                  "ablated_heads": [{"layer": 0, "head": 2}]}}
JSON
  model=(--session-file "$home/intervene.json") # not --session: Qt takes that one for X session management
fi
HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/run" XDG_DOCUMENTS_DIR="$home/docs" \
  DISPLAY="$display" "$app" --step 3 --layout "$layout" -geometry 1440x900+0+0 "${model[@]}" >/dev/null 2>&1 &
app_pid=$!
sleep "$wait"
if [ "$layout" = train ]; then
  # Start: the button's place in a 1440x900 window (the form's last row of buttons).
  DISPLAY="$display" xdotool mousemove "${START_X:-213}" "${START_Y:-623}" click 1
  sleep 40
fi
if $intervene; then
  # "Which heads matter?": the button's place in a 1440x900 window (the Heads dock's bar).
  DISPLAY="$display" xdotool mousemove "${MATTER_X:-482}" "${MATTER_Y:-578}" click 1
  sleep 4
fi
mkdir -p "$(dirname "$out")"
DISPLAY="$display" import -window root -crop 1440x900+0+0 "$out"
echo "wrote $out"
