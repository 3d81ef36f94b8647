// Fused causal sliding-window attention, forward and backward (FlashAttention-2 algorithm) with
// bf16 tensor-core products through mma.sync.m16n8k16 and ldmatrix, cp.async double-buffered tiles
// in XOR-swizzled shared memory. FLASH.md beside this file describes the design.
//
// Stands alone apart from runtime.h's error types (lact::Error, lact::ArgError, both header-only),
// so the self-test (src/test/native/flash_selftest.cu) builds it without the rest of the library.
#include "flash_attn.cuh"

#include <cstdint>
#include <sstream>
#include <string>

#include "runtime.h"

namespace lact {
namespace flash {

constexpr float kLog2e = 1.4426950408889634f;

// ---------------------------------------------------------------------------------------------
// Device primitives

__device__ __forceinline__ uint32_t smemAddr(const void* p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }

// 16 bytes global -> shared, asynchronously; zero-filled when !pred (src must still be a valid address)
__device__ __forceinline__ void cpAsync16(uint32_t dst, const void* src, bool pred) {
  const int n = pred ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(n) : "memory");
}
__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
__device__ __forceinline__ void cpAsyncWaitAll() { asm volatile("cp.async.wait_group 0;\n" ::: "memory"); }

__device__ __forceinline__ void ldsm4(uint32_t addr, uint32_t (&r)[4]) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}
__device__ __forceinline__ void ldsm4t(uint32_t addr, uint32_t (&r)[4]) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// c += a (16x16, row) * b (16x8, col), bf16 operands, float32 accumulators
__device__ __forceinline__ void mma(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// two floats -> bf16x2 (lo in the low half, i.e. the lower column)
__device__ __forceinline__ uint32_t pack(float lo, float hi) {
  uint32_t r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

__device__ __forceinline__ float ex2(float x) {  // 2^x; ex2(-inf) = 0
  float r;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(r) : "f"(x));
  return r;
}

// A tile of rows of D bf16 in shared memory, stored as 16-byte chunks with an XOR swizzle so that
// ldmatrix's 8 rows of one chunk column fall in 8 different bank groups.
template <int D>
__device__ __forceinline__ uint32_t swz(int row, int chunk) {
  constexpr int C = D / 8;
  int i;
  if constexpr (C >= 8) {
    i = row * C + (chunk ^ (row & 7));
  } else {
    const int j = row * C + chunk;
    i = j ^ ((j >> 3) & 7);
  }
  return static_cast<uint32_t>(i) * 16u;
}

// R rows of a [B, L, H, D] tensor (g points at row 0 of this (b, h); rows rs elements apart) from
// token t0 into the tile at sbase; rows outside [0, L) are zero-filled.
template <int D, int R, int NT>
__device__ __forceinline__ void loadTile(uint32_t sbase, const bf16* g, long long rs, int t0, int L, int tid) {
  constexpr int C = D / 8, N = R * C;
#pragma unroll
  for (int it = 0; it < (N + NT - 1) / NT; ++it) {
    const int i = tid + it * NT;
    if (N % NT == 0 || i < N) {
      const int r = i / C, c = i % C, t = t0 + r;
      const bool ok = t >= 0 && t < L;
      cpAsync16(sbase + swz<D>(r, c), ok ? g + t * rs + c * 8 : g, ok);
    }
  }
}

// Fragment loads from a tile (row length D) through ldmatrix.x4: each lane addresses row row0 + lr,
// chunk ch0 + lc of the tile (row0 a multiple of 8, ch0 even). With D >= 64 the swizzled offset is a
// constant plus one of four per-lane values (one per ch0 % 8), so the unrolled loops need only those
// four registers per access pattern and immediate offsets.
//   A operand (16 x 16, rows row0.., k = chunks ch0..) of a row-major [row][k] tile: Lanes(lane & 15, lane >> 4)
//   B operands of two n-tiles (n0..n0+15) at k0..k0+15 from a tile stored [n][k] (ldsm4, rows n):
//     Lanes((lane & 7) + ((lane >> 4) << 3), (lane >> 3) & 1)
//   the same from a tile stored [k][n] (ldsm4t, rows k): Lanes((lane & 7) + (((lane >> 3) & 1) << 3), lane >> 4)
// giving b[0], b[1] for n-tile n0 and b[2], b[3] for n0 + 8.
template <int D>
struct Lanes {
  static constexpr int C = D / 8;
  uint32_t v[4];
  int lr, lc;
  __device__ __forceinline__ Lanes(int lr_, int lc_) : lr(lr_), lc(lc_) {
    if constexpr (C >= 8) {
#pragma unroll
      for (int c = 0; c < 4; ++c) v[c] = static_cast<uint32_t>(lr * C * 16 + ((2 * c) ^ lc ^ (lr & 7)) * 16);
    }
  }
  __device__ __forceinline__ uint32_t at(int row0, int ch0) const {
    if constexpr (C >= 8) return static_cast<uint32_t>(row0 * C * 16 + (ch0 & ~7) * 16) + v[(ch0 & 7) >> 1];
    else return swz<D>(row0 + lr, ch0 + lc);
  }
};
template <int D>
__device__ __forceinline__ Lanes<D> lanesA(int lane) { return Lanes<D>(lane & 15, lane >> 4); }
template <int D>
__device__ __forceinline__ Lanes<D> lanesNK(int lane) { return Lanes<D>((lane & 7) + ((lane >> 4) << 3), (lane >> 3) & 1); }
template <int D>
__device__ __forceinline__ Lanes<D> lanesKN(int lane) { return Lanes<D>((lane & 7) + (((lane >> 3) & 1) << 3), lane >> 4); }

// The A operand (16 rows x 16 of k) from accumulator tiles 2kk and 2kk+1 (8 columns each), rounded
// to bf16: the FlashAttention register reuse of P (and dS) as the next product's left operand.
__device__ __forceinline__ void accToA(const float (&c0)[4], const float (&c1)[4], uint32_t (&a)[4]) {
  a[0] = pack(c0[0], c0[1]);
  a[1] = pack(c0[2], c0[3]);
  a[2] = pack(c1[0], c1[1]);
  a[3] = pack(c1[2], c1[3]);
}

struct Args {
  const bf16 *q, *k, *v, *dO;
  const unsigned char* vpad;  // [B][Lpad] 0/1 key validity, padding 0; null = all valid
  const float *lse2, *dvec;   // backward: [B*H][Lpad] lse * log2(e) (+inf: empty row or padding), rowsum(dO*O)
  bf16* out;
  float* lse;
  float *dq, *dk, *dv;
  int L, Lpad, H, W;
  float scale;
};

// ---------------------------------------------------------------------------------------------
// Forward: one block of BM queries (BM/16 warps, 16 query rows each) of one (b, h); loops over the
// key tiles of BN keys that intersect the band [m0 - W + 1, m0 + BM - 1], K/V double-buffered.
template <int D, int BM, int BN, int MINB>
__global__ void __launch_bounds__(BM * 2, MINB) fwdKernel(const Args a) {
  constexpr int NT = BM * 2, QB = BM * D * 2, KB = BN * D * 2;
  extern __shared__ __align__(128) unsigned char smem[];
  const uint32_t sQ = smemAddr(smem), sK = sQ + QB, sV = sK + 2 * KB;
  unsigned char* sM = smem + QB + 4 * KB;  // [2][BN] key validity
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const Lanes<D> LA = lanesA<D>(lane), LNK = lanesNK<D>(lane), LKN = lanesKN<D>(lane);
  const int m0 = blockIdx.x * BM, h = blockIdx.y, b = blockIdx.z;
  const int L = a.L, W = a.W;
  const long long rs = (long long) a.H * D, base = (long long) b * L * rs + (long long) h * D;
  const bf16 *qg = a.q + base, *kg = a.k + base, *vg = a.v + base;
  const unsigned char* vm = a.vpad ? a.vpad + (long long) b * a.Lpad : nullptr;
  const int lo = max(0, m0 - W + 1), hi = min(L - 1, m0 + BM - 1);
  const int j0 = lo / BN, j1 = W > 0 ? hi / BN : j0 - 1;

  auto loadKV = [&](int j, int st) {
    loadTile<D, BN, NT>(sK + st * KB, kg, rs, j * BN, L, tid);
    loadTile<D, BN, NT>(sV + st * KB, vg, rs, j * BN, L, tid);
    if (vm && tid < BN / 16) cpAsync16(smemAddr(sM + st * BN) + tid * 16, vm + j * BN + tid * 16, true);
  };
  loadTile<D, BM, NT>(sQ, qg, rs, m0, L, tid);
  if (j0 <= j1) loadKV(j0, 0);
  cpAsyncCommit();

  const float sl2 = a.scale * kLog2e;
  const int qw = m0 + warp * 16;  // the warp's first query
  const int g = lane >> 2, cq = (lane & 3) * 2;
  float o[D / 8][4];
#pragma unroll
  for (int i = 0; i < D / 8; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.f;
  float mx[2] = {-INFINITY, -INFINITY}, ls[2] = {0.f, 0.f};
  uint32_t qf[D / 16][4];

  for (int j = j0; j <= j1; ++j) {
    const int st = (j - j0) & 1;
    cpAsyncWaitAll();
    __syncthreads();  // tile j visible to all; everyone is done with tile j - 1's buffers
    if (j == j0) {
#pragma unroll
      for (int kk = 0; kk < D / 16; ++kk) ldsm4(sQ + LA.at(warp * 16, kk * 2), qf[kk]);
    }
    if (j < j1) loadKV(j + 1, st ^ 1);
    cpAsyncCommit();

    const int n0 = j * BN;
    if (n0 > qw + 15 || n0 + BN - 1 < qw - W + 1) continue;  // no key of this tile is in the warp's band
    bool edge = n0 + BN - 1 > qw || n0 < qw + 16 - W;
    const unsigned char* mk = sM + st * BN;
    if (vm) {
      const uint32_t w = lane < BN / 4 ? reinterpret_cast<const uint32_t*>(mk)[lane] : 0x01010101u;
      edge |= !__all_sync(0xffffffffu, w == 0x01010101u);
    }
    const uint32_t kb = sK + st * KB, vb = sV + st * KB;

    float s[BN / 8][4];
#pragma unroll
    for (int i = 0; i < BN / 8; ++i) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
#pragma unroll
      for (int nn = 0; nn < BN / 16; ++nn) {
        uint32_t bb[4];
        ldsm4(kb + LNK.at(nn * 16, kk * 2), bb);
        mma(s[2 * nn], qf[kk], bb[0], bb[1]);
        mma(s[2 * nn + 1], qf[kk], bb[2], bb[3]);
      }
    }
    if (edge) {
#pragma unroll
      for (int i = 0; i < BN / 8; ++i) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int t = qw + g + (e >> 1) * 8, c = i * 8 + cq + (e & 1), sk = n0 + c;
          const bool ok = sk <= t && sk > t - W && (!vm || mk[c]);
          if (!ok) s[i][e] = -INFINITY;
        }
      }
    }
    // online softmax; scores stay unscaled (scale > 0), p = 2^(s * scale * log2 e - m * ...)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float m = -INFINITY;
#pragma unroll
      for (int i = 0; i < BN / 8; ++i) m = fmaxf(m, fmaxf(s[i][2 * r], s[i][2 * r + 1]));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
      const float mn = fmaxf(mx[r], m);
      const float ms = mn == -INFINITY ? 0.f : mn * sl2;
      const float al = ex2(mx[r] * sl2 - ms);
      mx[r] = mn;
      float sum = 0.f;
#pragma unroll
      for (int i = 0; i < BN / 8; ++i) {
        s[i][2 * r] = ex2(fmaf(s[i][2 * r], sl2, -ms));
        s[i][2 * r + 1] = ex2(fmaf(s[i][2 * r + 1], sl2, -ms));
        sum += s[i][2 * r] + s[i][2 * r + 1];
      }
      ls[r] = ls[r] * al + sum;
#pragma unroll
      for (int i = 0; i < D / 8; ++i) {
        o[i][2 * r] *= al;
        o[i][2 * r + 1] *= al;
      }
    }
    // o += P V
