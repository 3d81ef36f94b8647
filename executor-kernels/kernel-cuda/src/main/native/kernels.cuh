// The op's elementwise and row-wise kernels. Layouts (row-major): token tensors [n, L, d] read as
// chunk views (rows start..start+c of each instance, row stride d, instance stride L*d); per-token
// scalars [n, L]; weight groups [3][n][rows_j x cols_j] with W0, W2 of dH x dIn and W1 of dIn x dH.
// Reductions accumulate in double whatever the element type.
#pragma once
#include "runtime.h"

namespace lact {
namespace k {

constexpr int TPB = 256;

inline int blocksFor(long long n) {
  long long b = (n + TPB - 1) / TPB;
  return (int) (b < 1 ? 1 : (b > 16384 ? 16384 : b));
}

#define LACT_GS(i, n) \
  for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < (n); i += (long long) gridDim.x * blockDim.x)

template <class T>
__device__ inline T sigm(T x) { return T(1) / (T(1) + exp(-x)); }

// Conversions that also cover bf16 (whose many conversion operators make plain casts ambiguous).
template <class D, class S>
__device__ inline D cvt(S x) { return (D) x; }
template <> __device__ inline double cvt<double, bf16>(bf16 x) { return (double) __bfloat162float(x); }
template <> __device__ inline float cvt<float, bf16>(bf16 x) { return __bfloat162float(x); }
template <> __device__ inline bf16 cvt<bf16, double>(double x) { return __double2bfloat16(x); }
template <> __device__ inline bf16 cvt<bf16, float>(float x) { return __float2bfloat16(x); }
template <> __device__ inline bf16 cvt<bf16, bf16>(bf16 x) { return x; }

// Writes v as an operand of later products: rounded to bf16 into h when BF16 products will read
// it (then the T copy is not needed and out may be null), else into out.
template <class T>
__device__ inline void put(T* out, bf16* h, long long i, T v) {
  if (h) h[i] = cvt<bf16>(v);
  else out[i] = v;
}

// silu(a), silu'(a), silu''(a) from a and its sigmoid
template <class T>
struct Silu {
  T v, d1, d2;
  __device__ explicit Silu(T a) {
    T s = sigm(a);
    v = a * s;
    d1 = s * (T(1) + a * (T(1) - s));
    d2 = s * (T(1) - s) * (T(2) + a * (T(1) - T(2) * s));
  }
};

// Sum of v over the block (blockDim.x == TPB); every thread gets the result.
__device__ inline double blockSum(double v) {
  __shared__ double sh[TPB];
  sh[threadIdx.x] = v;
  __syncthreads();
  for (int s = TPB / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
    __syncthreads();
  }
  double r = sh[0];
  __syncthreads();
  return r;
}

// a <- silu(a) * u (and its bf16 copy into ah when given)
template <class T>
__global__ void siluMul(T* a, const T* u, bf16* ah, long long n) {
  LACT_GS(i, n) { put(a, ah, i, Silu<T>(a[i]).v * u[i]); }
}

// The forward update's factors, scaled per token by the masked learning rates:
// ga = eta0 G U silu'(A), gu = eta2 G silu(A), h = eta1 silu(A) U   ([n, c, dH], written in U)
template <class T, class U, class E>
__global__ void updateFactors(const T* a, const T* uu, const T* g, U* ga, U* gu, U* h, bf16* gah, bf16* guh, bf16* hh,
    const E* eta, long long etaStride, long long L, int start, int c, int dH, long long n) {
  LACT_GS(i, n) {
    long long inst = i / ((long long) c * dH), row = (i / dH) % c, tok = inst * L + start + row;
    Silu<T> s(a[i]);
    // the factors round to T once; the learning rates scale them in U (as the ND4J backend's
    // float64 update path does: a second rounding here is amplified by Newton-Schulz)
    put(ga, gah, i, (U) eta[tok] * (U) (g[i] * uu[i] * s.d1));
    put(gu, guh, i, (U) eta[2 * etaStride + tok] * (U) (g[i] * s.v));
    put(h, hh, i, (U) eta[etaStride + tok] * (U) (s.v * uu[i]));
  }
}

// dst [n, c, d] <- rows start..start+c of src [n, L, d], converted
template <class S, class D>
__global__ void castRows(const S* src, D* dst, long long L, int start, int c, int d, long long n) {
  LACT_GS(i, n) {
    long long inst = i / ((long long) c * d), row = (i / d) % c, col = i % d;
    dst[i] = (D) src[(inst * L + start + row) * d + col];
  }
}

template <class S, class D>
__global__ void convert(const S* src, D* dst, long long n) {
  LACT_GS(i, n) { dst[i] = (D) src[i]; }
}

// beta[i] = mean of the momentum coefficients over the chunk's writers, count[i] = writers; one block per instance
template <class T>
__global__ void maskedMean(const T* mom, const T* mask, double* beta, double* count, long long L, int start, int c) {
  double s = 0, w = 0;
  for (int t = threadIdx.x; t < c; t += blockDim.x) {
    long long tok = blockIdx.x * L + start + t;
    double m = mask ? (double) mask[tok] : 1.0;
    s += m * (double) mom[tok];
    w += m;
  }
  s = blockSum(s);
  w = blockSum(w);
  if (threadIdx.x == 0) {
    beta[blockIdx.x] = w > 0 ? s / w : 0.0;
    count[blockIdx.x] = w;
  }
}

// p += beta[instance] * m over a group [3][n][ws]
template <class U>
__global__ void addMomentum(U* p, const U* m, const double* beta, int n, long long ws, long long total) {
  LACT_GS(i, total) { p[i] += (U) beta[(i / ws) % n] * m[i]; }
}

// Stacks a weight-shaped group [3][n][rows_j x cols_j] as 3n matrices of the wide shape
// min(dH,dIn) x max(dH,dIn) (tall ones transposed), or the inverse.
template <class S, class D>
__global__ void stackWide(const S* src, D* dst, int n, int dH, int dIn, bool inverse, long long total) {
  long long ws = (long long) dH * dIn;
  LACT_GS(i, total) {
    long long j = i / (n * ws), e = i % ws, base = i - e;
    int rows = j == 1 ? dIn : dH, cols = j == 1 ? dH : dIn;
    long long r = e / cols, col = e % cols;
    long long w = base + (rows > cols ? col * rows + r : e);
    if (inverse) dst[i] = cvt<D>(src[w]);
    else dst[w] = cvt<D>(src[i]);
  }
}

// out[b] = in[b]^T for b matrices r x c
template <class V>
__global__ void transposeBatch(const V* in, V* out, int r, int c, long long total) {
  LACT_GS(i, total) {
    long long b = i / ((long long) r * c), e = i % ((long long) r * c);
    out[b * (long long) r * c + (e % c) * r + e / c] = in[i];
  }
}

// out[b] += sum(x[b] * y[b]) for b = blockIdx.y; many blocks per matrix
template <class X, class Y>
__global__ void batchDot(const X* x, const Y* y, double* out, long long size) {
  const X* xm = x + blockIdx.y * size;
  const Y* ym = y + blockIdx.y * size;
  double s = 0;
  for (long long j = blockIdx.x * (long long) blockDim.x + threadIdx.x; j < size; j += (long long) gridDim.x * blockDim.x)
    s += cvt<double>(xm[j]) * cvt<double>(ym[j]);
  s = blockSum(s);
  if (threadIdx.x == 0) atomicAdd(&out[blockIdx.y], s);
}

// x = g / (sqrt(sq[b]) + 1e-7)
template <class V>
__global__ void scaleByNorm(const V* g, V* x, const double* sq, long long size, long long total) {
  LACT_GS(i, total) { x[i] = cvt<V>(cvt<double>(g[i]) / (sqrt(sq[i / size]) + 1e-7)); }
}

// Backward of X0 = Y / (|Y| + 1e-7): out = gx / den - Y dot / (den^2 |Y|)
template <class V>
__global__ void nsNormBackward(const V* y, const V* gx, const double* sq, const double* dot, V* out, long long size,
    long long total) {
  LACT_GS(i, total) {
    long long b = i / size;
    double f = sqrt(sq[b]), den = f + 1e-7;
    double coef = f > 0 ? dot[b] / (den * den * f) : 0.0;
    out[i] = cvt<V>(cvt<double>(gx[i]) / den - cvt<double>(y[i]) * coef);
  }
}

// out = alpha (x + x^T) + beta y for square s x s matrices (y may be null). 32 x 32 tiles through
// shared memory, so that reading x^T is coalesced; launch with symAddGrid and 32 x 8 threads.
template <class V>
__global__ void symAdd(const V* x, V* out, int s, double alpha, const V* y, double beta) {
  __shared__ double t[32][33];
  long long base = (long long) blockIdx.z * s * s;
  int r0 = blockIdx.y * 32, c0 = blockIdx.x * 32, tx = threadIdx.x;
  for (int i = threadIdx.y; i < 32; i += 8) {
    int row = c0 + i, col = r0 + tx;
    if (row < s && col < s) t[tx][i] = cvt<double>(x[base + (long long) row * s + col]);  // t[a][b] = x[c0+b][r0+a]
  }
  __syncthreads();
  for (int i = threadIdx.y; i < 32; i += 8) {
    int row = r0 + i, col = c0 + tx;
    if (row < s && col < s) {
      long long idx = base + (long long) row * s + col;
      double v = alpha * (cvt<double>(x[idx]) + t[i][tx]);
      if (y) v += beta * cvt<double>(y[idx]);
      out[idx] = cvt<V>(v);
    }
  }
}

inline dim3 symAddGrid(int s, int batch) { return dim3((unsigned) ((s + 31) / 32), (unsigned) ((s + 31) / 32), (unsigned) batch); }

// z = base + step (converted)
template <class T, class U>
__global__ void addStep(T* z, const T* base, const U* step, long long n) {
  LACT_GS(i, n) { z[i] = base[i] + (T) step[i]; }
}

// rho = row norms of rows x cols matrices; one block per row
template <class T>
__global__ void rowNorms(const T* w, T* rho, int cols) {
  const T* r = w + (long long) blockIdx.x * cols;
  double s = 0;
  for (int j = threadIdx.x; j < cols; j += blockDim.x) s += (double) r[j] * r[j];
  s = blockSum(s);
  if (threadIdx.x == 0) rho[blockIdx.x] = (T) sqrt(s);
}

// w = z rho / (|z_r| + 1e-5); one block per row
template <class T>
__global__ void renorm(const T* z, const T* rho, T* w, int cols) {
  const T* r = z + (long long) blockIdx.x * cols;
  double s = 0;
  for (int j = threadIdx.x; j < cols; j += blockDim.x) s += (double) r[j] * r[j];
  s = blockSum(s);
  double f = (double) rho[blockIdx.x] / (sqrt(s) + 1e-5);
  for (int j = threadIdx.x; j < cols; j += blockDim.x) w[(long long) blockIdx.x * cols + j] = (T) ((double) r[j] * f);
}

// Backward of the renormalisation, one block per row: gz = gOut rho/den - z dots rho/(den^2 |z|) + gzAdd;
// gRho += dots / den.
template <class T>
__global__ void renormBackward(const T* z, const T* rho, const T* gOut, T* gRho, const T* gzAdd, T* gz, int cols) {
  long long off = (long long) blockIdx.x * cols;
  double ss = 0, dots = 0;
  for (int j = threadIdx.x; j < cols; j += blockDim.x) {
    double zv = z[off + j];
    ss += zv * zv;
    dots += (double) gOut[off + j] * zv;
  }
  ss = blockSum(ss);
  dots = blockSum(dots);
  double norm = sqrt(ss), den = norm + 1e-5, r = rho[blockIdx.x];
  if (threadIdx.x == 0) gRho[blockIdx.x] += (T) (dots / den);
  double coef = norm > 0 ? dots * r / (den * den * norm) : 0.0;
  for (int j = threadIdx.x; j < cols; j += blockDim.x)
    gz[off + j] = (T) ((double) gOut[off + j] * r / den - (double) z[off + j] * coef + (double) gzAdd[off + j]);
}

// apply's backward factors, in place: a <- gh U silu'(A) (the gradient for A), gh <- gh silu(A) (for U)
template <class T>
__global__ void applyBackFactors(T* a, const T* u, T* gh, bf16* ah, bf16* ghh, long long n) {
  LACT_GS(i, n) {
    Silu<T> s(a[i]);
    T g = gh[i];
    put(a, ah, i, g * u[i] * s.d1);
    put(gh, ghh, i, g * s.v);
  }
}

// silu(A) U into h (apply's backward needs A afterwards)
template <class T>
__global__ void siluMulInto(const T* a, const T* u, T* h, bf16* hh, long long n) {
  LACT_GS(i, n) { put(h, hh, i, Silu<T>(a[i]).v * u[i]); }
}

// The update's backward, unscaled factors: h1 = eta1 silu(A) U, ga = G U silu'(A), gu = G silu(A)
template <class T>
__global__ void innerFactors(const T* a, const T* uu, const T* g, T* h1, T* ga, T* gu, bf16* h1h, bf16* gah, bf16* guh,
    const T* eta1, long long L, int start, int c, int dH, long long n) {
  LACT_GS(i, n) {
    long long inst = i / ((long long) c * dH), row = (i / dH) % c;
    Silu<T> s(a[i]);
    put(h1, h1h, i, eta1[inst * L + start + row] * s.v * uu[i]);
    put(ga, gah, i, g[i] * uu[i] * s.d1);
    put(gu, guh, i, g[i] * s.v);
  }
}

// For D = F^T (eta K), per row: gEta[tok] += mask * sum(F' * K), gk[tok] += eta F' where F' = F dD; one block per row
template <class T>
__global__ void keyGrad(const T* f, const T* kk, const T* eta, const T* mask, T* gEta, T* gk, long long L, int start, int c,
    int d) {
  long long inst = blockIdx.x / c, row = blockIdx.x % c, tok = inst * L + start + row;
  const T* fr = f + (long long) blockIdx.x * d;
  const T* kr = kk + tok * d;
  double s = 0;
  for (int j = threadIdx.x; j < d; j += blockDim.x) s += (double) fr[j] * kr[j];
  s = blockSum(s);
  if (threadIdx.x == 0) gEta[tok] += (T) ((mask ? (double) mask[tok] : 1.0) * s);
  T e = eta[tok];
  for (int j = threadIdx.x; j < d; j += blockDim.x) gk[tok * d + j] += e * fr[j];
}

// gEta1[tok] += mask * sum(E1 * silu(A) U) per row; one block per row
template <class T>
__global__ void eta1Grad(const T* e1, const T* a, const T* uu, const T* mask, T* gEta1, long long L, int start, int c,
    int dH) {
  long long inst = blockIdx.x / c, row = blockIdx.x % c, tok = inst * L + start + row;
  long long off = (long long) blockIdx.x * dH;
  double s = 0;
  for (int j = threadIdx.x; j < dH; j += blockDim.x) s += (double) e1[off + j] * Silu<T>(a[off + j]).v * uu[off + j];
  s = blockSum(s);
  if (threadIdx.x == 0) gEta1[tok] += (T) ((mask ? (double) mask[tok] : 1.0) * s);
}

// The update's backward through its factors, in place: e1 (gE1 = V dD1) -> gradient for A,
// x (K dD0^T) -> gradient for G, y (K dD2^T) -> gradient for U.
template <class T>
__global__ void backFactors(const T* a, const T* uu, const T* g, T* e1, T* x, T* y, bf16* e1h, bf16* xh, bf16* yh,
    const T* eta, long long etaStride, long long L, int start, int c, int dH, long long n) {
  LACT_GS(i, n) {
    long long inst = i / ((long long) c * dH), row = (i / dH) % c, tok = inst * L + start + row;
    Silu<T> s(a[i]);
    T u = uu[i], gv = g[i];
    T gh = e1[i] * eta[etaStride + tok];
    T gGa = x[i] * eta[tok];
    T gGu = y[i] * eta[2 * etaStride + tok];
    T gaGs = gGa * gv;
    T gg = gGu * s.v + gGa * u * s.d1;
    T gs = gGu * gv + gh * u;
    T gu = gaGs * s.d1 + gh * s.v;
    T ga = gs * s.d1 + gaGs * u * s.d2;
    put(e1, e1h, i, ga);
    put(x, xh, i, gg);
    put(y, yh, i, gu);
  }
}

// gd += gm; gmPrev = gd beta[instance] over a group [3][n][ws]
template <class T>
__global__ void momentumBackward(T* gd, const T* gm, T* gmPrev, const double* beta, int n, long long ws, long long total) {
  LACT_GS(i, total) {
    T v = gd[i] + gm[i];
    gd[i] = v;
    gmPrev[i] = v * (T) beta[(i / ws) % n];
  }
}

// out[i] += sum over the three matrices of instance i of x * y (grid.y = instance)
template <class X, class Y>
__global__ void instanceDot(const X* x, const Y* y, double* out, int n, long long ws) {
  int inst = blockIdx.y;
  double s = 0;
  for (int j = 0; j < 3; j++) {
    long long base = ((long long) j * n + inst) * ws;
    for (long long e = blockIdx.x * (long long) blockDim.x + threadIdx.x; e < ws; e += (long long) gridDim.x * blockDim.x)
      s += (double) x[base + e] * (double) y[base + e];
  }
  s = blockSum(s);
  if (threadIdx.x == 0) atomicAdd(&out[inst], s);
}

// gMom[tok] += mask gBeta[i] / count[i] over the chunk
template <class T>
__global__ void momentumGrad(T* gMom, const T* mask, const double* gBeta, const double* count, long long L, int start, int c,
    long long n) {
  LACT_GS(i, n) {
    long long inst = i / c, tok = inst * L + start + i % c;
    if (count[inst] > 0) gMom[tok] += (T) ((mask ? (double) mask[tok] : 1.0) * gBeta[inst] / count[inst]);
  }
}

// The initial weights' gradient: gw + gz (+ w0 gRho / rho through the row norms unless detached)
template <class T>
__global__ void initialGrad(const T* gw, const T* gz, const T* w0, const T* gRho, const T* rho, T* out, int n, int dH,
    int dIn, bool detached, long long total) {
  long long ws = (long long) dH * dIn;
  LACT_GS(i, total) {
    long long j = i / (n * ws), inst = (i / ws) % n, e = i % ws;
    int rows = j == 1 ? dIn : dH, cols = j == 1 ? dH : dIn;
    long long rhoOff = j == 0 ? 0 : (j == 1 ? (long long) n * dH : (long long) n * (dH + dIn));
    long long r = rhoOff + inst * rows + e / cols;
    double v = (double) gw[i] + (double) gz[i];
    if (!detached && rho[r] > 0) v += (double) w0[i] * (double) gRho[r] / (double) rho[r];
    out[i] = (T) v;
  }
}

}  // namespace k
}  // namespace lact
