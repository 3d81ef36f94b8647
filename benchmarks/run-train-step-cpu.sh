#!/usr/bin/env bash
# Reruns the training-step benchmarks recorded in benchmarks/results/train-step-cpu.txt: the DL4J
# model on ND4J (--backend nd4j). Lines from before the command moved to kernel-api lack the
# backend, dtype and model_flops_per_step fields; the rest are the same measurement.
# Usage: benchmarks/run-train-step-cpu.sh >> benchmarks/results/train-step-cpu.txt  (after mvn -DskipTests package)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "# bin/lact bench train-step on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# $(java -version 2>&1 | head -1); $(date -u +%Y-%m-%dT%H:%MZ); commit $(git rev-parse --short HEAD); OMP_NUM_THREADS=${OMP_NUM_THREADS:-1 (bin/lact default)}"
run() { echo "\$ bin/lact bench train-step --backend nd4j $*"; bin/lact bench train-step --backend nd4j "$@"; }
run --preset tiny --length 512
run --preset tiny --length 512
run --preset small --length 2048 --warmup 1 --runs 3