#pragma unroll
    for (int kk = 0; kk < BN / 16; ++kk) {
      uint32_t pa[4];
      accToA(s[2 * kk], s[2 * kk + 1], pa);
#pragma unroll
      for (int dd = 0; dd < D / 16; ++dd) {
        uint32_t bb[4];
        ldsm4t(vb + LKN.at(kk * 16, dd * 2), bb);
        mma(o[2 * dd], pa, bb[0], bb[1]);
        mma(o[2 * dd + 1], pa, bb[2], bb[3]);
      }
    }
  }
  cpAsyncWaitAll();

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float l = ls[r];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    const int t = qw + g + 8 * r;
    if (t < L) {
      const float inv = l > 0.f ? 1.f / l : 0.f;
      bf16* orow = a.out + base + (long long) t * rs;
#pragma unroll
      for (int i = 0; i < D / 8; ++i)
        *reinterpret_cast<uint32_t*>(orow + i * 8 + cq) = pack(o[i][2 * r] * inv, o[i][2 * r + 1] * inv);
      if ((lane & 3) == 0)
        a.lse[((long long) b * a.H + h) * L + t] = l > 0.f ? mx[r] * a.scale + logf(l) : kFlashEmptyLse;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Backward, dQ: like the forward, one block of BM queries looping over the key tiles of its band;
// recomputes S = Q K^T and P = exp(scale S - lse), dP = dO V^T, dS = P (dP - rowsum(dO O)) and
// accumulates dQ = scale dS K in registers. AREG keeps the Q and dO fragments in registers.
template <int D, int BM, int BN, bool AREG, int MINB>
__global__ void __launch_bounds__(BM * 2, MINB) dqKernel(const Args a) {
  constexpr int NT = BM * 2, QB = BM * D * 2, KB = BN * D * 2;
  extern __shared__ __align__(128) unsigned char smem[];
  const uint32_t sQ = smemAddr(smem), sO = sQ + QB, sK = sO + QB, sV = sK + 2 * KB;
  unsigned char* sM = smem + 2 * QB + 4 * KB;
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const Lanes<D> LA = lanesA<D>(lane), LNK = lanesNK<D>(lane), LKN = lanesKN<D>(lane);
  const int m0 = blockIdx.x * BM, h = blockIdx.y, b = blockIdx.z;
  const int L = a.L, W = a.W;
  const long long rs = (long long) a.H * D, base = (long long) b * L * rs + (long long) h * D;
  const bf16 *qg = a.q + base, *og = a.dO + base, *kg = a.k + base, *vg = a.v + base;
  const unsigned char* vm = a.vpad ? a.vpad + (long long) b * a.Lpad : nullptr;
  const int lo = max(0, m0 - W + 1), hi = min(L - 1, m0 + BM - 1);
  const int j0 = lo / BN, j1 = W > 0 ? hi / BN : j0 - 1;

  auto loadKV = [&](int j, int st) {
    loadTile<D, BN, NT>(sK + st * KB, kg, rs, j * BN, L, tid);
    loadTile<D, BN, NT>(sV + st * KB, vg, rs, j * BN, L, tid);
    if (vm && tid < BN / 16) cpAsync16(smemAddr(sM + st * BN) + tid * 16, vm + j * BN + tid * 16, true);
  };
  loadTile<D, BM, NT>(sQ, qg, rs, m0, L, tid);
  loadTile<D, BM, NT>(sO, og, rs, m0, L, tid);
  if (j0 <= j1) loadKV(j0, 0);
  cpAsyncCommit();

  const float sl2 = a.scale * kLog2e;
  const int qw = m0 + warp * 16;
  const int g = lane >> 2, cq = (lane & 3) * 2;
  const long long bh = (long long) b * a.H + h;
  float l2[2], dl[2];
#pragma unroll
  for (int r = 0; r < 2; ++r) {  // rows < Lpad always (Lpad is a multiple of BM)
    l2[r] = a.lse2[bh * a.Lpad + qw + g + 8 * r];
    dl[r] = a.dvec[bh * a.Lpad + qw + g + 8 * r];
  }
  float acc[D / 8][4];
#pragma unroll
  for (int i = 0; i < D / 8; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.f;
  uint32_t qf[AREG ? D / 16 : 1][4], of[AREG ? D / 16 : 1][4];

  for (int j = j0; j <= j1; ++j) {
    const int st = (j - j0) & 1;
    cpAsyncWaitAll();
    __syncthreads();
    if (AREG && j == j0) {
#pragma unroll
      for (int kk = 0; kk < (AREG ? D / 16 : 0); ++kk) {
        ldsm4(sQ + LA.at(warp * 16, kk * 2), qf[kk]);
        ldsm4(sO + LA.at(warp * 16, kk * 2), of[kk]);
      }
    }
    if (j < j1) loadKV(j + 1, st ^ 1);
    cpAsyncCommit();

    const int n0 = j * BN;
    if (n0 > qw + 15 || n0 + BN - 1 < qw - W + 1) continue;
    bool edge = n0 + BN - 1 > qw || n0 < qw + 16 - W;
    const unsigned char* mk = sM + st * BN;
    if (vm) {
      const uint32_t w = lane < BN / 4 ? reinterpret_cast<const uint32_t*>(mk)[lane] : 0x01010101u;
      edge |= !__all_sync(0xffffffffu, w == 0x01010101u);
    }
    const uint32_t kb = sK + st * KB, vb = sV + st * KB;

    float s[BN / 8][4], dp[BN / 8][4];
#pragma unroll
    for (int i = 0; i < BN / 8; ++i)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[i][e] = dp[i][e] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t qa[4], oa[4];
      if constexpr (AREG) {
#pragma unroll
        for (int x = 0; x < 4; ++x) { qa[x] = qf[kk][x]; oa[x] = of[kk][x]; }
      } else {
        ldsm4(sQ + LA.at(warp * 16, kk * 2), qa);
        ldsm4(sO + LA.at(warp * 16, kk * 2), oa);
      }
#pragma unroll
      for (int nn = 0; nn < BN / 16; ++nn) {
        uint32_t bb[4];
        ldsm4(kb + LNK.at(nn * 16, kk * 2), bb);
        mma(s[2 * nn], qa, bb[0], bb[1]);
        mma(s[2 * nn + 1], qa, bb[2], bb[3]);
        ldsm4(vb + LNK.at(nn * 16, kk * 2), bb);
        mma(dp[2 * nn], oa, bb[0], bb[1]);
        mma(dp[2 * nn + 1], oa, bb[2], bb[3]);
      }
    }
#pragma unroll
    for (int i = 0; i < BN / 8; ++i) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        float p = ex2(fmaf(s[i][e], sl2, -l2[e >> 1]));
        if (edge) {
          const int t = qw + g + (e >> 1) * 8, c = i * 8 + cq + (e & 1), sk = n0 + c;
          const bool ok = sk <= t && sk > t - W && (!vm || mk[c]);
          p = ok ? p : 0.f;
        }
        s[i][e] = p * (dp[i][e] - dl[e >> 1]);  // dS
      }
    }
#pragma unroll
    for (int kk = 0; kk < BN / 16; ++kk) {
      uint32_t pa[4];
      accToA(s[2 * kk], s[2 * kk + 1], pa);
#pragma unroll
      for (int dd = 0; dd < D / 16; ++dd) {
        uint32_t bb[4];
        ldsm4t(kb + LKN.at(kk * 16, dd * 2), bb);
        mma(acc[2 * dd], pa, bb[0], bb[1]);
        mma(acc[2 * dd + 1], pa, bb[2], bb[3]);
      }
    }
  }
  cpAsyncWaitAll();

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int t = qw + g + 8 * r;
    if (t < L) {
      float* row = a.dq + base + (long long) t * rs;
#pragma unroll
      for (int i = 0; i < D / 8; ++i)
        *reinterpret_cast<float2*>(row + i * 8 + cq) = make_float2(acc[i][2 * r] * a.scale, acc[i][2 * r + 1] * a.scale);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Backward, dK and dV: one block of NW*16 keys (16 per warp) of one (b, h), looping over the query
// tiles of BM queries that see them, Q/dO (and their lse, rowsum(dO O)) double-buffered. Per warp
// the transposed products: S^T = K Q^T, P^T, dV += P^T dO, dP^T = V dO^T, dS^T = P^T (dP^T - D),
// dK += scale dS^T Q, all accumulated in registers and written once.
template <int D, int NW, int BM, int MINB>
__global__ void __launch_bounds__(NW * 32, MINB) dkdvKernel(const Args a) {
  constexpr int NT = NW * 32, BN = NW * 16, KB = BN * D * 2, QB = BM * D * 2;
  extern __shared__ __align__(128) unsigned char smem[];
  const uint32_t sK = smemAddr(smem), sV = sK + KB, sQ = sV + KB, sO = sQ + 2 * QB;
  float* sL = reinterpret_cast<float*>(smem + 2 * KB + 4 * QB);  // [2][BM] lse2, then [2][BM] dvec
  float* sD = sL + 2 * BM;
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const Lanes<D> LA = lanesA<D>(lane), LNK = lanesNK<D>(lane), LKN = lanesKN<D>(lane);
  const int n0 = blockIdx.x * BN, h = blockIdx.y, b = blockIdx.z;
  const int L = a.L, W = a.W;
  const long long rs = (long long) a.H * D, base = (long long) b * L * rs + (long long) h * D;
  const bf16 *qg = a.q + base, *og = a.dO + base, *kg = a.k + base, *vg = a.v + base;
  const long long bh = (long long) b * a.H + h;
  const float *l2g = a.lse2 + bh * a.Lpad, *dlg = a.dvec + bh * a.Lpad;
  const int i0 = n0 / BM;
  const int i1 = W > 0 ? min(L - 1, n0 + BN - 1 + (W - 1)) / BM : i0 - 1;

  auto loadQ = [&](int i, int st) {
    loadTile<D, BM, NT>(sQ + st * QB, qg, rs, i * BM, L, tid);
    loadTile<D, BM, NT>(sO + st * QB, og, rs, i * BM, L, tid);
    // query rows < Lpad (a multiple of BM), padding holds lse2 = +inf, dvec = 0
    if (tid < BM / 4) cpAsync16(smemAddr(sL + st * BM) + tid * 16, l2g + i * BM + tid * 4, true);
    else if (tid < BM / 2)
      cpAsync16(smemAddr(sD + st * BM) + (tid - BM / 4) * 16, dlg + i * BM + (tid - BM / 4) * 4, true);
  };
  loadTile<D, BN, NT>(sK, kg, rs, n0, L, tid);
  loadTile<D, BN, NT>(sV, vg, rs, n0, L, tid);
  if (i0 <= i1) loadQ(i0, 0);
  cpAsyncCommit();

  const float sl2 = a.scale * kLog2e;
  const int sw = n0 + warp * 16;  // the warp's first key
  const int g = lane >> 2, cq = (lane & 3) * 2;
  bool kv[2] = {true, true};
  if (a.vpad) {  // keys < Lpad (a multiple of BN)
    kv[0] = a.vpad[(long long) b * a.Lpad + sw + g] != 0;
    kv[1] = a.vpad[(long long) b * a.Lpad + sw + g + 8] != 0;
  }
  const bool allValid = __all_sync(0xffffffffu, kv[0] && kv[1]);
  float dk[D / 8][4], dv[D / 8][4];
#pragma unroll
  for (int i = 0; i < D / 8; ++i)
#pragma unroll
    for (int e = 0; e < 4; ++e) dk[i][e] = dv[i][e] = 0.f;

  for (int i = i0; i <= i1; ++i) {
    const int st = (i - i0) & 1;
    cpAsyncWaitAll();
    __syncthreads();
    if (i < i1) loadQ(i + 1, st ^ 1);
    cpAsyncCommit();

    const int m0 = i * BM;
    if (sw > m0 + BM - 1 || sw + 15 < m0 - W + 1) continue;  // no query of this tile sees the warp's keys
    const bool edge = sw + 15 > m0 || sw < m0 + BM - W || !allValid;
    const uint32_t qb = sQ + st * QB, ob = sO + st * QB;
    const float *ll = sL + st * BM, *dd_ = sD + st * BM;

    float s[BM / 8][4], dp[BM / 8][4];
#pragma unroll
    for (int x = 0; x < BM / 8; ++x)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[x][e] = dp[x][e] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {  // S^T = K Q^T
      uint32_t ka[4];
      ldsm4(sK + LA.at(warp * 16, kk * 2), ka);
#pragma unroll
      for (int nn = 0; nn < BM / 16; ++nn) {
        uint32_t bb[4];
        ldsm4(qb + LNK.at(nn * 16, kk * 2), bb);
        mma(s[2 * nn], ka, bb[0], bb[1]);
        mma(s[2 * nn + 1], ka, bb[2], bb[3]);
      }
    }
#pragma unroll
    for (int x = 0; x < BM / 8; ++x) {  // P^T
      const float2 lq = *reinterpret_cast<const float2*>(ll + x * 8 + cq);
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        float p = ex2(fmaf(s[x][e], sl2, -((e & 1) ? lq.y : lq.x)));
        if (edge) {
          const int t = m0 + x * 8 + cq + (e & 1), sk = sw + g + (e >> 1) * 8;
          const bool ok = sk <= t && sk > t - W && kv[e >> 1];
          p = ok ? p : 0.f;
        }
        s[x][e] = p;
      }
    }
#pragma unroll
    for (int kk = 0; kk < BM / 16; ++kk) {  // dV += P^T dO
      uint32_t pa[4];
      accToA(s[2 * kk], s[2 * kk + 1], pa);
#pragma unroll
      for (int d2 = 0; d2 < D / 16; ++d2) {
        uint32_t bb[4];
        ldsm4t(ob + LKN.at(kk * 16, d2 * 2), bb);
        mma(dv[2 * d2], pa, bb[0], bb[1]);
        mma(dv[2 * d2 + 1], pa, bb[2], bb[3]);
      }
    }
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {  // dP^T = V dO^T
      uint32_t va[4];
      ldsm4(sV + LA.at(warp * 16, kk * 2), va);
#pragma unroll
      for (int nn = 0; nn < BM / 16; ++nn) {
        uint32_t bb[4];
        ldsm4(ob + LNK.at(nn * 16, kk * 2), bb);
        mma(dp[2 * nn], va, bb[0], bb[1]);
        mma(dp[2 * nn + 1], va, bb[2], bb[3]);
      }
    }
#pragma unroll
    for (int x = 0; x < BM / 8; ++x) {  // dS^T
      const float2 dq2 = *reinterpret_cast<const float2*>(dd_ + x * 8 + cq);
#pragma unroll
      for (int e = 0; e < 4; ++e) s[x][e] *= dp[x][e] - ((e & 1) ? dq2.y : dq2.x);
    }
#pragma unroll
    for (int kk = 0; kk < BM / 16; ++kk) {  // dK += dS^T Q
      uint32_t pa[4];
      accToA(s[2 * kk], s[2 * kk + 1], pa);
#pragma unroll
      for (int d2 = 0; d2 < D / 16; ++d2) {
        uint32_t bb[4];
        ldsm4t(qb + LKN.at(kk * 16, d2 * 2), bb);
        mma(dk[2 * d2], pa, bb[0], bb[1]);
        mma(dk[2 * d2 + 1], pa, bb[2], bb[3]);
      }
    }
  }
  cpAsyncWaitAll();

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int s = sw + g + 8 * r;
    if (s < L) {
      float* krow = a.dk + base + (long long) s * rs;
      float* vrow = a.dv + base + (long long) s * rs;
#pragma unroll
      for (int x = 0; x < D / 8; ++x) {
        *reinterpret_cast<float2*>(krow + x * 8 + cq) = make_float2(dk[x][2 * r] * a.scale, dk[x][2 * r + 1] * a.scale);
        *reinterpret_cast<float2*>(vrow + x * 8 + cq) = make_float2(dv[x][2 * r], dv[x][2 * r + 1]);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small kernels

// vpad[b][t] = (t < L && keyValid[b*L + t]) for t < Lpad
__global__ void maskPadKernel(const unsigned char* kv, unsigned char* vpad, int B, int L, int Lpad) {
  const long long n = (long long) B * Lpad;
  for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
    const long long bb = i / Lpad;
    const int t = (int) (i % Lpad);
    vpad[i] = (t < L && kv[bb * L + t]) ? 1 : 0;
  }
}

// dvec[b*H+h][t] = sum_c dO * O (float32) and lse2 = lse * log2(e) (+inf for an empty row); D/8
// threads per row, 16 bytes each; rows in memory order (b, t, h).
template <int D>
__global__ void bwdPrepKernel(const bf16* out, const bf16* dO, const float* lse, float* lse2, float* dvec, int B,
    int L, int H, int Lpad) {
  constexpr int G = D / 8;
  const long long rows = (long long) B * L * H;
  const long long gi = blockIdx.x * (long long) blockDim.x + threadIdx.x;
  const long long row = gi / G;
  const int c = (int) (gi % G);
  float acc = 0.f;
  if (row < rows) {
    const uint4 ov = *reinterpret_cast<const uint4*>(out + row * D + c * 8);
    const uint4 dv = *reinterpret_cast<const uint4*>(dO + row * D + c * 8);
    const __nv_bfloat162* o2 = reinterpret_cast<const __nv_bfloat162*>(&ov);
    const __nv_bfloat162* d2 = reinterpret_cast<const __nv_bfloat162*>(&dv);
#pragma unroll
    for (int x = 0; x < 4; ++x) {
      const float2 of = __bfloat1622float2(o2[x]), df = __bfloat1622float2(d2[x]);
      acc = fmaf(of.x, df.x, acc);
      acc = fmaf(of.y, df.y, acc);
    }
  }
#pragma unroll
  for (int off = G / 2; off > 0; off >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, off);
  if (row < rows && c == 0) {
    const int hh = (int) (row % H);
    const long long bt = row / H;
    const int t = (int) (bt % L);
    const long long bb = bt / L;
    const long long bhh = bb * H + hh;
    dvec[bhh * Lpad + t] = acc;
    const float l = lse[bhh * L + t];
    lse2[bhh * Lpad + t] = (l > -1e30f && l < 1e30f) ? l * kLog2e : INFINITY;
  }
}

__global__ void bwdPadKernel(float* lse2, float* dvec, int BH, int L, int Lpad) {
  const int pad = Lpad - L;
  const long long n = (long long) BH * pad;
  for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
    const long long idx = (i / pad) * Lpad + L + i % pad;
    lse2[idx] = INFINITY;
    dvec[idx] = 0.f;
  }
}

// ---------------------------------------------------------------------------------------------
// Host side

void ck(cudaError_t e, const char* what, const char* file, int line) {
  if (e == cudaSuccess) return;
  std::ostringstream m;
  m << "CUDA error " << static_cast<int>(e) << " (" << cudaGetErrorName(e) << "): " << cudaGetErrorString(e) << " in "
    << what << " at " << file << ":" << line;
  throw Error(m.str());
}
#define FLASH_CK(x) ::lact::flash::ck((x), #x, __FILE__, __LINE__)
#define FLASH_LAUNCHED() ::lact::flash::ck(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)

// Stream-ordered scratch, freed (in stream order) when it goes out of scope.
struct Scratch {
  void* p = nullptr;
  cudaStream_t s;
  Scratch(size_t bytes, cudaStream_t st) : s(st) {
    if (bytes) FLASH_CK(cudaMallocAsync(&p, bytes, s));
  }
  ~Scratch() {
    if (p) cudaFreeAsync(p, s);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

constexpr int kPad = 128;  // L is padded to a multiple of this (every tile size divides it)

inline int gridFor(long long n, int tpb) {
  long long b = (n + tpb - 1) / tpb;
  return (int) (b < 1 ? 1 : (b > 65535 ? 65535 : b));
}

// Tile configurations per head dim, chosen by src/test/native/flash_tune.cu on an H100 at B=1,
// L=32768, H=24, W=2048 (FLASH.md has the numbers).
template <int D>
struct Cfg {
  // forward: queries per block (BM/16 warps), keys per tile, min blocks per SM
  static constexpr int FBM = 128, FBN = 64, FMINB = D <= 64 ? 2 : 1;
  // dq: queries per block (BM/16 warps), keys per tile, Q/dO fragments kept in registers, min blocks per SM
  static constexpr int QBM = 64, QBN = 64, QMINB = D <= 64 ? 3 : 2;
  static constexpr bool QAREG = false;
  // dk/dv: warps per block (16 keys each), queries per tile, min blocks per SM
  static constexpr int KNW = 4, KBM = 64, KMINB = D <= 64 ? 3 : 2;
};

template <class K>
void setSmem(K kern, size_t bytes) {
  FLASH_CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int) bytes));
}

