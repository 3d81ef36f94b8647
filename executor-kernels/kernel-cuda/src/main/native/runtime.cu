#include <dlfcn.h>

#include <atomic>
#include <sstream>
#include <vector>

#include "runtime.h"

namespace lact {

void check(cudaError_t e, const char* what, const char* file, int line) {
  if (e == cudaSuccess) return;
  std::ostringstream m;
  m << "CUDA error " << static_cast<int>(e) << " (" << cudaGetErrorName(e) << "): " << cudaGetErrorString(e)
    << " in " << what << " at " << file << ":" << line;
  throw Error(m.str());
}

void checkBlas(blas::Status s, const char* what, const char* file, int line) {
  if (s == 0) return;
  std::ostringstream m;
  m << blas::describe(s) << " in " << what << " at " << file << ":" << line;
  throw Error(m.str());
}

namespace blas {

template <class F>
static void bind(void* lib, const char* name, F& fn, std::string& missing) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  if (!fn) missing += std::string(missing.empty() ? "" : ", ") + name;
}

static Api loadApi() {
  const char* names[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};
  std::string tried;
  void* lib = nullptr;
  for (const char* n : names) {
    lib = dlopen(n, RTLD_NOW | RTLD_LOCAL);
    if (lib) break;
    const char* why = dlerror();
    tried += std::string("\n  ") + n + ": " + (why ? why : "not found");
  }
  if (!lib) throw Error("cannot load cuBLAS (is the CUDA toolkit's lib directory on LD_LIBRARY_PATH?); tried:" + tried);
  Api a{};
  std::string missing;
  bind(lib, "cublasCreate_v2", a.create, missing);
  bind(lib, "cublasDestroy_v2", a.destroy, missing);
  bind(lib, "cublasSetStream_v2", a.setStream, missing);
  bind(lib, "cublasSetWorkspace_v2", a.setWorkspace, missing);
  bind(lib, "cublasGemmStridedBatchedEx", a.gemmStridedBatchedEx, missing);
  bind(lib, "cublasGetVersion_v2", a.getVersion, missing);
  bind(lib, "cublasGetStatusString", a.statusString, missing);
  if (!missing.empty()) throw Error("the loaded cuBLAS lacks " + missing + " (cuBLAS 12 or newer is needed)");
  return a;
}

const Api& api() {
  static Api a = loadApi();  // a failure throws and is retried on the next call
  return a;
}

std::string describe(Status s) {
  std::ostringstream m;
  m << "cuBLAS status " << s;
  try {
    const char* text = api().statusString ? api().statusString(s) : nullptr;
    if (text) m << " (" << text << ")";
  } catch (const Error&) {
  }
  return m.str();
}

}  // namespace blas

// ---- runtime ----

static Runtime g_rt;
static std::atomic<long long> g_allocated{0};
static std::atomic<long long> g_peak{0};
static std::atomic<long long> g_stepPeak{0};
static long long g_capacity = 0;

std::mutex& lock() {
  static std::mutex m;
  return m;
}

Runtime& rt() {
  if (g_rt.device < 0) throw Error("the CUDA backend was not initialised (call init first)");
  return g_rt;
}

