// Self-test of the fused sliding-window attention (src/main/native/flash_attn.cu): forward out/lse
// and backward dq/dk/dv against a float64 reference on the GPU (one thread per row, looping over the
// window) on many small shapes and key masks, then timings at the 760M (D=64) and 3B (D=128)
// shapes. Needs a GPU; no cuBLAS, no Java. Exit status 0 only if every check passed.
//
// Build and run from the repository root (or: executor-kernels/kernel-cuda/gpu/flash-selftest.sh):
//   n=executor-kernels/kernel-cuda/src/main/native
//   nvcc -std=c++17 -O3 -gencode=arch=compute_90,code=sm_90 -I$n -o /tmp/flash-selftest
//     executor-kernels/kernel-cuda/src/test/native/flash_selftest.cu $n/flash_attn.cu   (one line)
//   /tmp/flash-selftest            # all checks, then timings
//   /tmp/flash-selftest --quick    # checks only
//   /tmp/flash-selftest --bench    # timings only
//   /tmp/flash-selftest --small    # checks of the shapes with L <= 100 only (e.g. under compute-sanitizer memcheck)
//   /tmp/flash-selftest --one      # two mid-size checks (D = 64, 128) only (e.g. under compute-sanitizer racecheck)
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "flash_attn.cuh"

using lact::bf16;