template <int D, int BM, int BN, int MINB>
void launchFwd(const Args& a, int B, cudaStream_t st) {
  const size_t smem = (size_t) BM * D * 2 + 4 * (size_t) BN * D * 2 + 2 * BN;
  auto kern = fwdKernel<D, BM, BN, MINB>;
  setSmem(kern, smem);
  kern<<<dim3((a.L + BM - 1) / BM, a.H, B), BM * 2, smem, st>>>(a);
  FLASH_LAUNCHED();
}

template <int D, int BM, int BN, bool AREG, int MINB>
void launchDq(const Args& a, int B, cudaStream_t st) {
  const size_t smem = 2 * (size_t) BM * D * 2 + 4 * (size_t) BN * D * 2 + 2 * BN;
  auto kern = dqKernel<D, BM, BN, AREG, MINB>;
  setSmem(kern, smem);
  kern<<<dim3((a.L + BM - 1) / BM, a.H, B), BM * 2, smem, st>>>(a);
  FLASH_LAUNCHED();
}

template <int D, int NW, int BM, int MINB>
void launchDkdv(const Args& a, int B, cudaStream_t st) {
  constexpr int BN = NW * 16;
  const size_t smem = 2 * (size_t) BN * D * 2 + 4 * (size_t) BM * D * 2 + 4 * BM * sizeof(float);
  auto kern = dkdvKernel<D, NW, BM, MINB>;
  setSmem(kern, smem);
  kern<<<dim3((a.L + BN - 1) / BN, a.H, B), NW * 32, smem, st>>>(a);
  FLASH_LAUNCHED();
}

