// GPU host probe for the native CUDA backend (issue 9): the two ceilings the op's speed is judged
// against, measured with cuBLAS on the card as found. Prints one line per measurement.
//   - bf16 batched product of the chunk's shape (n*4 = 16 x [384 x 2048] x [2048 x 384]), fp32 accumulate
//   - a large bf16 GEMM (8192^3)
//   - float64 and float32 (TF32 off) GEMMs of 4096^3 (the conformance modes' rates)
//   - a batched float32 product of Newton-Schulz's shape (12 x 384^3)
// Inputs are random (never zeros), every call's status is checked, timing is by CUDA events over
// the median of repeated runs after warm-up.
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CK(x) do { cudaError_t ck_e = (x); if (ck_e != cudaSuccess) { \
  std::fprintf(stderr, "CUDA %s at %s:%d\n", cudaGetErrorString(ck_e), __FILE__, __LINE__); std::exit(1); } } while (0)
#define CB(x) do { cublasStatus_t cb_s = (x); if (cb_s != CUBLAS_STATUS_SUCCESS) { \
  std::fprintf(stderr, "cuBLAS status %d at %s:%d\n", (int) cb_s, __FILE__, __LINE__); std::exit(1); } } while (0)

__global__ void fill(float* p, size_t n, unsigned seed) {
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n; i += (size_t) gridDim.x * blockDim.x) {
    unsigned h = (unsigned) i * 2654435761u ^ seed;
    h ^= h >> 13; h *= 0x5bd1e995u; h ^= h >> 15;
    p[i] = (h & 0xffff) / 65536.0f - 0.5f;
  }
}
__global__ void toBf16(const float* s, __nv_bfloat16* d, size_t n) {
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n; i += (size_t) gridDim.x * blockDim.x) d[i] = __float2bfloat16(s[i]);
}
__global__ void toF64(const float* s, double* d, size_t n) {
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n; i += (size_t) gridDim.x * blockDim.x) d[i] = s[i];
}

template <class F> double medianMs(F f, int warm, int reps) {
  for (int i = 0; i < warm; i++) f();
  CK(cudaDeviceSynchronize());
  cudaEvent_t a, b; CK(cudaEventCreate(&a)); CK(cudaEventCreate(&b));
  std::vector<float> t;
  for (int i = 0; i < reps; i++) {
    CK(cudaEventRecord(a)); f(); CK(cudaEventRecord(b)); CK(cudaEventSynchronize(b));
    float ms; CK(cudaEventElapsedTime(&ms, a, b)); t.push_back(ms);
  }
  CK(cudaGetLastError());
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int main() {
  cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
  int rt, drv; CK(cudaRuntimeGetVersion(&rt)); CK(cudaDriverGetVersion(&drv));
  std::printf("device %s sm_%d%d, %d SMs, L2 %d MB, %.1f GiB, runtime %d, driver %d\n", p.name, p.major, p.minor,
      p.multiProcessorCount, p.l2CacheSize >> 20, p.totalGlobalMem / 1073741824.0, rt, drv);
  cublasHandle_t h; CB(cublasCreate(&h));
  int ver; CB(cublasGetVersion(h, &ver)); std::printf("cublas %d\n", ver);
  const size_t big = 8192ull * 8192;
  float* f; CK(cudaMalloc(&f, 3 * big * sizeof(float)));
  fill<<<1024, 256>>>(f, 3 * big, 7); CK(cudaGetLastError());
  __nv_bfloat16* hb; CK(cudaMalloc(&hb, 3 * big * sizeof(__nv_bfloat16)));
  toBf16<<<1024, 256>>>(f, hb, 3 * big); CK(cudaGetLastError());
  float one = 1.0f, zero = 0.0f;

  { // the chunk's batched product: 16 x [384 x 2048] x [2048 x 384], bf16 in, fp32 accumulate, bf16 out
    int m = 384, n = 384, k = 2048, batch = 16;
    double ms = medianMs([&] {
      CB(cublasGemmStridedBatchedEx(h, CUBLAS_OP_N, CUBLAS_OP_T, m, n, k, &one, hb, CUDA_R_16BF, m, (long long) m * k,
          hb + big, CUDA_R_16BF, n, (long long) n * k, &zero, hb + 2 * big, CUDA_R_16BF, m, (long long) m * n, batch,
          CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    }, 10, 50);
    std::printf("bf16 batched 16x384x2048x384: %.4f ms, %.1f TFLOP/s\n", ms, 2.0 * m * n * k * batch / ms / 1e9);
  }
  { // large bf16 GEMM
    int s = 8192;
    double ms = medianMs([&] {
      CB(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, s, s, s, &one, hb, CUDA_R_16BF, s, hb + big, CUDA_R_16BF, s, &zero,
          hb + 2 * big, CUDA_R_16BF, s, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    }, 3, 10);
    std::printf("bf16 gemm 8192^3: %.3f ms, %.1f TFLOP/s\n", ms, 2.0 * s * s * s / ms / 1e9);
  }
  { // float32 without TF32, and float64, 4096^3
    int s = 4096;
    CB(cublasSetMathMode(h, CUBLAS_PEDANTIC_MATH));
    double ms = medianMs([&] { CB(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, s, s, s, &one, f, s, f + big, s, &zero, f + 2 * big, s)); }, 3, 10);
    std::printf("fp32 (pedantic, no TF32) gemm 4096^3: %.3f ms, %.1f TFLOP/s\n", ms, 2.0 * s * s * s / ms / 1e9);
    CB(cublasSetMathMode(h, CUBLAS_TF32_TENSOR_OP_MATH));
    ms = medianMs([&] { CB(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, s, s, s, &one, f, s, f + big, s, &zero, f + 2 * big, s)); }, 3, 10);
    std::printf("fp32 (TF32) gemm 4096^3: %.3f ms, %.1f TFLOP/s\n", ms, 2.0 * s * s * s / ms / 1e9);
    CB(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));
    double* d; size_t dn = 3ull * s * s; CK(cudaMalloc(&d, dn * sizeof(double)));
    toF64<<<1024, 256>>>(f, d, dn); CK(cudaGetLastError());
    double one64 = 1.0, zero64 = 0.0;
    ms = medianMs([&] { CB(cublasDgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, s, s, s, &one64, d, s, d + (size_t) s * s, s, &zero64, d + 2ull * s * s, s)); }, 3, 10);
    std::printf("fp64 gemm 4096^3: %.3f ms, %.1f TFLOP/s\n", ms, 2.0 * s * s * s / ms / 1e9);
    CK(cudaFree(d));
  }
  { // Newton-Schulz's shape: 12 matrices (4 heads x 3) of 384^3 in float32 (pedantic)
    int s = 384, batch = 12;
    CB(cublasSetMathMode(h, CUBLAS_PEDANTIC_MATH));
    double ms = medianMs([&] {
      CB(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_T, s, s, s, &one, f, s, (long long) s * s, f + big, s,
          (long long) s * s, &zero, f + 2 * big, s, (long long) s * s, batch));
    }, 10, 50);
    std::printf("fp32 batched 12x384^3 (one NS product): %.4f ms, %.1f TFLOP/s\n", ms, 2.0 * s * s * s * batch / ms / 1e9);
  }
  { // launch overhead: an empty kernel, back to back
    double ms = medianMs([&] { for (int i = 0; i < 100; i++) fill<<<1, 32>>>(f, 0, 0); }, 2, 20);
    std::printf("100 tiny launches: %.4f ms (%.2f us each)\n", ms, ms * 10);
  }
  CK(cudaFree(f)); CK(cudaFree(hb)); CB(cublasDestroy(h));
  return 0;
}
