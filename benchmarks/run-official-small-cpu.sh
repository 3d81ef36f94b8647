#!/usr/bin/env bash
# The interoperability issue's speed check: a training step of the official small benchmark model
# (fixtures/lact-model/bench-cpu-small.config.json: hidden 256, 4 layers, 3.8 M parameters) at
# length 2048, batch 1, float32, read from the official config.json, on the DL4J model (--backend
# nd4j). The official PyTorch model takes 5.1 s per step on the same 2-core build machine (eager,
# plain-torch masked attention).
# Usage: benchmarks/run-official-small-cpu.sh >> benchmarks/results/official-small-cpu.txt  (after mvn -DskipTests package)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "# bin/lact bench train-step, official config, on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# $(java -version 2>&1 | head -1); $(date -u +%Y-%m-%dT%H:%MZ); commit $(git rev-parse --short HEAD); OMP_NUM_THREADS=${OMP_NUM_THREADS:-1 (bin/lact default)}"
for i in 1 2 3; do
  echo "\$ bin/lact bench train-step --backend nd4j --model-config fixtures/lact-model/bench-cpu-small.config.json --length 2048 --warmup 2 --steps 5"
  bin/lact bench train-step --backend nd4j --model-config fixtures/lact-model/bench-cpu-small.config.json --length 2048 --warmup 2 --steps 5
done