template <int D>
void fwdD(const Args& a, int B, cudaStream_t st) {
  using C = Cfg<D>;
  launchFwd<D, C::FBM, C::FBN, C::FMINB>(a, B, st);
}

template <int D>
void bwdD(const Args& a, int B, cudaStream_t st) {
  using C = Cfg<D>;
  launchDkdv<D, C::KNW, C::KBM, C::KMINB>(a, B, st);
  launchDq<D, C::QBM, C::QBN, C::QAREG, C::QMINB>(a, B, st);
}

void checkArgs(const char* fn, int B, int L, int H, int D, float scale) {
  std::ostringstream m;
  if (B < 1 || B > 65535 || H < 1 || H > 65535 || L < 0)
    m << fn << ": bad shape B=" << B << " L=" << L << " H=" << H << " (need 1 <= B, H <= 65535, L >= 0)";
  else if (!flashSupports(D))
    m << fn << ": head dim " << D << " not supported (16, 32, 64, 128)";
  else if (!(scale > 0.f) || !std::isfinite(scale))
    m << fn << ": scale must be positive and finite, got " << scale;
  if (!m.str().empty()) throw ArgError(m.str());
}

void checkPtr(const char* fn, const char* name, const void* p, int align) {
  if (!p || reinterpret_cast<uintptr_t>(p) % align != 0) {
    std::ostringstream m;
    m << fn << ": " << name << (p ? " is not aligned to " : " is null") << (p ? std::to_string(align) + " bytes" : "");
    throw ArgError(m.str());
  }
}

