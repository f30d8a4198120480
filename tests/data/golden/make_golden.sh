#!/usr/bin/env bash
# Regenerates the golden decode traces of the bundled models: what
# `translate --json` (greedy and beam) and the CSV / Pharaoh / Nematus
# exports print for a few sentences. testgolden decodes them again and
# requires every field here to be unchanged (new fields may be added).
#   tests/data/golden/make_golden.sh build/app/alignscope-cli
set -euo pipefail
cli=${1:?usage: make_golden.sh path/to/alignscope-cli}
here=$(cd "$(dirname "$0")" && pwd)
models=(additive concat dot general local-p location scaled-dot)
sentences=("The cat sat on the mat" "the zebras quickly saw a small dog near the river")
for m in "${models[@]}"; do
  i=0
  for s in "${sentences[@]}"; do
    "$cli" translate --model "$m" --json "$s" > "$here/$m.$i.greedy.json"
    "$cli" translate --model "$m" --beam 3 --json "$s" > "$here/$m.$i.beam3.json"
    for f in csv pharaoh nematus; do
      "$cli" export --model "$m" --format "$f" --out "$here/$m.$i.$f" "$s" >/dev/null
    done
    i=$((i + 1))
  done
done
