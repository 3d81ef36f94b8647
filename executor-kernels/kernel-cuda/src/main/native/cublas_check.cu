// Compiled only where cuBLAS's headers exist (build.sh adds it when it finds cublas_v2.h): checks
// that the values declared in cublas_dyn.h are cuBLAS's own.
#include <cublas_v2.h>

#include "cublas_dyn.h"

static_assert(lact::blas::OP_N == CUBLAS_OP_N && lact::blas::OP_T == CUBLAS_OP_T, "cublasOperation_t");
static_assert(lact::blas::COMPUTE_32F == CUBLAS_COMPUTE_32F, "CUBLAS_COMPUTE_32F");
static_assert(lact::blas::COMPUTE_32F_PEDANTIC == CUBLAS_COMPUTE_32F_PEDANTIC, "CUBLAS_COMPUTE_32F_PEDANTIC");
static_assert(lact::blas::COMPUTE_32F_FAST_TF32 == CUBLAS_COMPUTE_32F_FAST_TF32, "CUBLAS_COMPUTE_32F_FAST_TF32");
static_assert(lact::blas::COMPUTE_64F_PEDANTIC == CUBLAS_COMPUTE_64F_PEDANTIC, "CUBLAS_COMPUTE_64F_PEDANTIC");
static_assert(lact::blas::GEMM_DEFAULT == CUBLAS_GEMM_DEFAULT, "CUBLAS_GEMM_DEFAULT");
static_assert(CUBLAS_STATUS_SUCCESS == 0, "CUBLAS_STATUS_SUCCESS");
