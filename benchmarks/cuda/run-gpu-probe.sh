#!/usr/bin/env bash
# Runs on the GPU host (the device tool): what the host has for the native backend (CUDA, cuBLAS,
# glibc for a jlink'd Java runtime) and the ceilings of gpu_probe.cu. Writes $OUT/probe.txt.
# Usage (from the repository root, on the GPU host): benchmarks/cuda/run-gpu-probe.sh
set -uo pipefail
out="${OUT:-/tmp}/probe.txt"
{
  echo "# GPU host probe, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader
  nvcc --version | tail -1
  echo "glibc: $(ldd --version | head -1)"
  echo "java: $(command -v java || echo none)"
  echo "cublas headers: $(find / -name cublas_v2.h -not -path '*/proc/*' 2>/dev/null | head -3 | tr '\n' ' ')"
  echo "cublas libs: $(find / -name 'libcublas.so*' -not -path '*/proc/*' 2>/dev/null | head -4 | tr '\n' ' ')"
  echo "cublasLt libs: $(find / -name 'libcublasLt.so*' -not -path '*/proc/*' 2>/dev/null | head -2 | tr '\n' ' ')"
  echo "cmake: $(cmake --version 2>/dev/null | head -1)"
  echo "gcc: $(gcc --version 2>/dev/null | head -1)"
  nvcc -O3 -gencode=arch=compute_90a,code=sm_90a -o /tmp/gpu_probe benchmarks/cuda/gpu_probe.cu -lcublas && /tmp/gpu_probe
} 2>&1 | tee "$out"
