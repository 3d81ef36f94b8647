#!/usr/bin/env bash
# On the GPU host, from the repository root: builds the fused sliding-window attention's self-test
# (src/main/native/flash_attn.cu + src/test/native/flash_selftest.cu; no cuBLAS, no Java) into /tmp
# and runs it: correctness against a float64 reference on many shapes and key masks, then timings at
# B=1, L=32768, H=24, W=2048, D=64 and 128. Exit status nonzero if any check failed.
#   executor-kernels/kernel-cuda/gpu/flash-selftest.sh            # checks, then timings
#   executor-kernels/kernel-cuda/gpu/flash-selftest.sh --quick    # checks only (also --bench, --small, --one)
# Environment: LACT_CUDA_ARCHS overrides the targets (default: sm_80 and sm_90); OUT, if set, gets a copy
# of the output (flash-selftest.txt).
set -euo pipefail
root="$(pwd)"
src="$root/executor-kernels/kernel-cuda/src/main/native"
test="$root/executor-kernels/kernel-cuda/src/test/native/flash_selftest.cu"
if [ ! -f "$test" ]; then
  echo "flash-selftest.sh: run it from the repository root ($test not found)" >&2
  exit 2
fi
archs="${LACT_CUDA_ARCHS:--gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=sm_90}"
# shellcheck disable=SC2086
nvcc -std=c++17 -O3 --threads 0 $archs -I"$src" -o /tmp/flash-selftest "$test" "$src/flash_attn.cu"
out="${OUT:-/tmp}"
/tmp/flash-selftest "$@" 2>&1 | tee "$out/flash-selftest.txt"
