#!/usr/bin/env bash
# Writes the cross-backend golden cases of the whole model (issue 10) with this machine's ND4J model
# (bin/lact model golden, float64 values and float32 tolerances measured on ND4J) into
# target/gpu-bundle/model-cases/, where gpu/gpu-check.sh's `model` step checks the native CUDA
# model against them on the GPU host. Needs the full build (mvn -DskipTests package) and the bundle
# (gpu/build-bundle.sh, which empties target/gpu-bundle: run this after it).
# Cases: the tiny preset as it trains; its documents with and without document restart (packing,
# padding, the mask); and one-layer variants that between them flip every switch of the model.
set -euo pipefail
root="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
out="$root/target/gpu-bundle/model-cases"
[ -d "$root/target/gpu-bundle" ] || { echo "write-model-cases: build the bundle first (gpu/build-bundle.sh)" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"
lact="$root/bin/lact"
"$lact" model golden --preset tiny --out "$out/tiny" --batch 2 --length 160 --seed 7
"$lact" model golden --preset tiny --out "$out/tiny-documents" --batch 2 --length 128 --seed 11 --documents
"$lact" model golden --preset tiny --set documentRestart=true --set padTokenId=0 --out "$out/tiny-restart" \
  --batch 3 --length 96 --seed 13 --documents
"$lact" model golden --preset tiny --set numLayers=1 --set attnQkNorm=true --set tttPrenorm=true --set lowRank=0 \
  --set tieWordEmbeddings=true --set noVSilu=true --out "$out/variant-qknorm-prenorm-fullrank-tied" \
  --batch 2 --length 96 --seed 17
"$lact" model golden --preset tiny --set numLayers=1 --set tttNope=true --set learnableTttScale=false \
  --set useMomentum=false --set useMuon=false --set qkvSilu=false --set interMulti=2 --set windowSize=24 \
  --set chunkSize=32 --out "$out/variant-nope-plain-wide-window24" --batch 2 --length 100 --seed 19
"$lact" model golden --preset tiny --set numLayers=1 --set tttEnabled=false --out "$out/variant-ttt-off" \
  --batch 2 --length 80 --seed 23
cp "$root/fixtures/lact-model/README.md" "$out/README.md"
du -sh "$out"
