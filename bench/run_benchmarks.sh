#!/usr/bin/env bash
# Measures AlignScope against PyTorch eager on the same weights, sentence and
# training pairs, interleaving the two in rounds so machine noise hits both;
# prints JSON lines (read the medians into BENCHMARKS.md).
# Needs Debian's python3-torch and libopenblas0-pthread for the baseline.
# Usage: bench/run_benchmarks.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-3}
cli="$build/app/alignscope-cli"
model=resources/models/additive.safetensors
sentence="the small cat sees the red house near the river"
tsv=$(mktemp --suffix=.tsv)
trap 'rm -f "$tsv"' EXIT
# OpenBLAS at its best: these two variables halve its speed on this host.
torch() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/pytorch_reference.py "$@"; }

"$cli" bench --json --section scoring --repeat 9
"$cli" bench --json --section compare --repeat 9
for i in $(seq "$rounds"); do
  echo "# round $i"
  "$cli" bench --json --section decode --model "$model" --repeat 51 --sentence "$sentence"
  torch decode --model "$model" --threads 1 --sentence "$sentence" --runs 51
  "$cli" bench --json --section train --model "$model" --train-pairs 2000 --dump-tsv "$tsv"
  for t in 1 2; do torch train --model "$model" --threads "$t" --tsv "$tsv" --batch 32 --steps 30; done
done
