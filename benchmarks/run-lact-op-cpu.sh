#!/usr/bin/env bash
# Reruns the CPU benchmarks of the LaCT op recorded in benchmarks/results/lact-op-cpu.txt.
# Usage: benchmarks/run-lact-op-cpu.sh >> benchmarks/results/lact-op-cpu.txt  (after mvn -DskipTests package)
# The results file keeps every recorded run, newest last.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "# bin/lact bench lact-op on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# $(java -version 2>&1 | head -1); $(date -u +%Y-%m-%dT%H:%MZ); commit $(git rev-parse --short HEAD)"
echo "# each line: one invocation (median of --runs timed runs after --warmup); the issue's shape is the default"
run() { echo "\$ bin/lact bench lact-op $*"; bin/lact bench lact-op "$@"; }
for i in 1 2 3; do run; done
run --no-muon
run --no-muon --no-momentum
run --prenorm
run --dtype float64
run --backend reference --dtype float64 --length 1024 --chunk 256 --runs 2 --warmup 1
run --d-in 384 --d-h 384 --length 8192 --chunk 2048 --runs 2 --warmup 1
