// The model's elementwise and row-wise kernels (model.cu). Token tensors are row-major [rows, width]
// with rows = batch * length; reductions accumulate in double whatever the element type, in a fixed
// order, so a step is deterministic.
#pragma once
#include "kernels.cuh"

namespace lact {
namespace mk {

using k::blocksFor;
using k::cvt;
using k::TPB;

// Maximum of v over the block (blockDim.x == TPB); every thread gets the result.
__device__ inline double blockMax(double v) {
  __shared__ double red[TPB];
  red[threadIdx.x] = v;
  __syncthreads();
  for (int st = TPB / 2; st > 0; st >>= 1) {
    if (threadIdx.x < st) red[threadIdx.x] = fmax(red[threadIdx.x], red[threadIdx.x + st]);
    __syncthreads();
  }
  double r = red[0];
  __syncthreads();
  return r;
}

template <class T>
__device__ inline double silu(double a) { return a / (1.0 + exp(-a)); }
__device__ inline double sigmoid(double a) { return 1.0 / (1.0 + exp(-a)); }
// silu'(a) = s (1 + a (1 - s))
__device__ inline double siluPrime(double a) {
  double s = sigmoid(a);
  return s * (1.0 + a * (1.0 - s));
}

// out[r] = table[ids[r]] (rows of width d)
template <class T>
__global__ void gatherRows(const T* table, const int* ids, T* out, long long rows, int d) {
  LACT_GS(i, rows * d) { out[i] = table[(long long) ids[i / d] * d + i % d]; }
}

// dTable[ids[pos[j]]] += sum of dy rows pos[j] for j in [start[u], start[u+1]): one block per distinct id
template <class T>
__global__ void embedBackward(const T* dy, const int* uniq, const int* start, const int* pos, T* dTable, int d) {
  int u = blockIdx.x;
  for (int c = threadIdx.x; c < d; c += blockDim.x) {
    double s = 0;
    for (int j = start[u]; j < start[u + 1]; j++) s += (double) dy[(long long) pos[j] * d + c];
    dTable[(long long) uniq[u] * d + c] += (T) s;
  }
}

// RMSNorm per row: y = x / sqrt(mean(x^2) + eps) * gamma; inv[r] = 1 / sqrt(...); y is written as
// bf16 into yh instead when yh is given (an output that only feeds bf16 products)
template <class T>
__global__ void rmsForward(const T* x, const T* gamma, T* y, T* inv, int w, double eps, bf16* yh = nullptr) {
  long long r = blockIdx.x;
  const T* xr = x + r * w;
  double s = 0;
  for (int c = threadIdx.x; c < w; c += blockDim.x) s += (double) xr[c] * (double) xr[c];
  s = k::blockSum(s);
  T iv = (T) (1.0 / sqrt(s / w + eps));
  if (threadIdx.x == 0) inv[r] = iv;
  for (int c = threadIdx.x; c < w; c += blockDim.x) k::put(y, yh, r * w + c, xr[c] * iv * gamma[c]);
}

// The residual sum and the next RMSNorm per row: h = x + a, then y (or its bf16 copy yh) and inv
// as rmsForward computes them from h.
template <class T>
__global__ void residualRms(const T* x, const T* a, const T* gamma, T* h, T* y, T* inv, int w, double eps, bf16* yh) {
  long long r = blockIdx.x;
  double s = 0;
  for (int c = threadIdx.x; c < w; c += blockDim.x) {
    T v = x[r * w + c] + a[r * w + c];
    h[r * w + c] = v;
    s += (double) v * (double) v;
  }
  s = k::blockSum(s);
  T iv = (T) (1.0 / sqrt(s / w + eps));
  if (threadIdx.x == 0) inv[r] = iv;
  for (int c = threadIdx.x; c < w; c += blockDim.x) k::put(y, yh, r * w + c, h[r * w + c] * iv * gamma[c]);
}

// RMSNorm backward per row: g = dy gamma, dx (+)= inv (g - xhat mean(g xhat)) with xhat = x inv;
// prod = dy * xhat (for the gamma gradient's column sums).
template <class T>
__global__ void rmsBackward(const T* x, const T* inv, const T* gamma, const T* dy, T* dx, T* prod, int w, bool add) {
  long long r = blockIdx.x;
  T iv = inv[r];
  double s = 0;
  for (int c = threadIdx.x; c < w; c += blockDim.x) {
    long long i = r * w + c;
    T xh = x[i] * iv;
    s += (double) (dy[i] * gamma[c]) * (double) xh;
    prod[i] = dy[i] * xh;
  }
  T proj = (T) (k::blockSum(s) / w);
  for (int c = threadIdx.x; c < w; c += blockDim.x) {
    long long i = r * w + c;
    T v = iv * (dy[i] * gamma[c] - x[i] * iv * proj);
    dx[i] = add ? dx[i] + v : v;
  }
}

// Column sums of a [rows, cols] into partial[rowBlock, cols] (double), rowBlocks of `span` rows.
template <class T>
__global__ void colPartial(const T* a, long long rows, int cols, int span, double* partial) {
  long long rb = blockIdx.y;
  for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < cols; c += gridDim.x * blockDim.x) {
    double s = 0;
    long long end = min(rows, (rb + 1) * span);
    for (long long r = rb * span; r < end; r++) s += (double) a[r * cols + c];
    partial[rb * cols + c] = s;
  }
}

// out[c * stride] += sum over row blocks of partial
template <class T>
__global__ void colFinish(const double* partial, int blocks, int cols, T* out, int stride) {
  LACT_GS(c, (long long) cols) {
    double s = 0;
    for (int b = 0; b < blocks; b++) s += partial[(long long) b * cols + c];
    out[c * stride] += (T) s;
  }
}

template <class T>
__global__ void addInto(T* a, const T* b, long long n) {
  LACT_GS(i, n) { a[i] += b[i]; }
}

// y[r, c] += bias[c] + shift
template <class T>
__global__ void addBias(T* y, const T* bias, double shift, long long rows, int cols) {
  LACT_GS(i, rows * cols) { y[i] += (T) ((double) bias[i % cols] + shift); }
}

// h = silu(g) * u, written as bf16 into hh instead when bf16 products read it (k::put)
template <class T>
__global__ void swiglu(const T* g, const T* u, T* h, bf16* hh, long long n) {
  LACT_GS(i, n) { k::put(h, hh, i, (T) (silu<T>((double) g[i]) * (double) u[i])); }
}

// dg = dh u silu'(g), du = dh silu(g): in place over g and u, or as bf16 into gh and uh when bf16
// products read them
template <class T>
__global__ void swigluBackward(T* g, T* u, const T* dh, bf16* gh, bf16* uh, long long n) {
  LACT_GS(i, n) {
    double a = (double) g[i], b = (double) u[i], d = (double) dh[i];
    k::put(g, gh, i, (T) (d * b * siluPrime(a)));
    k::put(u, uh, i, (T) (d * silu<T>(a)));
  }
}

// The MLP on bf16 storage (bf16 products, as the official model under autocast keeps its
// activations), in float arithmetic, two values per thread and one thread for an odd last value.
__device__ inline float2 swigluPair(float2 g, float2 u) {
  return make_float2(g.x / (1.f + __expf(-g.x)) * u.x, g.y / (1.f + __expf(-g.y)) * u.y);
}

// h = silu(g) u
__global__ void swigluBf16(const bf16* g, const bf16* u, bf16* h, long long n) {
  auto g2 = reinterpret_cast<const __nv_bfloat162*>(g);
  auto u2 = reinterpret_cast<const __nv_bfloat162*>(u);
  LACT_GS(i, n / 2) {
    reinterpret_cast<__nv_bfloat162*>(h)[i] = __float22bfloat162_rn(swigluPair(__bfloat1622float2(g2[i]), __bfloat1622float2(u2[i])));
  }
  if ((n & 1) && blockIdx.x == 0 && threadIdx.x == 0) {
    float a = __bfloat162float(g[n - 1]);
    h[n - 1] = __float2bfloat16(a / (1.f + __expf(-a)) * __bfloat162float(u[n - 1]));
  }
}

// dg = dh u silu'(g), du = dh silu(g) for one value
__device__ inline void swigluBackOne(float a, float b, float d, float& dg, float& du) {
  float s = 1.f / (1.f + __expf(-a));
  dg = d * b * s * (1.f + a * (1.f - s));
  du = d * a * s;
}

// The backward in place: g <- dh u silu'(g), u <- dh silu(g)
__global__ void swigluBackwardBf16(bf16* g, bf16* u, const bf16* dh, long long n) {
  auto g2 = reinterpret_cast<__nv_bfloat162*>(g);
  auto u2 = reinterpret_cast<__nv_bfloat162*>(u);
  auto d2 = reinterpret_cast<const __nv_bfloat162*>(dh);
  LACT_GS(i, n / 2) {
    float2 a = __bfloat1622float2(g2[i]), b = __bfloat1622float2(u2[i]), d = __bfloat1622float2(d2[i]), dg, du;
    swigluBackOne(a.x, b.x, d.x, dg.x, du.x);
    swigluBackOne(a.y, b.y, d.y, dg.y, du.y);
    g2[i] = __float22bfloat162_rn(dg);
    u2[i] = __float22bfloat162_rn(du);
  }
  if ((n & 1) && blockIdx.x == 0 && threadIdx.x == 0) {
    float dg, du;
    swigluBackOne(__bfloat162float(g[n - 1]), __bfloat162float(u[n - 1]), __bfloat162float(dh[n - 1]), dg, du);
    g[n - 1] = __float2bfloat16(dg);
    u[n - 1] = __float2bfloat16(du);
  }
}

// out = bf16(a + b) for a bf16 a (the fused attention's output) and b of T (the TTT branch's)
template <class T>
__global__ void addBf16(const bf16* a, const T* b, bf16* out, long long n) {
  LACT_GS(i, n) { out[i] = cvt<bf16>((T) cvt<float>(a[i]) + b[i]); }
}

// RoPE on [rows, heads, hd] (non-interleaved halves) at position rows % L: x cos + rotate_half(x) sin,
// or the inverse rotation (dir -1) for the backward; cos and sin are tables [L, hd / 2] (float64
// angles rounded to T once). In place allowed. y may be bf16 (the fused attention's operands).
template <class T, class O = T>
__global__ void rope(const T* x, O* y, long long rows, int L, int heads, int hd, const T* cosT, const T* sinT, int dir) {
  int half = hd / 2;
  LACT_GS(i, rows * heads * half) {
    long long r = i / ((long long) heads * half);
    int rem = (int) (i % ((long long) heads * half)), h = rem / half, j = rem % half;
    long long at = (r % L) * half + j;
    T c = cosT[at], s = dir > 0 ? sinT[at] : -sinT[at];
    long long base = (r * heads + h) * hd;
    T a = x[base + j], b = x[base + j + half];
    y[base + j] = cvt<O>(a * c - b * s);
    y[base + j + half] = cvt<O>(b * c + a * s);
  }
}

// The TTT branch's per-channel scale and offset and activations: qs = q s_q + o_q, ks likewise
// (qk_scale / qk_offset are [d, 2]); qa = silu(qs) (or qs), ka, va = silu(v) (or v).
template <class T>
__global__ void tttPrep(const T* q, const T* kk, const T* v, const T* scale, const T* offset, T* qs, T* ks, T* qa, T* ka,
    T* va, long long rows, int d, bool siluQk, bool siluV) {
  LACT_GS(i, rows * d) {
    int c = (int) (i % d);
    T a = q[i] * scale[2 * c] + offset[2 * c];
    T b = kk[i] * scale[2 * c + 1] + offset[2 * c + 1];
    qs[i] = a;
    ks[i] = b;
    qa[i] = siluQk ? (T) silu<T>((double) a) : a;
    ka[i] = siluQk ? (T) silu<T>((double) b) : b;
    va[i] = siluV ? (T) silu<T>((double) v[i]) : v[i];
  }
}

// Per row of w channels: len = |a|, unit = a / (len + eps)
template <class T>
__global__ void unitRows(const T* a, T* len, T* unit, int w, double eps) {
  long long r = blockIdx.x;
  double s = 0;
  for (int c = threadIdx.x; c < w; c += blockDim.x) s += (double) a[r * w + c] * (double) a[r * w + c];
  s = k::blockSum(s);
  T l = (T) sqrt(s);
  if (threadIdx.x == 0) len[r] = l;
  T den = l + (T) eps;
  for (int c = threadIdx.x; c < w; c += blockDim.x) unit[r * w + c] = a[r * w + c] / den;
}

// Backward of unit = a / (|a| + eps): da = g / (len + eps) - u (u . g) / max(len, 1e-30)
template <class T>
__global__ void unitBackward(const T* unit, const T* len, const T* g, T* da, int w, double eps) {
  long long r = blockIdx.x;
  double s = 0;
  for (int c = threadIdx.x; c < w; c += blockDim.x) s += (double) unit[r * w + c] * (double) g[r * w + c];
  T dot = (T) k::blockSum(s);
  T l = len[r];
  T safe = l > (T) 1e-30 ? l : (T) 1e-30;
  for (int c = threadIdx.x; c < w; c += blockDim.x)
    da[r * w + c] = g[r * w + c] / (l + (T) eps) - unit[r * w + c] * (dot / safe);
}

// tokens [B, L, H, w] <-> instances [B*H, L, w]
// One block per token row r = b L + t (launch with rows = B L): its H w values, head h's at
// [h w, (h + 1) w), to and from the instance layout [B H, L, w]. (Per-element 64-bit index
// arithmetic made the flat version twice as slow as its memory traffic.)
template <class T>
__global__ void toInstances(const T* tok, T* inst, int B, int L, int H, int w) {
  long long r = blockIdx.x, b = r / L, t = r - b * L;
  for (int j = threadIdx.x; j < H * w; j += blockDim.x) {
    int h = j / w, c = j - h * w;
    inst[((b * H + h) * L + t) * w + c] = tok[r * H * w + j];
  }
}

template <class T>
__global__ void fromInstances(const T* inst, T* tok, int B, int L, int H, int w) {
  long long r = blockIdx.x, b = r / L, t = r - b * L;
  for (int j = threadIdx.x; j < H * w; j += blockDim.x) {
    int h = j / w, c = j - h * w;
    tok[r * H * w + j] = inst[((b * H + h) * L + t) * w + c];
  }
}

// The op's rates and mask from lrPre [B*L, 3H] (channel h*3 + j) and valid [B*L] (null: all):
// eta[j][(b*H + h)*L + t] = softplus(lrPre) * valid, mask[(b*H + h)*L + t] = valid.
template <class T>
__global__ void etaPrep(const T* lrPre, const T* valid, T* eta, T* mask, int B, int L, int H) {
  long long nl = (long long) B * H * L;
  LACT_GS(i, nl) {
    long long b = i / ((long long) H * L);
    int h = (int) ((i / L) % H);
    long long t = i % L, r = b * L + t;
    T m = valid ? valid[r] : (T) 1;
    if (mask) mask[i] = m;
    for (int j = 0; j < 3; j++) {
      double x = (double) lrPre[r * 3 * H + h * 3 + j];
      double sp = fmax(x, 0.0) + log1p(exp(-fabs(x)));
      eta[j * nl + i] = (T) sp * m;
    }
  }
}

// a <- sigmoid(a)
template <class T>
__global__ void sigmoidInPlace(T* a, long long n) {
  LACT_GS(i, n) { a[i] = (T) sigmoid((double) a[i]); }
}

// mom[(b*H + h)*L + t] = sigmoid(mPre[b*L + t, h]) (in place in mPre as well: mPre <- m)
template <class T>
__global__ void momPrep(T* mPre, T* mom, int B, int L, int H) {
  LACT_GS(i, (long long) B * L * H) {
    long long r = i / H;
    int h = (int) (i % H);
    long long b = r / L, t = r % L;
    T m = (T) sigmoid((double) mPre[i]);
    mPre[i] = m;
    mom[(b * H + h) * L + t] = m;
  }
}

// dLrPre[r, h*3 + j] = dEta[j][(b*H + h)*L + t] * sigmoid(lrPre[r, h*3 + j])
template <class T>
__global__ void etaBackward(const T* dEta, const T* lrPre, T* dLrPre, int B, int L, int H) {
  long long nl = (long long) B * H * L;
  LACT_GS(i, (long long) B * L * 3 * H) {
    long long r = i / (3 * H);
    int ch = (int) (i % (3 * H)), h = ch / 3, j = ch % 3;
    long long b = r / L, t = r % L;
    dLrPre[i] = (T) ((double) dEta[j * nl + (b * H + h) * L + t] * sigmoid((double) lrPre[i]));
  }
}

// dmPre[r, h] = dMom[(b*H + h)*L + t] * m (1 - m) with m the coefficient
template <class T>
__global__ void momBackward(const T* dMom, const T* m, T* dmPre, int B, int L, int H) {
  LACT_GS(i, (long long) B * L * H) {
    long long r = i / H;
    int h = (int) (i % H);
    long long b = r / L, t = r % L;
    dmPre[i] = dMom[(b * H + h) * L + t] * m[i] * ((T) 1 - m[i]);
  }
}

// w [H, rows, cols] += 0.5 on the diagonal
template <class T>
__global__ void addHalfEye(T* w, int H, int rows, int cols) {
  int diag = rows < cols ? rows : cols;
  LACT_GS(i, (long long) H * diag) {
    long long h = i / diag, j = i % diag;
    w[(h * rows + j) * cols + j] += (T) 0.5;
  }
}

// dst [B][H*size] = src [H*size] repeated
template <class T>
__global__ void tile(const T* src, T* dst, long long per, int B) {
  LACT_GS(i, per * B) { dst[i] = src[i % per]; }
}

// out [per] (+)= sum over b of src [B][per]
template <class T>
__global__ void sumOverBatch(const T* src, T* out, long long per, int B, bool add) {
  LACT_GS(i, per) {
    double s = 0;
    for (int b = 0; b < B; b++) s += (double) src[b * per + i];
    out[i] = add ? out[i] + (T) s : (T) s;
  }
}

// The TTT branch's output per (token row, fast-weight head) rh (one block each): ttt_norm of the
// op's output y (rmsForward's arithmetic; inv[rh] kept) and the gate, yhat = n silu(gPre[rh]) (or
// n without a gate). n itself is not kept: the backward recomputes it with the same arithmetic.
template <class T>
__global__ void tttOut(const T* y, const T* gamma, const T* gPre, T* inv, T* yhat, int w, double eps) {
  long long rh = blockIdx.x;
  const T* yr = y + rh * w;
  double s = 0;
  for (int c = threadIdx.x; c < w; c += blockDim.x) s += (double) yr[c] * (double) yr[c];
  s = k::blockSum(s);
  T iv = (T) (1.0 / sqrt(s / w + eps));
  if (threadIdx.x == 0) inv[rh] = iv;
  double gate = gPre ? silu<T>((double) gPre[rh]) : 1.0;
  for (int c = threadIdx.x; c < w; c += blockDim.x) {
    T n = yr[c] * iv * gamma[c];
    yhat[rh * w + c] = gPre ? (T) ((double) n * gate) : n;
  }
}

// tttOut's backward per (token row r, head h) block rh = r H + h, for dy [rows, H w] (the merged
// output's gradient): the gate's (dGPre[rh] = sum dy n silu'(gPre), dn = dy silu(gPre)) and
// then ttt_norm's (rmsBackward's: prod = dn xhat for gamma's column sums) into dYi, the op's output
// gradient in the instance layout [B H, L, w].
template <class T>
__global__ void tttOutBackward(const T* dy, const T* y, const T* inv, const T* gamma, const T* gPre, T* dGPre, T* prod,
    T* dYi, int L, int H, int w) {
  long long rh = blockIdx.x, r = rh / H, b = r / L, t = r - b * L;
  int h = (int) (rh - r * H);
  const T* yr = y + rh * w;
  const T* dr = dy + rh * w;
  T iv = inv[rh];
  double g = gPre ? (double) gPre[rh] : 0.0, a = gPre ? silu<T>(g) : 1.0, sg = 0, sn = 0;
  for (int c = threadIdx.x; c < w; c += blockDim.x) {
    T n = yr[c] * iv * gamma[c], xh = yr[c] * iv;
    T dn = gPre ? (T) ((double) dr[c] * a) : dr[c];
    sg += (double) dr[c] * (double) n;
    sn += (double) (dn * gamma[c]) * (double) xh;
    prod[rh * w + c] = dn * xh;
  }
  sg = k::blockSum(sg);
  T proj = (T) (k::blockSum(sn) / w);
  if (gPre && threadIdx.x == 0) dGPre[rh] = (T) (sg * siluPrime(g));
  T* out = dYi + ((b * H + h) * L + t) * w;
  for (int c = threadIdx.x; c < w; c += blockDim.x) {
    T dn = gPre ? (T) ((double) dr[c] * a) : dr[c];
    out[c] = iv * (dn * gamma[c] - yr[c] * iv * proj);
  }
}

// dx = dy * silu'(pre) in place on dy
template <class T>
__global__ void siluBackwardInPlace(T* dy, const T* pre, long long n) {
  LACT_GS(i, n) { dy[i] = (T) ((double) dy[i] * siluPrime((double) pre[i])); }
}

// out[i] = a[i] * b[i]
template <class T>
__global__ void mul(const T* a, const T* b, T* out, long long n) {
  LACT_GS(i, n) { out[i] = a[i] * b[i]; }
}

// out[r, c] = a[r, c] * s[2 * c + col] (+ out when add)
template <class T>
__global__ void mulColumn(const T* a, const T* s, int col, T* out, long long rows, int d, bool add) {
  LACT_GS(i, rows * d) {
    T v = a[i] * s[2 * (i % d) + col];
    out[i] = add ? out[i] + v : v;
  }
}

// rows of x [R, w] -> out [rows of map] (map[j] < 0: zero row)
template <class T>
__global__ void gatherMapped(const T* x, const int* map, T* out, long long rows, int w) {
  LACT_GS(i, rows * w) {
    int src = map[i / w];
    out[i] = src < 0 ? (T) 0 : x[(long long) src * w + i % w];
  }
}

// out[map[j]] = y[j] for mapped rows (out zeroed first by the caller)
template <class T>
__global__ void scatterMapped(const T* y, const int* map, T* out, long long rows, int w) {
  LACT_GS(i, rows * w) {
    int dst = map[i / w];
    if (dst >= 0) out[(long long) dst * w + i % w] = y[i];
  }
}

// Attention block softmax: S [H, m, nk] holds scale * q k^T for queries q0.. (m rows) and keys
// k0.. of sequence b; P = exp(S - lse) on allowed entries (t - W + 1 <= s <= t, key valid), 0
// elsewhere; lse [b][h][q0 + i] written (recompute: read) per row. A row with no allowed key
// gets lse = -inf and P = 0.
template <class T>
__global__ void blockSoftmax(T* S, T* lse, const T* valid, int b, int L, int H, int q0, int k0, int m, int nk, long long W,
    bool recompute) {
  int row = blockIdx.x;  // h * m + i
  int h = row / m, i = row % m;
  long long t = q0 + i;
  T* s = S + (long long) row * nk;
  long long lo = t - W + 1;
  auto allowed = [&](int j) {
    long long p = k0 + j;
    return p <= t && p >= lo && (!valid || valid[(long long) b * L + p] != (T) 0);
  };
  T* l = lse + ((long long) b * H + h) * L + t;
  double mx, lz;
  if (recompute) {
    lz = (double) *l;
  } else {
    mx = -INFINITY;
    for (int j = threadIdx.x; j < nk; j += blockDim.x)
      if (allowed(j)) mx = fmax(mx, (double) s[j]);
    mx = blockMax(mx);
    double sum = 0;
    if (mx > -INFINITY)
      for (int j = threadIdx.x; j < nk; j += blockDim.x)
        if (allowed(j)) sum += exp((double) s[j] - mx);
    sum = k::blockSum(sum);
    lz = mx > -INFINITY ? mx + log(sum) : -INFINITY;
    if (threadIdx.x == 0) *l = (T) lz;
  }
  for (int j = threadIdx.x; j < nk; j += blockDim.x)
    s[j] = (allowed(j) && lz > -INFINITY) ? (T) exp((double) s[j] - lz) : (T) 0;
}

// D[b][h][t] = sum_c dO o over one head's channels (rows = B*L tokens of [H, hd])
template <class T>
__global__ void attnRowDot(const T* dO, const T* o, T* D, int L, int H, int hd, long long rowsHeads) {
  LACT_GS(rh, rowsHeads) {
    long long r = rh / H;
    int h = (int) (rh % H);
    double s = 0;
    for (int c = 0; c < hd; c++) s += (double) dO[rh * hd + c] * (double) o[rh * hd + c];
    long long b = r / L, t = r % L;
    D[(b * H + h) * L + t] = (T) s;
  }
}

// dS = P (dP - D_row) in place over dP
template <class T>
__global__ void blockDs(const T* P, T* dP, const T* D, int b, int L, int H, int q0, int m, int nk) {
  LACT_GS(i, (long long) H * m * nk) {
    long long row = i / nk;
    int h = (int) (row / m), r = (int) (row % m);
    T dr = D[((long long) b * H + h) * L + q0 + r];
    dP[i] = P[i] * (dP[i] - dr);
  }
}

// Cross-entropy rows of logits [m, V] against targets (-1: not scored): loss[r] (double), and
// when grad, logits <- softmax - onehot on scored rows, 0 on the others (the summed loss's
// gradient), written as bf16 into gh instead when gh is given (the operand of bf16 products).
// The exponentials run in T (float32 ones are exact to a few units in the last place; the sums
// are double).
template <class T>
__global__ void crossEntropy(T* logits, const int* targets, double* loss, int V, bool grad, bf16* gh = nullptr) {
  long long r = blockIdx.x;
  T* x = logits + r * V;
  int tg = targets[r];
  double mx = -INFINITY;
  for (int j = threadIdx.x; j < V; j += blockDim.x) mx = fmax(mx, (double) x[j]);
  mx = blockMax(mx);
  double s = 0;
  for (int j = threadIdx.x; j < V; j += blockDim.x) s += (double) exp(x[j] - (T) mx);
  s = k::blockSum(s);
  double lse = mx + log(s);
  if (threadIdx.x == 0) loss[r] = tg >= 0 ? lse - (double) x[tg] : 0.0;
  __syncthreads();
  if (!grad) return;
  bf16* hr = gh ? gh + r * V : nullptr;
  for (int j = threadIdx.x; j < V; j += blockDim.x)
    k::put(x, hr, j, tg >= 0 ? (T) (exp(x[j] - (T) lse) - (j == tg ? (T) 1 : (T) 0)) : (T) 0);
}

// out[0] = sum of v[0..n) in order (one block)
__global__ void sumDoubles(const double* v, long long n, double* out) {
  double s = 0;
  for (long long i = threadIdx.x; i < n; i += blockDim.x) s += v[i];
  s = k::blockSum(s);
  if (threadIdx.x == 0) out[0] = s;
}

// partial[block] = sum over the block's grid-stride share of (g * scale)^2
template <class T>
__global__ void squarePartial(const T* g, long long n, double scale, double* partial) {
  double s = 0;
  LACT_GS(i, n) {
    double v = (double) g[i] * scale;
    s += v * v;
  }
  s = k::blockSum(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// mask[start, end) = 1 for each range
__global__ void markRanges(unsigned char* mask, long long start, long long end) {
  LACT_GS(i, end - start) { mask[start + i] = 1; }
}

// One AdamW element in double (the Java AdamW's arithmetic). Writes only when write; sets *bad
// when the new value is not finite.
template <class T>
__global__ void adamw(T* p, T* m, T* v, T* g, const unsigned char* decayed, long long n, double scale, double b1, double b2,
    double c1, double c2, double lr, double decay, double eps, bool write, int* bad) {
  LACT_GS(i, n) {
    double gi = (double) g[i] * scale;
    double mi = b1 * (double) m[i] + (1 - b1) * gi;
    double vi = b2 * (double) v[i] + (1 - b2) * gi * gi;
    double pi = (double) p[i];
    double update = lr * (mi / c1) / (sqrt(vi / c2) + eps);
    if (decayed[i]) update += decay * pi;
    T next = (T) (pi - update);
    if (!isfinite((double) next)) *bad = 1;
    if (write) {
      m[i] = (T) mi;
      v[i] = (T) vi;
      p[i] = next;
      g[i] = (T) 0;
    }
  }
}

// mask[i] = valid[i] != 0 (the fused attention's key mask)
template <class T>
__global__ void toKeyMask(const T* valid, unsigned char* mask, long long n) {
  LACT_GS(i, n) { mask[i] = valid[i] != (T) 0 ? 1 : 0; }
}

// Channel c of the row u after RoPE at position t (dir 1) or its inverse (dir -1): the rotation of
// the pair (j, j + hd/2) of c's attention head of hd channels; cos and sin are the [L, hd/2] tables.
template <class T>
__device__ inline T rotated(const T* u, int c, int hd, const T* cosT, const T* sinT, long long t, int dir) {
  int half = hd / 2, j = c % hd;
  bool first = j < half;
  int jj = first ? j : j - half;
  int partner = first ? c + half : c - half;
  T cs = cosT[t * half + jj], sn = dir > 0 ? sinT[t * half + jj] : -sinT[t * half + jj];
  return first ? u[c] * cs - u[partner] * sn : u[c] * cs + u[partner] * sn;
}

// Per fast-weight head h of a row, the dot products <a1, b1> and <a2, b2> over its df channels,
// into out[0][h] and out[1][h] (a block reduction per head; every thread sees the results after
// the closing barrier).
template <class T>
__device__ inline void headDots(const T* a1, const T* b1, const T* a2, const T* b2, int H, int df, double (*out)[64]) {
  for (int h = 0; h < H; h++) {
    double s1 = 0, s2 = 0;
    for (int c = h * df + threadIdx.x; c < (h + 1) * df; c += blockDim.x) {
      s1 += (double) a1[c] * (double) b1[c];
      s2 += (double) a2[c] * (double) b2[c];
    }
    s1 = k::blockSum(s1);
    s2 = k::blockSum(s2);
    if (threadIdx.x == 0) {
      out[0][h] = s1;
      out[1][h] = s2;
    }
  }
  __syncthreads();
}

// The TTT branch's per-token features in one pass per token row r (one block per row; the row's q
// and k activations in dynamic shared memory, 2 d values): qs = q s_q + o_q and ks likewise
// (saved for the backward), their silu (or themselves), the per-head lengths and unit vectors
// (saved), and, when instQ is given, the op's inputs in the instance layout [B*H, L, df]: the unit
// vectors rotated at position r % L per attention head of hd channels (unless nope) and v (or its
// silu). The same arithmetic as tttPrep, unitRows, rope and toInstances one after the other.
// qs, ks, qLen, kLen, qUnit and kUnit may be null (what no backward reads: the fused backward
// needs only the lengths, a forward that keeps nothing none).
template <class T>
__global__ void tttFeatures(const T* q, const T* kk, const T* v, const T* scale, const T* offset, T* qs, T* ks, T* qLen,
    T* kLen, T* qUnit, T* kUnit, T* instQ, T* instK, T* instV, const T* cosT, const T* sinT, int L, int d, int H, int df,
    int hd, bool siluQk, bool siluV, bool nope, double eps) {
  extern __shared__ unsigned char smem[];
  T* uq = reinterpret_cast<T*>(smem);
  T* uk = uq + d;
  __shared__ double lens[2][64];
  long long r = blockIdx.x, b = r / L, t = r % L, row = r * d;
  for (int c = threadIdx.x; c < d; c += blockDim.x) {
    T a = q[row + c] * scale[2 * c] + offset[2 * c];
    T e = kk[row + c] * scale[2 * c + 1] + offset[2 * c + 1];
    if (qs) {
      qs[row + c] = a;
      ks[row + c] = e;
    }
    uq[c] = siluQk ? (T) silu<T>((double) a) : a;
    uk[c] = siluQk ? (T) silu<T>((double) e) : e;
    if (instV) {
      int h = c / df;
      instV[((b * H + h) * L + t) * df + c % df] = siluV ? (T) silu<T>((double) v[row + c]) : v[row + c];
    }
  }
  __syncthreads();
  headDots(uq, uq, uk, uk, H, df, lens);
  for (int c = threadIdx.x; c < d; c += blockDim.x) {
    int h = c / df;
    T lq = (T) sqrt(lens[0][h]), lk = (T) sqrt(lens[1][h]);
    uq[c] = uq[c] / (lq + (T) eps);
    uk[c] = uk[c] / (lk + (T) eps);
    if (qUnit) {
      qUnit[row + c] = uq[c];
      kUnit[row + c] = uk[c];
    }
    if (qLen && c % df == 0) {
      qLen[r * H + h] = lq;
      kLen[r * H + h] = lk;
    }
  }
  if (!instQ) return;
  __syncthreads();
  for (int c = threadIdx.x; c < d; c += blockDim.x) {
    T oq = nope ? uq[c] : rotated(uq, c, hd, cosT, sinT, t, 1);
    T ok = nope ? uk[c] : rotated(uk, c, hd, cosT, sinT, t, 1);
    int h = c / df;
    long long at = ((b * H + h) * L + t) * df + c % df;
    instQ[at] = oq;
    instK[at] = ok;
  }
}

// The backward of tttFeatures in one pass per token row r (one block per row; the row's q and k
// gradients and unit vectors in dynamic shared memory, 4 d values): the op's q, k, v gradients in
// the instance layout back to the row, rotated back (unless nope), through the unit vectors and
// the silu; writes dqs and dks (the gradients of the scaled and offset q and k) and their products
// with q and k (for the scale and offset gradients' column sums), and adds the shared
// projection's share: dq += dqs s_q, dk += dks s_k, dv += dv_op silu'(v) (or dv_op), written as
// bf16 into dqh, dkh, dvh instead when they are given (the QKV products' operands). The forward's
// scaled values and unit vectors are recomputed from q, k and the lengths it kept, with its
// arithmetic.
template <class T>
__global__ void tttFeaturesBackward(const T* instQ, const T* instK, const T* instV, const T* q, const T* kk, const T* v,
    const T* scale, const T* offset, const T* qLen, const T* kLen, const T* cosT, const T* sinT, T* dqs, T* dks, T* pq,
    T* pk, T* dq, T* dk, T* dv, bf16* dqh, bf16* dkh, bf16* dvh, int L, int d, int H, int df, int hd, bool siluQk,
    bool siluV, bool nope, double eps) {
  extern __shared__ unsigned char smem[];
  T* gq = reinterpret_cast<T*>(smem);
  T* gk = gq + d;
  T* uq = gk + d;
  T* uk = uq + d;
  __shared__ double dots[2][64];
  long long r = blockIdx.x, b = r / L, t = r % L, row = r * d;
  for (int c = threadIdx.x; c < d; c += blockDim.x) {
    int h = c / df;
    long long at = ((b * H + h) * L + t) * df + c % df;
    gq[c] = instQ[at];
    gk[c] = instK[at];
    T gv = instV[at];
    k::put(dv, dvh, row + c, dv[row + c] + (siluV ? (T) ((double) gv * siluPrime((double) v[row + c])) : gv));
    T a = q[row + c] * scale[2 * c] + offset[2 * c];
    T e = kk[row + c] * scale[2 * c + 1] + offset[2 * c + 1];
    uq[c] = (siluQk ? (T) silu<T>((double) a) : a) / (qLen[r * H + h] + (T) eps);
    uk[c] = (siluQk ? (T) silu<T>((double) e) : e) / (kLen[r * H + h] + (T) eps);
  }
  __syncthreads();
  T rq[16], rk[16];  // this thread's rotated-back values (d / blockDim <= 16)
  int n = 0;
  for (int c = threadIdx.x; c < d; c += blockDim.x, n++) {
    rq[n] = nope ? gq[c] : rotated(gq, c, hd, cosT, sinT, t, -1);
    rk[n] = nope ? gk[c] : rotated(gk, c, hd, cosT, sinT, t, -1);
  }
  __syncthreads();
  n = 0;
  for (int c = threadIdx.x; c < d; c += blockDim.x, n++) {
    gq[c] = rq[n];
    gk[c] = rk[n];
  }
  __syncthreads();
  headDots(uq, gq, uk, gk, H, df, dots);
  for (int c = threadIdx.x; c < d; c += blockDim.x) {
    int h = c / df;
    T lq = qLen[r * H + h], lk = kLen[r * H + h];
    T sq = lq > (T) 1e-30 ? lq : (T) 1e-30, sk = lk > (T) 1e-30 ? lk : (T) 1e-30;
    T a = gq[c] / (lq + (T) eps) - uq[c] * ((T) dots[0][h] / sq);
    T e = gk[c] / (lk + (T) eps) - uk[c] * ((T) dots[1][h] / sk);
    if (siluQk) {
      a = (T) ((double) a * siluPrime((double) (q[row + c] * scale[2 * c] + offset[2 * c])));
      e = (T) ((double) e * siluPrime((double) (kk[row + c] * scale[2 * c + 1] + offset[2 * c + 1])));
    }
    dqs[row + c] = a;
    dks[row + c] = e;
    pq[row + c] = a * q[row + c];
    pk[row + c] = e * kk[row + c];
    k::put(dq, dqh, row + c, dq[row + c] + a * scale[2 * c]);
    k::put(dk, dkh, row + c, dk[row + c] + e * scale[2 * c + 1]);
  }
}

}  // namespace mk
}  // namespace lact
