// The few cuBLAS entry points the library uses, declared here and resolved with dlopen at run time.
// Why: the build machine has nvcc and the CUDA runtime headers but no cuBLAS, and a library linked
// against one cuBLAS soname would refuse to load next to another; dlopen of libcublas.so.13, .12
// or .so works with either CUDA 12 or 13 at run time. Where the real header is present (the GPU
// host), cublas_check.cu static-asserts that these values equal cuBLAS's own.
#pragma once
#include <library_types.h>

#include <string>

namespace lact {
namespace blas {

typedef struct Context* Handle;
typedef int Status;  // 0 = CUBLAS_STATUS_SUCCESS

enum Op { OP_N = 0, OP_T = 1 };
enum Compute {  // cublasComputeType_t
  COMPUTE_32F = 68,
  COMPUTE_32F_PEDANTIC = 69,
  COMPUTE_32F_FAST_TF32 = 77,
  COMPUTE_64F_PEDANTIC = 71,
};
constexpr int GEMM_DEFAULT = -1;  // cublasGemmAlgo_t CUBLAS_GEMM_DEFAULT

struct Api {
  Status (*create)(Handle*);
  Status (*destroy)(Handle);
  Status (*setStream)(Handle, cudaStream_t);
  Status (*setWorkspace)(Handle, void*, size_t);
  Status (*gemmStridedBatchedEx)(Handle, int, int, int, int, int, const void*, const void*, cudaDataType,
      int, long long, const void*, cudaDataType, int, long long, const void*, void*, cudaDataType, int,
      long long, int, int, int);
  Status (*getVersion)(Handle, int*);
  const char* (*statusString)(Status);
};

// Loads cuBLAS once; throws lact::Error naming every file tried when none loads.
const Api& api();
// "cuBLAS status N (NAME)" for an error code.
std::string describe(Status s);

}  // namespace blas
}  // namespace lact
