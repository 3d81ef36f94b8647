#!/usr/bin/env bash
# Throughput of the whole prepare job (bin/lact prepare, everything included: Spark start-up,
# listing, reading, tokenising, the shuffle, packing, writing shards and the manifest) on a corpus
# of COPIES copies of the bundled Dickens text (1.2 MB each, read as paragraphs), with the byte
# tokenizer and L = 2048, on 1 core/partition (local[1]) and 2 (local[2]), alternating ROUNDS
# times. Prints a header and one JSON line per run (bin/lact prepare --json).
# SHARD_MIB (default 64, the job's default) sets the shard size: the last stage writes one shard
# per task, so with one big shard it runs on one core whatever the partitions.
# Usage: benchmarks/run-prepare-cpu.sh [COPIES] [ROUNDS] [SHARD_MIB] >> benchmarks/results/prepare-cpu.txt
# Build first: mvn -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/.."
copies="${1:-40}"
rounds="${2:-2}"
shard_mib="${3:-64}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
for i in $(seq -w 1 "$copies"); do cp driver/target/corpus/dickens.txt "$work/in/dickens-$i.txt"; done
mb=$(du -sm "$work/in" | cut -f1)
echo "# prepare on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%dT%H:%MZ); commit $(git rev-parse --short HEAD); ${copies} files, ${mb} MB, paragraphs, byte tokenizer, L=2048, shardMiB=${shard_mib}"
for r in $(seq 1 "$rounds"); do
  for p in 1 2; do
    printf '{"round":%d,"partitions":%d,"master":"local[%d]",' "$r" "$p" "$p"
    bin/lact prepare --input "$work/in" --format paragraphs --out "$work/out" --overwrite --master "local[$p]" \
      --partitions "$p" --set "shardMiB=$shard_mib" --json --progress-seconds 1000 2>/dev/null | tail -1 | sed 's/^{//'
  done
done