std::string init(int device) {
  if (g_rt.device == device) return g_rt.description;
  if (g_rt.device >= 0) {
    std::ostringstream m;
    m << "the CUDA backend already runs on device " << g_rt.device << "; it cannot switch to device " << device;
    throw ArgError(m.str());
  }
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    std::ostringstream m;
    m << "no usable CUDA device (is there an NVIDIA GPU and driver on this machine?): cudaGetDeviceCount failed with " << cudaGetErrorName(e) << " (" << cudaGetErrorString(e) << ")";
    throw Error(m.str());
  }
  if (device < 0 || device >= count) {
    std::ostringstream m;
    m << "CUDA device " << device << " does not exist (this machine has " << count << ")";
    throw Error(m.str());
  }
  LACT_CK(cudaSetDevice(device));
  cudaDeviceProp p{};
  LACT_CK(cudaGetDeviceProperties(&p, device));
  if (p.major < 8) {
    std::ostringstream m;
    m << "CUDA device " << device << " (" << p.name << ") has compute capability " << p.major << "." << p.minor
      << "; this library needs 8.0 or newer (it is built for sm_80 and sm_90a)";
    throw Error(m.str());
  }
  const blas::Api& b = blas::api();
  Runtime r;
  // The main stream runs at the highest priority: its chains of small kernels (the TTT op) take
  // multiprocessors as they free up, and the side stream's large kernels fill the rest.
  int lowest = 0, highest = 0;
  LACT_CK(cudaDeviceGetStreamPriorityRange(&lowest, &highest));
  LACT_CK(cudaStreamCreateWithPriority(&r.stream, cudaStreamNonBlocking, highest));
  LACT_CK(cudaStreamCreateWithPriority(&r.side, cudaStreamNonBlocking, lowest));
  LACT_CB(b.create(&r.handle));
  LACT_CB(b.setStream(r.handle, r.stream));
  // A fixed workspace keeps cuBLAS from allocating inside our calls (and makes it graph-safe).
  const size_t ws = 32u << 20;
  LACT_CK(cudaMalloc(&r.blasWorkspace, ws));
  LACT_CB(b.setWorkspace(r.handle, r.blasWorkspace, ws));
  // Keep freed pool memory for reuse: a pass allocates the same sizes call after call.
  cudaMemPool_t pool;
  LACT_CK(cudaDeviceGetDefaultMemPool(&pool, device));
  unsigned long long keep = ~0ull;
  LACT_CK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
  int runtimeVersion = 0, driverVersion = 0, blasVersion = 0;
  LACT_CK(cudaRuntimeGetVersion(&runtimeVersion));
  LACT_CK(cudaDriverGetVersion(&driverVersion));
  LACT_CB(b.getVersion(r.handle, &blasVersion));
  std::ostringstream d;
  d << p.name << " (sm_" << p.major << p.minor << ", " << (p.totalGlobalMem >> 20) << " MiB), CUDA runtime "
    << runtimeVersion / 1000 << "." << (runtimeVersion % 1000) / 10 << ", driver " << driverVersion / 1000 << "."
    << (driverVersion % 1000) / 10 << ", cuBLAS " << blasVersion;
  r.description = d.str();
  r.device = device;
  size_t freeB = 0, totalB = 0;
  LACT_CK(cudaMemGetInfo(&freeB, &totalB));
  g_capacity = static_cast<long long>(freeB);
  g_rt = r;
  return g_rt.description;
}

void* deviceAlloc(size_t bytes) {
  void* p = nullptr;
  cudaError_t e = cudaMallocAsync(&p, bytes, rt().stream);
  if (e != cudaSuccess) {
    cudaGetLastError();  // an allocation failure is not sticky: clear it
    std::ostringstream m;
    m << "CUDA error " << static_cast<int>(e) << " (" << cudaGetErrorName(e) << "): " << cudaGetErrorString(e)
      << " while allocating " << bytes << " bytes of device memory (" << g_allocated.load() << " bytes held by this library)";
    throw Error(m.str());
  }
  long long now = g_allocated += static_cast<long long>(bytes);
  for (std::atomic<long long>* mark : {&g_peak, &g_stepPeak}) {
    long long peak = mark->load();
    while (now > peak && !mark->compare_exchange_weak(peak, now)) {
    }
  }
  return p;
}

void deviceFree(void* p, size_t bytes) noexcept {
  if (!p) return;
  cudaFreeAsync(p, g_rt.stream);  // an error here (a broken context) cannot be reported from a destructor
  g_allocated -= static_cast<long long>(bytes);
}

long long allocatedBytes() { return g_allocated.load(); }
long long peakAllocatedBytes() { return g_peak.load(); }
void resetPeak() { g_peak = g_allocated.load(); }
long long stepPeakBytes() { return g_stepPeak.load(); }
void resetStepPeak() { g_stepPeak = g_allocated.load(); }
long long capacityBytes() { return g_capacity; }

long long availableBytes() {
  size_t freeB = 0, total = 0;
  LACT_CK(cudaMemGetInfo(&freeB, &total));
  cudaMemPool_t pool;
  LACT_CK(cudaDeviceGetDefaultMemPool(&pool, rt().device));
  unsigned long long reserved = 0, used = 0;
  LACT_CK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved));
  LACT_CK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &used));
  return static_cast<long long>(freeB) + static_cast<long long>(reserved - used);
}

long long deviceUsedBytes() {
  size_t freeB = 0, total = 0;
  LACT_CK(cudaMemGetInfo(&freeB, &total));
  return static_cast<long long>(total - freeB);
}

// ---- products ----

// One (batch, row) per block iteration: the strided view's rows are contiguous, so the per-element
// index needs no 64-bit division (which made this rounding compute-bound).
__global__ void toBf16Rows(const float* src, __nv_bfloat16* dst, int rows, int cols, int ld, long long stride, long long nrows) {
  for (long long r = blockIdx.x; r < nrows; r += gridDim.x) {
    long long b = r / rows;
    const float* s = src + b * stride + (r - b * rows) * (long long) ld;
    __nv_bfloat16* d = dst + r * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) d[c] = __float2bfloat16(s[c]);
  }
}

