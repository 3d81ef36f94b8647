// The device side's plumbing: errors, the one CUDA stream and cuBLAS handle, tracked allocations
// and the strided-batched product every part of the op uses.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <string>

#include "cublas_dyn.h"

namespace lact {

// A CUDA or cuBLAS failure; the JNI layer turns it into org.lactspark.kernel.cuda.CudaException.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A caller's mistake the Java side should have caught; becomes IllegalArgumentException.
struct ArgError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

void check(cudaError_t e, const char* what, const char* file, int line);
void checkBlas(blas::Status s, const char* what, const char* file, int line);
#define LACT_CK(x) ::lact::check((x), #x, __FILE__, __LINE__)
#define LACT_CB(x) ::lact::checkBlas((x), #x, __FILE__, __LINE__)
#define LACT_LAUNCHED() ::lact::check(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)

// How one matrix product runs.
enum class PMode {
  F64,   // float64 operands and accumulation
  F32,   // float32, no TF32 (pedantic)
  TF32,  // float32 storage, TF32 tensor cores
  BF16,  // float32 storage, operands rounded to bf16, float32 accumulation
};

// The process-wide device context. Every entry point holds lock() for its whole call.
struct Runtime {
  int device = -1;
  cudaStream_t stream = nullptr;
  // A second stream for kernels without cuBLAS that run beside the main stream's work (the model's
  // attention beside its TTT branch); cuBLAS and every allocation stay on `stream`.
  cudaStream_t side = nullptr;
  blas::Handle handle = nullptr;
  void* blasWorkspace = nullptr;
  std::string description;
};

std::mutex& lock();
Runtime& rt();  // throws Error if init() was not called
std::string init(int device);

// Stream-ordered device allocation, counted exactly in allocatedBytes().
void* deviceAlloc(size_t bytes);
void deviceFree(void* p, size_t bytes) noexcept;
long long allocatedBytes();
long long peakAllocatedBytes();
void resetPeak();
// A second high-water mark of the allocations, for sizing what a step keeps (the model resets it
// per step), apart from the one memory() reports.
long long stepPeakBytes();
void resetStepPeak();
// The device memory that was free when the runtime started: what this library's allocations can
// reach at most (the CUDA context and the cuBLAS workspace already taken).
long long capacityBytes();
long long deviceUsedBytes();
// What new allocations can still get: the device's free memory plus what the pool holds unused.
long long availableBytes();

// An owned device array of T; freed when it goes out of scope (also while an exception unwinds).
template <class T>
class Buf {
 public:
  Buf() = default;
  explicit Buf(size_t count) : n_(count) { p_ = count ? static_cast<T*>(deviceAlloc(count * sizeof(T))) : nullptr; }
  ~Buf() { release(); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  Buf(Buf&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr; o.n_ = 0; }
  Buf& operator=(Buf&& o) noexcept {
    if (this != &o) { release(); p_ = o.p_; n_ = o.n_; o.p_ = nullptr; o.n_ = 0; }
    return *this;
  }
  T* get() const { return p_; }
  size_t size() const { return n_; }
  size_t bytes() const { return n_ * sizeof(T); }
  void zero() const { if (n_) LACT_CK(cudaMemsetAsync(p_, 0, bytes(), rt().stream)); }

 private:
  void release() noexcept { if (p_) deviceFree(p_, bytes()); p_ = nullptr; n_ = 0; }
  T* p_ = nullptr;
  size_t n_ = 0;
};

typedef __nv_bfloat16 bf16;

// A product's operand: its values, and optionally a bf16 copy in the same layout (same row length
// and batch stride) that BF16 products use instead of rounding a scratch copy.
template <class T>
struct Opd {
  const T* p;
  const bf16* h;
  Opd(const T* values) : p(values), h(nullptr) {}  // NOLINT: plain pointers convert implicitly
  Opd(const T* values, const bf16* rounded) : p(values), h(rounded) {}
};

// Row-major batched product C[m x n] = alpha op(A) op(B) + beta C, where A is stored m x k (k x m
// when ta) with rows of lda elements and batch stride sa, and likewise B. Strided views of larger
// tensors (a chunk's rows of [n, L, d]) are used in place. In BF16 mode float operands without a
// bf16 copy are rounded into scratch copies first; bf16 operands and results are bf16 throughout
// (float32 accumulation).
template <class T>
void bmm(PMode mode, bool ta, bool tb, int m, int n, int k, double alpha, Opd<T> A, int lda, long long sa,
    Opd<T> B, int ldb, long long sb, double beta, T* C, int ldc, long long sc, int batch);

// dst = bf16(src) elementwise (n values)
void roundInto(const float* src, bf16* dst, long long n);

}  // namespace lact
