#!/usr/bin/env bash
# Evaluation's cost per token against a training forward pass, for the small preset at L = 2048:
# alternating ROUNDS times (the build machine's speed drifts by 20-100% from minute to minute, so
# only numbers taken side by side compare),
#   1. bin/lact bench train-step --backend nd4j: forward_train_ms (the forward of a training step) and
#      forward_eval_ms (the inference forward with the mask, as the eval job calls it), one JVM;
#   2. bin/lact eval on one worker over SEQS validation sequences: the forward passes' tokens per
#      second as the job measured them inside its Spark tasks (ms per 2048-token sequence), and the
#      job's wall time for the model (parameters read and broadcast, data read, scoring, report).
# Needs a checkpoint in lact-work/runs/small and the bundled dataset (the README's main command).
# Usage: benchmarks/run-eval-cpu.sh [ROUNDS] [SEQS] >> benchmarks/results/eval-cpu.txt
# Build first: mvn -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-2}"
seqs="${2:-16}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "# eval vs training forward on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%dT%H:%MZ); commit $(git rev-parse --short HEAD); small, L=2048, ${seqs} validation sequences, workers=1"
for r in $(seq 1 "$rounds"); do
  bin/lact bench train-step --backend nd4j --preset small --length 2048 --runs 3 --warmup 1 | python3 -c "
import json, sys
j = json.loads(sys.stdin.read())
print(json.dumps({'round': $r, 'what': 'bench', 'forward_train_ms': j['forward_train_ms'], 'forward_eval_ms': j['forward_eval_ms'], 'step_ms': j['step_ms']}))"
  bin/lact eval --set workers=1 --set "maxSequences=$seqs" --out "$out" --json 2>/dev/null | tail -1 | python3 -c "
import json, sys
t = json.loads(sys.stdin.read())['models'][0]['timing']
print(json.dumps({'round': $r, 'what': 'eval', 'forward_ms_per_sequence': round(2048 / t['tokensPerSecond'] * 1000, 1), 'tokens_per_s': round(t['tokensPerSecond']), 'wall_s': round(t['seconds'], 1)}))"
done
