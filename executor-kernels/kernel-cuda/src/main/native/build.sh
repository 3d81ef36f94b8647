#!/usr/bin/env bash
# Builds liblactcuda.so (the native CUDA backend) into OUT_DIR.
#   bash build.sh OUT_DIR
# Needs nvcc (CUDA 12 or 13; CUDA_HOME or PATH) and a JDK's JNI headers (JAVA_HOME, else the javac
# on PATH). cuBLAS is not needed here: the library loads it at run time (cublas_dyn.h). Without
# nvcc it prints one line and exits 0, so the rest of the build goes on without the native part.
# Environment: LACT_CUDA_ARCHS overrides the targets (default: sm_80, sm_90 and compute_90 PTX).
set -euo pipefail

out="${1:?usage: build.sh OUT_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

nvcc_bin=""
if [ -n "${CUDA_HOME:-}" ] && [ -x "$CUDA_HOME/bin/nvcc" ]; then
  nvcc_bin="$CUDA_HOME/bin/nvcc"
elif command -v nvcc >/dev/null 2>&1; then
  nvcc_bin="$(command -v nvcc)"
fi
if [ -z "$nvcc_bin" ]; then
  echo "kernel-cuda: nvcc not found (set CUDA_HOME or put nvcc on PATH): skipping the native CUDA library; the cuda backend will report itself unavailable"
  exit 0
fi

java_home="${JAVA_HOME:-}"
if [ -z "$java_home" ] && command -v javac >/dev/null 2>&1; then
  java_home="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
fi
if [ -z "$java_home" ] || [ ! -f "$java_home/include/jni.h" ]; then
  echo "kernel-cuda: no JNI headers (jni.h) under JAVA_HOME='${java_home}'; set JAVA_HOME to a JDK" >&2
  exit 1
fi

archs="${LACT_CUDA_ARCHS:--gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=[sm_90,compute_90]}"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

common=(-std=c++17 -O3 -Xcompiler -fPIC -Xcompiler -fvisibility=hidden -I"$here"
  -I"$java_home/include" -I"$java_home/include/linux")
# where cuBLAS's own header exists, check our declarations against it
cuda_root="$(dirname "$(dirname "$(readlink -f "$nvcc_bin")")")"
for inc in "$cuda_root/include" "$cuda_root"/targets/*/include; do
  if [ -f "$inc/cublas_v2.h" ]; then
    "$nvcc_bin" "${common[@]}" -I"$inc" -c "$here/cublas_check.cu" -o "$tmp/cublas_check.o"
    echo "kernel-cuda: cublas_dyn.h agrees with $inc/cublas_v2.h"
    break
  fi
done

start=$(date +%s)
pids=()
for src in runtime.cu op.cu model.cu flash_attn.cu lact_jni.cpp model_jni.cpp; do
  # shellcheck disable=SC2086
  "$nvcc_bin" "${common[@]}" $archs -c "$here/$src" -o "$tmp/${src%.*}.o" &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done  # every job finishes before the trap removes $tmp
if [ "$failed" -ne 0 ]; then
  echo "kernel-cuda: compiling the native library failed (nvcc's messages above)" >&2
  exit 1
fi
# shellcheck disable=SC2086
"$nvcc_bin" -shared $archs -o "$tmp/liblactcuda.so" "$tmp/runtime.o" "$tmp/op.o" "$tmp/model.o" "$tmp/flash_attn.o" "$tmp/lact_jni.o" "$tmp/model_jni.o" -cudart static -ldl -lpthread
mv "$tmp/liblactcuda.so" "$out/liblactcuda.so"
echo "kernel-cuda: built $out/liblactcuda.so with $("$nvcc_bin" --version | tail -1) in $(( $(date +%s) - start )) s"