#define CK(x)                                                                                              \
  do {                                                                                                     \
    cudaError_t e_ = (x);                                                                                  \
    if (e_ != cudaSuccess) {                                                                               \
      std::fprintf(stderr, "FAIL: CUDA error %s (%s) at %s:%d\n", cudaGetErrorString(e_), #x, __FILE__, __LINE__); \
      std::exit(2);                                                                                        \
    }                                                                                                      \
  } while (0)

// ------------------------------------------------------------------------------------------------
// Random inputs (a counter-based hash, so that a case is reproducible)

__host__ __device__ inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
__host__ __device__ inline float unif(uint64_t seed, long long i) {  // [-1, 1)
  return (float) ((mix(seed * 0x100000001b3ull + (uint64_t) i) >> 40) * (2.0 / 16777216.0) - 1.0);
}

__global__ void fillK(bf16* p, long long n, uint64_t seed, float amp) {
  for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
    p[i] = __float2bfloat16(amp * unif(seed, i));
}

static void fill(bf16* p, long long n, uint64_t seed, float amp) {
  fillK<<<1024, 256>>>(p, n, seed, amp);
  CK(cudaGetLastError());
}

// ------------------------------------------------------------------------------------------------
// float64 reference: one thread per row (b, t, h), row index i = (b*L + t)*H + h

struct Ref {
  const bf16 *q, *k, *v, *dO;
  const unsigned char* kv;
  int B, L, H, D, W;
  double scale;
};

__device__ inline double dotRow(const bf16* a, const bf16* b, int D) {
  double s = 0;
  for (int c = 0; c < D; ++c) s += (double) __bfloat162float(a[c]) * (double) __bfloat162float(b[c]);
  return s;
}
__device__ inline bool allowed(const Ref& r, int b, int t, int s) {
  return s >= 0 && s < r.L && s <= t && s > t - r.W && (!r.kv || r.kv[(long long) b * r.L + s]);
}

// o [B, L, H, D], lse [B, H, L] (-inf for a row without keys)
__global__ void refFwd(Ref r, double* o, double* lse) {
  const long long n = (long long) r.B * r.L * r.H;
  const long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x;
  if (i >= n) return;
  const int h = (int) (i % r.H), t = (int) ((i / r.H) % r.L), b = (int) (i / ((long long) r.H * r.L));
  const long long rs = (long long) r.H * r.D;
  const bf16* qr = r.q + i * r.D;
  auto krow = [&](int s) { return r.k + ((long long) b * r.L + s) * rs + (long long) h * r.D; };
  auto vrow = [&](int s) { return r.v + ((long long) b * r.L + s) * rs + (long long) h * r.D; };
  double m = -INFINITY;
  for (int s = max(0, t - r.W + 1); s <= t; ++s)
    if (allowed(r, b, t, s)) m = fmax(m, r.scale * dotRow(qr, krow(s), r.D));
  double* orow = o + i * r.D;
  const long long li = ((long long) b * r.H + h) * r.L + t;
  for (int c = 0; c < r.D; ++c) orow[c] = 0;
  if (m == -INFINITY) {
    lse[li] = -INFINITY;
    return;
  }
  double l = 0;
  for (int s = max(0, t - r.W + 1); s <= t; ++s) {
    if (!allowed(r, b, t, s)) continue;
    const double p = exp(r.scale * dotRow(qr, krow(s), r.D) - m);
    l += p;
    const bf16* vr = vrow(s);
    for (int c = 0; c < r.D; ++c) orow[c] += p * (double) __bfloat162float(vr[c]);
  }
  for (int c = 0; c < r.D; ++c) orow[c] /= l;
  lse[li] = m + log(l);
}

// dl[i] = sum_c dO * o (per row i), from the forward's bf16 out as the backward is given it
__global__ void refDelta(Ref r, const bf16* o, double* dl) {
  const long long n = (long long) r.B * r.L * r.H;
  const long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x;
  if (i >= n) return;
  double s = 0;
  for (int c = 0; c < r.D; ++c) s += (double) __bfloat162float(r.dO[i * r.D + c]) * (double) __bfloat162float(o[i * r.D + c]);
  dl[i] = s;
}

__global__ void refDq(Ref r, const double* lse, const double* dl, double* dq) {
  const long long n = (long long) r.B * r.L * r.H;
  const long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x;
  if (i >= n) return;
  const int h = (int) (i % r.H), t = (int) ((i / r.H) % r.L), b = (int) (i / ((long long) r.H * r.L));
  const long long rs = (long long) r.H * r.D;
  double* out = dq + i * r.D;
  for (int c = 0; c < r.D; ++c) out[c] = 0;
  const double ls = lse[((long long) b * r.H + h) * r.L + t];
  if (ls == -INFINITY) return;
  const bf16 *qr = r.q + i * r.D, *gr = r.dO + i * r.D;
  for (int s = max(0, t - r.W + 1); s <= t; ++s) {
    if (!allowed(r, b, t, s)) continue;
    const bf16* kr = r.k + ((long long) b * r.L + s) * rs + (long long) h * r.D;
    const bf16* vr = r.v + ((long long) b * r.L + s) * rs + (long long) h * r.D;
    const double p = exp(r.scale * dotRow(qr, kr, r.D) - ls);
    const double ds = p * (dotRow(gr, vr, r.D) - dl[i]);
    for (int c = 0; c < r.D; ++c) out[c] += r.scale * ds * (double) __bfloat162float(kr[c]);
  }
}

// one thread per key row (b, s, h)
__global__ void refDkdv(Ref r, const double* lse, const double* dl, double* dk, double* dv) {
  const long long n = (long long) r.B * r.L * r.H;
  const long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x;
  if (i >= n) return;
  const int h = (int) (i % r.H), s = (int) ((i / r.H) % r.L), b = (int) (i / ((long long) r.H * r.L));
  double *ko = dk + i * r.D, *vo = dv + i * r.D;
  for (int c = 0; c < r.D; ++c) ko[c] = vo[c] = 0;
  const bf16 *kr = r.k + i * r.D, *vr = r.v + i * r.D;
  for (int t = s; t < r.L && t < s + r.W; ++t) {
    if (!allowed(r, b, t, s)) continue;
    const double ls = lse[((long long) b * r.H + h) * r.L + t];
    if (ls == -INFINITY) continue;
    const long long qi = ((long long) b * r.L + t) * r.H + h;
    const bf16 *qr = r.q + qi * r.D, *gr = r.dO + qi * r.D;
    const double p = exp(r.scale * dotRow(qr, kr, r.D) - ls);
    const double ds = p * (dotRow(gr, vr, r.D) - dl[qi]);
    for (int c = 0; c < r.D; ++c) {
      vo[c] += p * (double) __bfloat162float(gr[c]);
      ko[c] += r.scale * ds * (double) __bfloat162float(qr[c]);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Comparison

static const double kTolRel = 2e-2;  // max|err| / max|ref| for out, dq, dk, dv

struct Err {
  double maxErr = 0, maxRef = 0;
  long long bad = 0;  // NaN / Inf / unwritten (poisoned) elements
  // max|err| over max|ref|, with an absolute floor of 1e-5 for gradients that cancel to ~0 (e.g. W = 1)
  double rel() const { return maxErr / std::max(maxRef, 1e-5 / kTolRel); }
};

template <class T>
static double toD(T x) { return (double) x; }
template <>
double toD<bf16>(bf16 x) { return (double) __bfloat162float(x); }

template <class T>
static Err compare(const std::vector<T>& got, const std::vector<double>& ref) {
  Err e;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double g = toD(got[i]);
    e.maxRef = std::max(e.maxRef, std::fabs(ref[i]));
    if (!std::isfinite(g)) { ++e.bad; continue; }
    e.maxErr = std::max(e.maxErr, std::fabs(g - ref[i]));
  }
  return e;
}

template <class T>
static std::vector<T> down(const T* d, size_t n) {
  std::vector<T> h(n);
  CK(cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost));
  return h;
}

static int failures = 0, checks = 0;
static const double kTol = kTolRel;
static const double kLseTol = 2e-3;  // |err| / max(1, |ref|) for lse

// ------------------------------------------------------------------------------------------------
// One correctness case

static void keyMask(std::vector<unsigned char>& m, int mode, int B, int L, int W, uint64_t seed) {
  m.assign((size_t) B * L, 1);
  for (int b = 0; b < B; ++b) {
    unsigned char* r = m.data() + (size_t) b * L;
    if (mode == 1) {  // padding at the end: 10 keys in batch 0, 40% in batch 1
      const int pad = b == 0 ? std::min(10, L) : (int) (0.4 * L);
      for (int s = L - pad; s < L; ++s) r[s] = 0;
    } else if (mode == 2) {  // ~15% random holes plus a run of W + 2 (a row whose whole window is masked)
      for (int s = 0; s < L; ++s) r[s] = (unif(seed + b, s) > -0.7f) ? 1 : 0;
      const int run = std::min(W + 2, std::max(1, L / 3)), st = L / 4;
      for (int s = st; s < std::min(L, st + run); ++s) r[s] = 0;
    } else if (mode == 3) {  // batch 0 entirely masked, batch 1 half masked
      for (int s = 0; s < L; ++s) r[s] = b == 0 ? 0 : (unif(seed + 7, s) > 0.f ? 1 : 0);
    }
  }
}

static void runCase(int B, int L, int H, int D, int W, int maskMode, float amp, uint64_t seed) {
  const long long n = (long long) B * L * H * D, rows = (long long) B * L * H;
  const double scale = 1.0 / std::sqrt((double) D);
  bf16 *q, *k, *v, *dO, *out, *out2;
  float *lse, *dq, *dk, *dv, *dq2, *dk2, *dv2;
  unsigned char* kv = nullptr;
  CK(cudaMalloc(&q, n * 2));
  CK(cudaMalloc(&k, n * 2));
  CK(cudaMalloc(&v, n * 2));
  CK(cudaMalloc(&dO, n * 2));
  CK(cudaMalloc(&out, n * 2));
  CK(cudaMalloc(&out2, n * 2));
  CK(cudaMalloc(&lse, rows * 4));
  CK(cudaMalloc(&dq, n * 4));
  CK(cudaMalloc(&dk, n * 4));
  CK(cudaMalloc(&dv, n * 4));
  CK(cudaMalloc(&dq2, n * 4));
  CK(cudaMalloc(&dk2, n * 4));
  CK(cudaMalloc(&dv2, n * 4));
  fill(q, n, seed * 4 + 0, amp);
  fill(k, n, seed * 4 + 1, amp);
  fill(v, n, seed * 4 + 2, 1.f);
  fill(dO, n, seed * 4 + 3, 1.f);
  std::vector<unsigned char> hm;
  if (maskMode > 0) {
    keyMask(hm, maskMode, B, L, W, seed);
    CK(cudaMalloc(&kv, hm.size()));
    CK(cudaMemcpy(kv, hm.data(), hm.size(), cudaMemcpyHostToDevice));
  }
  // poison every output (0xff bytes: NaN in bf16 and float32) to catch unwritten elements
  for (void* p : {(void*) out, (void*) out2}) CK(cudaMemset(p, 0xff, n * 2));
  CK(cudaMemset(lse, 0xff, rows * 4));
  for (void* p : {(void*) dq, (void*) dk, (void*) dv, (void*) dq2, (void*) dk2, (void*) dv2}) CK(cudaMemset(p, 0xff, n * 4));

  char what[200];
  std::snprintf(what, sizeof what, "B=%d L=%d H=%d D=%d W=%d mask=%d amp=%g", B, L, H, D, W, maskMode, amp);
  bool ok = true;
  std::string msg;
  try {
    lact::flashForward(q, k, v, kv, B, L, H, D, W, (float) scale, out, lse, 0);
    lact::flashBackward(q, k, v, out, dO, lse, kv, B, L, H, D, W, (float) scale, dq, dk, dv, 0);
    // determinism: a second run must give identical bits
    lact::flashForward(q, k, v, kv, B, L, H, D, W, (float) scale, out2, lse, 0);
    lact::flashBackward(q, k, v, out, dO, lse, kv, B, L, H, D, W, (float) scale, dq2, dk2, dv2, 0);
    CK(cudaDeviceSynchronize());
  } catch (const std::exception& ex) {
    ok = false;
    msg = std::string(" exception: ") + ex.what();
  }
  CK(cudaGetLastError());

  double *ro, *rl, *rd, *rq, *rk, *rv;
  CK(cudaMalloc(&ro, n * 8));
  CK(cudaMalloc(&rl, rows * 8));
  CK(cudaMalloc(&rd, rows * 8));
  CK(cudaMalloc(&rq, n * 8));
  CK(cudaMalloc(&rk, n * 8));
  CK(cudaMalloc(&rv, n * 8));
  Ref r{q, k, v, dO, kv, B, L, H, D, W, scale};
  const int tb = 128, gb = (int) ((rows + tb - 1) / tb);
  refFwd<<<gb, tb>>>(r, ro, rl);
  refDelta<<<gb, tb>>>(r, out, rd);
  refDq<<<gb, tb>>>(r, rl, rd, rq);
  refDkdv<<<gb, tb>>>(r, rl, rd, rk, rv);
  CK(cudaGetLastError());
  CK(cudaDeviceSynchronize());

  double worst = 0;
  if (ok) {
    const auto hro = down(ro, n), hrl = down(rl, rows), hrq = down(rq, n), hrk = down(rk, n), hrv = down(rv, n);
    const auto ho = down(out, n), ho2 = down(out2, n);
    const auto hl = down(lse, rows);
    const auto hq = down(dq, n), hk = down(dk, n), hv = down(dv, n);
    const auto hq2 = down(dq2, n), hk2 = down(dk2, n), hv2 = down(dv2, n);
    const Err eo = compare(ho, hro), eq = compare(hq, hrq), ek = compare(hk, hrk), ev = compare(hv, hrv);
    const struct { const char* name; Err e; } all[] = {{"out", eo}, {"dq", eq}, {"dk", ek}, {"dv", ev}};
    for (const auto& x : all) {
      worst = std::max(worst, x.e.rel());
      if (x.e.bad) { ok = false; msg += " " + std::string(x.name) + ":" + std::to_string(x.e.bad) + " non-finite"; }
      if (x.e.rel() > kTol) {
        ok = false;
        char b[120];
        std::snprintf(b, sizeof b, " %s rel err %.3g (max|err| %.3g, max|ref| %.3g)", x.name, x.e.rel(), x.e.maxErr, x.e.maxRef);
        msg += b;
      }
    }
    // lse: exact -inf for empty rows, close elsewhere; and those rows' out and dq exactly zero
    long long lseBad = 0, emptyRows = 0, emptyBad = 0;
    double lseErr = 0;
    for (int b = 0; b < B; ++b)
      for (int h = 0; h < H; ++h)
        for (int t = 0; t < L; ++t) {
          const long long li = ((long long) b * H + h) * L + t, ri = ((long long) b * L + t) * H + h;
          const double want = hrl[li], got = hl[li];
          if (std::isinf(want)) {
            ++emptyRows;
            if (!(std::isinf(got) && got < 0)) ++lseBad;
            for (int c = 0; c < D; ++c)
              if (toD(ho[ri * D + c]) != 0.0 || hq[ri * D + c] != 0.f) { ++emptyBad; break; }
          } else if (!std::isfinite(got)) {
            ++lseBad;
          } else {
            lseErr = std::max(lseErr, std::fabs(got - want) / std::max(1.0, std::fabs(want)));
          }
        }
    if (lseBad || lseErr > kLseTol) {
      ok = false;
      char b[120];
      std::snprintf(b, sizeof b, " lse: %lld wrong, rel err %.3g", lseBad, lseErr);
      msg += b;
    }
    if (emptyBad) { ok = false; msg += " " + std::to_string(emptyBad) + " empty rows with nonzero out/dq"; }
    if (std::memcmp(ho.data(), ho2.data(), n * 2) || std::memcmp(hq.data(), hq2.data(), n * 4) ||
        std::memcmp(hk.data(), hk2.data(), n * 4) || std::memcmp(hv.data(), hv2.data(), n * 4)) {
      ok = false;
      msg += " not deterministic";
    }
    char b[160];
    std::snprintf(b, sizeof b, " [rel err out %.2e dq %.2e dk %.2e dv %.2e lse %.1e, %lld empty rows]", eo.rel(),
        eq.rel(), ek.rel(), ev.rel(), lseErr, emptyRows);
    msg += b;
  }
  ++checks;
  if (!ok) ++failures;
  std::printf("%s %s%s\n", ok ? "PASS" : "FAIL", what, msg.c_str());
  std::fflush(stdout);
  for (void* p : {(void*) q, (void*) k, (void*) v, (void*) dO, (void*) out, (void*) out2, (void*) lse, (void*) dq,
           (void*) dk, (void*) dv, (void*) dq2, (void*) dk2, (void*) dv2, (void*) ro, (void*) rl, (void*) rd,
           (void*) rq, (void*) rk, (void*) rv})
    CK(cudaFree(p));
  if (kv) CK(cudaFree(kv));
}

// An argument the API must refuse (lact::ArgError)
static void expectThrow(const char* what, void (*f)()) {
  bool threw = false;
  try {
    f();
  } catch (const std::exception&) {
    threw = true;
  }
  ++checks;
  if (!threw) ++failures;
  std::printf("%s rejects %s\n", threw ? "PASS" : "FAIL", what);
}

// ------------------------------------------------------------------------------------------------
// Timing

__global__ void countBad(const bf16* o, long long n, unsigned long long* bad) {
  for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
    if (!isfinite(__bfloat162float(o[i]))) atomicAdd(bad, 1ull);
}
__global__ void countBadF(const float* o, long long n, unsigned long long* bad) {
  for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
    if (!isfinite(o[i])) atomicAdd(bad, 1ull);
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

static void bench(int B, int L, int H, int D, int W, bool withMask) {
  const long long n = (long long) B * L * H * D, rows = (long long) B * L * H;
  const float scale = 1.f / std::sqrt((float) D);
  bf16 *q, *k, *v, *dO, *out;
  float *lse, *dq, *dk, *dv;
  unsigned char* kv = nullptr;
  CK(cudaMalloc(&q, n * 2));
  CK(cudaMalloc(&k, n * 2));
  CK(cudaMalloc(&v, n * 2));
  CK(cudaMalloc(&dO, n * 2));
  CK(cudaMalloc(&out, n * 2));
  CK(cudaMalloc(&lse, rows * 4));
  CK(cudaMalloc(&dq, n * 4));
  CK(cudaMalloc(&dk, n * 4));
  CK(cudaMalloc(&dv, n * 4));
  fill(q, n, 11, 2.f);
  fill(k, n, 12, 2.f);
  fill(v, n, 13, 1.f);
  fill(dO, n, 14, 1.f);
  double weff = 0;  // mean allowed keys per query
  if (withMask) {
    std::vector<unsigned char> hm;
    keyMask(hm, 1, B, L, W, 5);  // padding at the end
    CK(cudaMalloc(&kv, hm.size()));
    CK(cudaMemcpy(kv, hm.data(), hm.size(), cudaMemcpyHostToDevice));
    for (int b = 0; b < B; ++b) {
      std::vector<int> pre(L + 1, 0);
      for (int s = 0; s < L; ++s) pre[s + 1] = pre[s] + hm[(size_t) b * L + s];
      for (int t = 0; t < L; ++t) weff += pre[t + 1] - pre[std::max(0, t - W + 1)];
    }
  } else {
    for (int t = 0; t < L; ++t) weff += std::min(t + 1, W);
    weff *= B;
  }
  weff /= (double) B * L;
  const double fwdFlops = 4.0 * B * L * weff * D * H, bwdFlops = 2.5 * fwdFlops;

  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0));
  CK(cudaEventCreate(&e1));
  std::vector<double> tf, tb;
  const int warm = 3, runs = 15;
  try {
    for (int it = 0; it < warm + runs; ++it) {
      CK(cudaEventRecord(e0));
      lact::flashForward(q, k, v, kv, B, L, H, D, W, scale, out, lse, 0);
      CK(cudaEventRecord(e1));
      CK(cudaEventSynchronize(e1));
      float ms;
      CK(cudaEventElapsedTime(&ms, e0, e1));
      if (it >= warm) tf.push_back(ms);
      CK(cudaEventRecord(e0));
      lact::flashBackward(q, k, v, out, dO, lse, kv, B, L, H, D, W, scale, dq, dk, dv, 0);
      CK(cudaEventRecord(e1));
      CK(cudaEventSynchronize(e1));
      CK(cudaEventElapsedTime(&ms, e0, e1));
      if (it >= warm) tb.push_back(ms);
    }
  } catch (const std::exception& ex) {
    ++checks;
    ++failures;
    std::printf("FAIL bench B=%d L=%d H=%d D=%d W=%d: exception %s\n", B, L, H, D, W, ex.what());
    return;
  }
  unsigned long long* bad;
  CK(cudaMalloc(&bad, 8));
  CK(cudaMemset(bad, 0, 8));
  countBad<<<1024, 256>>>(out, n, bad);
  countBadF<<<1024, 256>>>(dq, n, bad);
  countBadF<<<1024, 256>>>(dk, n, bad);
  countBadF<<<1024, 256>>>(dv, n, bad);
  unsigned long long hb = 0;
  CK(cudaMemcpy(&hb, bad, 8, cudaMemcpyDeviceToHost));
  ++checks;
  if (hb) ++failures;
  const double mf = median(tf), mb = median(tb);
  std::printf("%s bench B=%d L=%d H=%d D=%d W=%d%s (W_eff %.1f): forward %.3f ms %.1f TFLOP/s | backward %.3f ms %.1f "
              "TFLOP/s%s\n",
      hb ? "FAIL" : "TIME", B, L, H, D, W, withMask ? " keyValid" : "", weff, mf, fwdFlops / mf * 1e-9, mb,
      bwdFlops / mb * 1e-9, hb ? " (non-finite outputs!)" : "");
  std::fflush(stdout);
  for (void* p : {(void*) q, (void*) k, (void*) v, (void*) dO, (void*) out, (void*) lse, (void*) dq, (void*) dk,
           (void*) dv, (void*) bad})
    CK(cudaFree(p));
  if (kv) CK(cudaFree(kv));
  CK(cudaEventDestroy(e0));
  CK(cudaEventDestroy(e1));
}

int main(int argc, char** argv) {
  bool checksOn = true, benchOn = true, small = false, one = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) benchOn = false;
    else if (!std::strcmp(argv[i], "--bench")) checksOn = false;
    else if (!std::strcmp(argv[i], "--small")) small = benchOn = false;
    else if (!std::strcmp(argv[i], "--one")) {
      one = true;
      benchOn = false;
    } else {
      std::fprintf(stderr, "usage: %s [--quick | --bench | --small | --one]\n", argv[0]);
      return 2;
    }
  }
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s (sm_%d%d, %d SMs)\n", prop.name, prop.major, prop.minor, prop.multiProcessorCount);

  if (one) {
    runCase(1, 300, 2, 64, 77, 2, 3.f, 1);
    runCase(1, 300, 2, 128, 150, 1, 1.f, 2);
  } else if (checksOn) {
    const int dims[] = {16, 32, 64, 128};
    const int shapes[][2] = {{1, 1}, {1, 4}, {7, 3}, {7, 100}, {100, 1}, {100, 37}, {100, 64}, {100, 1000},
        {300, 128}, {300, 200}, {300, 77}, {1000, 333}, {1500, 700}};
    uint64_t seed = 1;
    for (int D : dims) {
      if (!lact::flashSupports(D)) {
        std::printf("SKIP D=%d (not supported)\n", D);
        continue;
      }
      for (const auto& s : shapes)
        if (!small || s[0] <= 100)
          for (int mask = 0; mask < 4; ++mask, ++seed) runCase(2, s[0], 3, D, s[1], mask, (seed % 2) ? 1.f : 3.f, seed);
    }
    // a window of 0 or below: no key at all; a huge window: plain causal; long sequences
    if (!small) {
      runCase(2, 50, 3, 64, 0, 0, 1.f, seed++);
      runCase(1, 260, 2, 64, 1 << 30, 2, 3.f, seed++);
      runCase(1, 4100, 2, 64, 2048, 0, 2.f, seed++);
      runCase(1, 2200, 2, 128, 1024, 2, 2.f, seed++);
    }
    ++checks;
    if (lact::flashSupports(64) && lact::flashSupports(128) && !lact::flashSupports(48) && !lact::flashSupports(0)) {
      std::printf("PASS flashSupports(64, 128) true, (48, 0) false\n");
    } else {
      ++failures;
      std::printf("FAIL flashSupports\n");
    }
    expectThrow("head dim 48", [] { lact::flashForward(nullptr, nullptr, nullptr, nullptr, 1, 8, 1, 48, 4, 0.1f, nullptr, nullptr, 0); });
    expectThrow("null q", [] { lact::flashForward(nullptr, nullptr, nullptr, nullptr, 1, 8, 1, 64, 4, 0.1f, nullptr, nullptr, 0); });
    expectThrow("scale 0", [] { lact::flashForward(nullptr, nullptr, nullptr, nullptr, 1, 8, 1, 64, 4, 0.f, nullptr, nullptr, 0); });
  }
  if (benchOn) {
    bench(1, 32768, 24, 64, 2048, false);
    bench(1, 32768, 24, 128, 2048, false);
    bench(1, 32768, 24, 64, 2048, true);
  }
  std::printf("%s: %d of %d checks failed\n", failures ? "FAIL" : "PASS", failures, checks);
  return failures ? 1 : 0;
}
