#!/usr/bin/env bash
# On the GPU host, from the repository root: builds the native self-test (the library's sources
# plus src/test/native/selftest.cpp, linked against the host's cuBLAS headers' CUDA) and runs it on
# every fixtures/lact-op case, then (with --bench) the device timings. A developer's loop for the
# native code without Java; the Java conformance suite (gpu-check.sh) is the real check.
set -euo pipefail
root="$(pwd)"
src="$root/executor-kernels/kernel-cuda/src/main/native"
out="${OUT:-/tmp}"
nvcc -std=c++17 -O3 -gencode=arch=compute_90,code=sm_90 -I"$src" -o /tmp/lact-selftest \
  "$root/executor-kernels/kernel-cuda/src/test/native/selftest.cpp" "$src/runtime.cu" "$src/op.cu" -ldl
/tmp/lact-selftest "$root"/fixtures/lact-op/*/ "$@" 2>&1 | tee "$out/native-selftest.txt"