int padL(int L) { return (L + kPad - 1) / kPad * kPad; }
int clampW(int w, int L) { return w < 0 ? 0 : (w > L ? L : w); }

}  // namespace flash

bool flashSupports(int headDim) { return headDim == 16 || headDim == 32 || headDim == 64 || headDim == 128; }

void flashForward(const bf16* q, const bf16* k, const bf16* v, const unsigned char* keyValid, int B, int L, int H,
    int D, int window, float scale, bf16* out, float* lse, cudaStream_t stream) {
  using namespace flash;
  const char* fn = "flashForward";
  checkArgs(fn, B, L, H, D, scale);
  if (L == 0) return;
  checkPtr(fn, "q", q, 16);
  checkPtr(fn, "k", k, 16);
  checkPtr(fn, "v", v, 16);
  checkPtr(fn, "out", out, 4);
  checkPtr(fn, "lse", lse, 4);
  const int Lpad = padL(L);
  Scratch vs(keyValid ? (size_t) B * Lpad : 0, stream);
  Args a{};
  a.q = q;
  a.k = k;
  a.v = v;
  a.out = out;
  a.lse = lse;
  a.L = L;
  a.Lpad = Lpad;
  a.H = H;
  a.W = clampW(window, L);
  a.scale = scale;
  if (keyValid) {
    a.vpad = static_cast<unsigned char*>(vs.p);
    maskPadKernel<<<gridFor((long long) B * Lpad, 256), 256, 0, stream>>>(keyValid, (unsigned char*) vs.p, B, L, Lpad);
    FLASH_LAUNCHED();
  }
  switch (D) {
    case 16: fwdD<16>(a, B, stream); break;
    case 32: fwdD<32>(a, B, stream); break;
    case 64: fwdD<64>(a, B, stream); break;
    default: fwdD<128>(a, B, stream); break;
  }
}