static Buf<__nv_bfloat16> roundedCopy(const float* src, int rows, int cols, int ld, long long stride, int batch) {
  long long total = (long long) rows * cols * batch;
  Buf<__nv_bfloat16> out(total);
  if (ld == cols && (batch == 1 || stride == (long long) rows * cols)) {
    roundInto(src, out.get(), total);  // contiguous (weights, whole activations)
    return out;
  }
  long long nrows = (long long) rows * batch;
  int blocks = (int) std::min<long long>(nrows, 65535);
  toBf16Rows<<<blocks, cols >= 256 ? 256 : 128, 0, rt().stream>>>(src, out.get(), rows, cols, ld, stride, nrows);
  LACT_LAUNCHED();
  return out;
}

static void gemm(int ta, int tb, int m, int n, int k, const void* alpha, const void* A, cudaDataType ta_, int lda,
    long long sa, const void* B, cudaDataType tb_, int ldb, long long sb, const void* beta, void* C, cudaDataType tc,
    int ldc, long long sc, int batch, int compute) {
  // column-major cuBLAS computes C^T = op(B)^T op(A)^T for our row-major C
  LACT_CB(blas::api().gemmStridedBatchedEx(rt().handle, tb ? blas::OP_T : blas::OP_N, ta ? blas::OP_T : blas::OP_N, n, m, k,
      alpha, B, tb_, ldb, sb, A, ta_, lda, sa, beta, C, tc, ldc, sc, batch, compute, blas::GEMM_DEFAULT));
}

__global__ void toBf16Flat(const float* src, __nv_bfloat16* dst, long long n) {
  for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
    dst[i] = __float2bfloat16(src[i]);
}

void roundInto(const float* src, bf16* dst, long long n) {
  if (n <= 0) return;
  int blocks = (int) std::min<long long>((n + 255) / 256, 8192);
  toBf16Flat<<<blocks, 256, 0, rt().stream>>>(src, dst, n);
  LACT_LAUNCHED();
}

template <>
void bmm<double>(PMode mode, bool ta, bool tb, int m, int n, int k, double alpha, Opd<double> A, int lda, long long sa,
    Opd<double> B, int ldb, long long sb, double beta, double* C, int ldc, long long sc, int batch) {
  if (mode != PMode::F64) throw ArgError("float64 products run in F64 mode only");
  gemm(ta, tb, m, n, k, &alpha, A.p, CUDA_R_64F, lda, sa, B.p, CUDA_R_64F, ldb, sb, &beta, C, CUDA_R_64F, ldc, sc, batch,
      blas::COMPUTE_64F_PEDANTIC);
}

template <>
void bmm<float>(PMode mode, bool ta, bool tb, int m, int n, int k, double alpha, Opd<float> A, int lda, long long sa,
    Opd<float> B, int ldb, long long sb, double beta, float* C, int ldc, long long sc, int batch) {
  float al = (float) alpha, be = (float) beta;
  if (mode == PMode::BF16) {
    int ra = ta ? k : m, ca = ta ? m : k, rb = tb ? n : k, cb = tb ? k : n;  // stored shapes
    Buf<__nv_bfloat16> a, b;
    const void* ap = A.h;
    const void* bp = B.h;
    int la = lda, lb = ldb;
    long long ssa = sa, ssb = sb;
    if (!ap) {
      a = roundedCopy(A.p, ra, ca, lda, sa, batch);
      ap = a.get();
      la = ca;
      ssa = (long long) ra * ca;
    }
    if (!bp) {
      b = roundedCopy(B.p, rb, cb, ldb, sb, batch);
      bp = b.get();
      lb = cb;
      ssb = (long long) rb * cb;
    }
    gemm(ta, tb, m, n, k, &al, ap, CUDA_R_16BF, la, ssa, bp, CUDA_R_16BF, lb, ssb, &be, C, CUDA_R_32F, ldc, sc, batch,
        blas::COMPUTE_32F);
    return;
  }
  if (mode == PMode::F64) throw ArgError("float32 products cannot run in F64 mode");
  gemm(ta, tb, m, n, k, &al, A.p, CUDA_R_32F, lda, sa, B.p, CUDA_R_32F, ldb, sb, &be, C, CUDA_R_32F, ldc, sc, batch,
      mode == PMode::TF32 ? blas::COMPUTE_32F_FAST_TF32 : blas::COMPUTE_32F_PEDANTIC);
}

template <>
void bmm<bf16>(PMode mode, bool ta, bool tb, int m, int n, int k, double alpha, Opd<bf16> A, int lda, long long sa,
    Opd<bf16> B, int ldb, long long sb, double beta, bf16* C, int ldc, long long sc, int batch) {
  if (mode != PMode::BF16) throw ArgError("bf16 products run in BF16 mode only");
  float al = (float) alpha, be = (float) beta;
  gemm(ta, tb, m, n, k, &al, A.p, CUDA_R_16BF, lda, sa, B.p, CUDA_R_16BF, ldb, sb, &be, C, CUDA_R_16BF, ldc, sc, batch,
      blas::COMPUTE_32F);
}

}  // namespace lact
