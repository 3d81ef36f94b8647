#!/usr/bin/env bash
# The key-value recall experiment (issue 4's learning claim in miniature): the tiny model trained with
# the TTT branch on and off, fixed seeds; prints one JSON line per run. Settings are the defaults of
# KeyValueRecallExperiment, overridable as arguments, e.g. lact.recall.steps=3000 lact.recall.pairs=2.
# Usage: benchmarks/run-kv-recall.sh [key=value ...] >> benchmarks/results/kv-recall.txt
set -euo pipefail
cd "$(dirname "$0")/.."
props=()
for kv in "$@"; do props+=("-D$kv"); done
echo "# kv-recall on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%dT%H:%MZ); commit $(git rev-parse --short HEAD); overrides: ${*:-none}"
mvn -q -B -pl executor-kernels/lact-model -am install -DskipTests >/dev/null
mvn -B -pl executor-kernels/lact-model test -Dtest=KeyValueRecallExperiment -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest.excludedGroups=none "-Dtest.argLine=-Xmx3g ${props[*]:-}" 2>&1 | sed -n 's/.*RESULT //p'
