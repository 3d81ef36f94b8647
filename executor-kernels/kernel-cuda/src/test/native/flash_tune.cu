// Tile-configuration sweep for flash_attn.cu's kernels at the 760M/3B shapes (B=1, L=32768, H=24,
// W=2048, D=64 and 128): times each variant of the forward, dq and dk/dv kernels and checks its
// result against the default configuration's. A developer's tool for choosing flash::Cfg; not a test.
//   n=executor-kernels/kernel-cuda/src/main/native
//   nvcc -std=c++17 -O3 -gencode=arch=compute_90,code=sm_90 -I$n -o /tmp/flash-tune
//     executor-kernels/kernel-cuda/src/test/native/flash_tune.cu   (one line)
#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include "flash_attn.cu"

using namespace lact;
using namespace lact::flash;

#define TK(x)                                                                                   \
  do {                                                                                          \
    cudaError_t e_ = (x);                                                                       \
    if (e_ != cudaSuccess) {                                                                    \
      std::fprintf(stderr, "CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); \
      std::exit(2);                                                                             \
    }                                                                                           \
  } while (0)

__global__ void fillT(bf16* p, long long n, unsigned seed, float amp) {
  for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
    unsigned x = (unsigned) i * 2654435761u ^ seed * 0x9e3779b9u;
    x ^= x >> 15;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    p[i] = __float2bfloat16(amp * ((x & 0xffffff) * (2.f / 16777216.f) - 1.f));
  }
}

template <class T>
static double maxRelDiff(const T* a, const T* b, long long n) {
  std::vector<T> ha(n), hb(n);
  TK(cudaMemcpy(ha.data(), a, n * sizeof(T), cudaMemcpyDeviceToHost));
  TK(cudaMemcpy(hb.data(), b, n * sizeof(T), cudaMemcpyDeviceToHost));
  double me = 0, mr = 0;
  for (long long i = 0; i < n; ++i) {
    const double x = (double) (float) ha[i], y = (double) (float) hb[i];
    if (!std::isfinite(x)) return INFINITY;
    me = std::max(me, std::fabs(x - y));
    mr = std::max(mr, std::fabs(y));
  }
  return me / std::max(mr, 1e-30);
}

static double timeIt(const std::function<void()>& f) {
  cudaEvent_t e0, e1;
  TK(cudaEventCreate(&e0));
  TK(cudaEventCreate(&e1));
  std::vector<double> t;
  for (int i = 0; i < 9; ++i) {
    TK(cudaEventRecord(e0));
    f();
    TK(cudaEventRecord(e1));
    TK(cudaEventSynchronize(e1));
    float ms;
    TK(cudaEventElapsedTime(&ms, e0, e1));
    if (i >= 2) t.push_back(ms);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

template <int D>
struct Bench {
  int B = 1, L = 32768, H = 24, W = 2048;
  long long n, rows;
  int Lpad;
  bf16 *q, *k, *v, *dO, *out, *out2;
  float *lse, *dq, *dk, *dv, *dq2, *dk2, *dv2, *lse2, *dvec;
  Args a{};
  double fwdFlops, bwdFlops;

  Bench() {
    n = (long long) B * L * H * D;
    rows = (long long) B * L * H;
    Lpad = padL(L);
    for (bf16** p : {&q, &k, &v, &dO, &out, &out2}) TK(cudaMalloc(p, n * 2));
    for (float** p : {&dq, &dk, &dv, &dq2, &dk2, &dv2}) TK(cudaMalloc(p, n * 4));
    TK(cudaMalloc(&lse, rows * 4));
    TK(cudaMalloc(&lse2, (long long) B * H * Lpad * 4));
    TK(cudaMalloc(&dvec, (long long) B * H * Lpad * 4));
    fillT<<<1024, 256>>>(q, n, 1, 2.f);
    fillT<<<1024, 256>>>(k, n, 2, 2.f);
    fillT<<<1024, 256>>>(v, n, 3, 1.f);
    fillT<<<1024, 256>>>(dO, n, 4, 1.f);
    const float scale = 1.f / std::sqrt((float) D);
    flashForward(q, k, v, nullptr, B, L, H, D, W, scale, out, lse, 0);
    flashBackward(q, k, v, out, dO, lse, nullptr, B, L, H, D, W, scale, dq, dk, dv, 0);
    bwdPrepKernel<D><<<(int) ((rows * (D / 8) + 255) / 256), 256>>>(out, dO, lse, lse2, dvec, B, L, H, Lpad);
    TK(cudaDeviceSynchronize());
    a.q = q;
    a.k = k;
    a.v = v;
    a.dO = dO;
    a.lse2 = lse2;
    a.dvec = dvec;
    a.lse = lse;
    a.L = L;
    a.Lpad = Lpad;
    a.H = H;
    a.W = W;
    a.scale = scale;
    double weff = 0;
    for (int t = 0; t < L; ++t) weff += std::min(t + 1, W);
    weff /= L;
    fwdFlops = 4.0 * B * L * weff * D * H;
    bwdFlops = 2.5 * fwdFlops;
    std::printf("D=%d default: forward %.3f ms, backward (API, with prep) %.3f ms\n", D,
        timeIt([&] { flashForward(q, k, v, nullptr, B, L, H, D, W, scale, out2, lse, 0); }),
        timeIt([&] { flashBackward(q, k, v, out, dO, lse, nullptr, B, L, H, D, W, scale, dq2, dk2, dv2, 0); }));
  }

  template <int BM, int BN, int MINB>
  void fwd() {
    Args b = a;
    b.out = out2;
    b.lse = lse;  // rewrites the same values
    const double ms = timeIt([&] { launchFwd<D, BM, BN, MINB>(b, B, 0); });
    std::printf("  fwd  D=%d BM=%d BN=%d MINB=%d: %.3f ms %.1f TFLOP/s  diff %.2e\n", D, BM, BN, MINB, ms,
        fwdFlops / ms * 1e-9, maxRelDiff(out2, out, n));
  }
  template <int BM, int BN, bool AREG, int MINB>
  void dqv() {
    Args b = a;
    b.dq = dq2;
    const double ms = timeIt([&] { launchDq<D, BM, BN, AREG, MINB>(b, B, 0); });
    std::printf("  dq   D=%d BM=%d BN=%d AREG=%d MINB=%d: %.3f ms (%.1f TFLOP/s of 3 products)  diff %.2e\n", D, BM,
        BN, (int) AREG, MINB, ms, bwdFlops * 3 / 5 / ms * 1e-9, maxRelDiff(dq2, dq, n));
  }
  template <int NW, int BM, int MINB>
  void dkdv() {
    Args b = a;
    b.dk = dk2;
    b.dv = dv2;
    const double ms = timeIt([&] { launchDkdv<D, NW, BM, MINB>(b, B, 0); });
    std::printf("  dkdv D=%d NW=%d BM=%d MINB=%d: %.3f ms (%.1f TFLOP/s of 4 products)  diff dk %.2e dv %.2e\n", D,
        NW, BM, MINB, ms, bwdFlops * 4 / 5 / ms * 1e-9, maxRelDiff(dk2, dk, n), maxRelDiff(dv2, dv, n));
  }
  ~Bench() {
    for (void* p : {(void*) q, (void*) k, (void*) v, (void*) dO, (void*) out, (void*) out2, (void*) lse, (void*) dq,
             (void*) dk, (void*) dv, (void*) dq2, (void*) dk2, (void*) dv2, (void*) lse2, (void*) dvec})
      cudaFree(p);
  }
};

int main() {
  {
    Bench<64> b;
    b.fwd<128, 64, 2>();
    b.fwd<64, 64, 4>();
    b.dqv<64, 64, false, 3>();
    b.dqv<64, 64, false, 4>();
    b.dqv<64, 32, false, 3>();
    b.dqv<64, 64, true, 2>();
    b.dkdv<4, 64, 2>();
    b.dkdv<4, 64, 3>();
    b.dkdv<2, 64, 4>();
    b.dkdv<4, 32, 3>();
  }
  {
    Bench<128> b;
    b.fwd<128, 64, 1>();
    b.fwd<64, 64, 2>();
    b.dqv<64, 64, false, 2>();
    b.dqv<64, 64, false, 1>();
    b.dkdv<4, 64, 2>();
    b.dkdv<4, 64, 1>();
    b.dkdv<2, 64, 2>();
    b.dkdv<4, 32, 2>();
  }
  TK(cudaGetLastError());
  return 0;
}
