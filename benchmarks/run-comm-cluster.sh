#!/usr/bin/env bash
# Communication overhead of the train job on a loopback standalone cluster (a Master and two
# Workers of one core each, started here without a Spark distribution: stack-notes.md), through
# the job's own path (bin/lact bench comm: broadcast, one task per worker, chunked sum through the
# shuffle, collection), for parameter vectors of several sizes and averaging every K steps; then 6
# steps of the small preset to split real steps into compute and communication (metrics.jsonl).
# Usage: benchmarks/run-comm-cluster.sh >> benchmarks/results/comm-cluster.txt   (build first)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
mkdir -p "$work/home"
ln -s "$root/driver/target/lib" "$work/home/jars"
opens=$(grep -o -- '--add-opens=[^ ]*' "$root/bin/lact" | tr '\n' ' ')
export SPARK_HOME="$work/home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
# shellcheck disable=SC2086
java $opens -cp "$work/home/jars/*" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7177 \
  --webui-port 8190 > "$work/master.log" 2>&1 & pids+=($!)
sleep 4
for w in 1 2; do
  # shellcheck disable=SC2086
  java $opens -cp "$work/home/jars/*" org.apache.spark.deploy.worker.Worker spark://127.0.0.1:7177 --cores 1 \
    --memory 3g --webui-port "819$w" --work-dir "$work/w$w" > "$work/worker$w.log" 2>&1 & pids+=($!)
done
sleep 8
echo "# comm on a loopback standalone cluster (2 workers x 1 core), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD)"
for n in 3818280 16000000 64000000; do
  LACT_JAVA_OPTS="-Xmx12g -Dspark.executor.memory=2500m" "$root/bin/lact" bench comm \
    --master spark://127.0.0.1:7177 --params "$n" --steps 3 --average-every 1,4,16 2>/dev/null | grep '^{'
done
"$root/bin/lact" prepare --out "$work/ds" >/dev/null 2>&1
LACT_JAVA_OPTS="-Dspark.executor.memory=2500m" "$root/bin/lact" train --master spark://127.0.0.1:7177 --model small \
  --steps 6 --set batchTokens=4096 --set warmupSteps=1 --set validateEvery=0 --set validationSequences=2 \
  --dataset "$work/ds" --run-dir "$work/run" >/dev/null 2>&1
echo "# small preset, 4096 tokens/step, 2 workers: per step seconds, compute (slowest worker), communication"
grep '"loss"' "$work/run/metrics.jsonl" | sed 's/"lr".*"seconds"/"seconds"/'
