#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs this
# executor's host has, as Spark expects: {"name": "gpu", "addresses": ["0", "1", ...]}.
# When CUDA_VISIBLE_DEVICES is set, the executor's CUDA sees only those devices, renumbered from 0:
# the script then lists 0..n-1, the numbers a task must bind to.
set -euo pipefail
if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
  n=$(echo "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | grep -c .)
  ids=$(seq 0 $((n - 1)))
else
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null || true)
fi
printf '{"name": "gpu", "addresses": ['
first=1
for id in $ids; do
  if [ $first -eq 0 ]; then printf ', '; fi
  printf '"%s"' "$(echo "$id" | xargs)"
  first=0
done
printf ']}\n'