void flashBackward(const bf16* q, const bf16* k, const bf16* v, const bf16* out, const bf16* dOut, const float* lse,
    const unsigned char* keyValid, int B, int L, int H, int D, int window, float scale, float* dq, float* dk,
    float* dv, cudaStream_t stream) {
  using namespace flash;
  const char* fn = "flashBackward";
  checkArgs(fn, B, L, H, D, scale);
  if (L == 0) return;
  checkPtr(fn, "q", q, 16);
  checkPtr(fn, "k", k, 16);
  checkPtr(fn, "v", v, 16);
  checkPtr(fn, "out", out, 16);
  checkPtr(fn, "dOut", dOut, 16);
  checkPtr(fn, "lse", lse, 4);
  checkPtr(fn, "dq", dq, 8);
  checkPtr(fn, "dk", dk, 8);
  checkPtr(fn, "dv", dv, 8);
  const int Lpad = padL(L);
  const long long BH = (long long) B * H;
  Scratch fs((size_t) 2 * BH * Lpad * sizeof(float), stream);
  Scratch vs(keyValid ? (size_t) B * Lpad : 0, stream);
  Args a{};
  a.q = q;
  a.k = k;
  a.v = v;
  a.dO = dOut;
  a.lse2 = static_cast<float*>(fs.p);
  a.dvec = static_cast<float*>(fs.p) + BH * Lpad;
  a.dq = dq;
  a.dk = dk;
  a.dv = dv;
  a.L = L;
  a.Lpad = Lpad;
  a.H = H;
  a.W = clampW(window, L);
  a.scale = scale;
  if (keyValid) {
    a.vpad = static_cast<unsigned char*>(vs.p);
    maskPadKernel<<<gridFor((long long) B * Lpad, 256), 256, 0, stream>>>(keyValid, (unsigned char*) vs.p, B, L, Lpad);
    FLASH_LAUNCHED();
  }
  float* lse2 = static_cast<float*>(fs.p);
  float* dvec = lse2 + BH * Lpad;
  const long long threads = (long long) B * L * H * (D / 8);
  const int pb = (int) ((threads + 255) / 256);
  switch (D) {
    case 16: bwdPrepKernel<16><<<pb, 256, 0, stream>>>(out, dOut, lse, lse2, dvec, B, L, H, Lpad); break;
    case 32: bwdPrepKernel<32><<<pb, 256, 0, stream>>>(out, dOut, lse, lse2, dvec, B, L, H, Lpad); break;
    case 64: bwdPrepKernel<64><<<pb, 256, 0, stream>>>(out, dOut, lse, lse2, dvec, B, L, H, Lpad); break;
    default: bwdPrepKernel<128><<<pb, 256, 0, stream>>>(out, dOut, lse, lse2, dvec, B, L, H, Lpad); break;
  }
  FLASH_LAUNCHED();
  if (Lpad > L) {
    bwdPadKernel<<<gridFor(BH * (Lpad - L), 256), 256, 0, stream>>>(lse2, dvec, (int) BH, L, Lpad);
    FLASH_LAUNCHED();
  }
  switch (D) {
    case 16: bwdD<16>(a, B, stream); break;
    case 32: bwdD<32>(a, B, stream); break;
    case 64: bwdD<64>(a, B, stream); break;
    default: bwdD<128>(a, B, stream); break;
  }
}

}  // namespace lact
