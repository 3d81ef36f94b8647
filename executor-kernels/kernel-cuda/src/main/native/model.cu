// The whole LaCT language model on the device (model.h): the blocks' forward and hand-written
// backward, the chunked cross-entropy, and the step that recomputes each block's activations from
// its saved input during the backward (the L x d block inputs are kept across the step, and, when
// memory allows, each layer's TTT op and attention output and, in as many layers as fit, the
// op's Newton-Schulz iterates: KeptOp, keepOps, keptIterates). The maths is the ND4J model's
// (lact-model nn.*).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <numeric>
#include <sstream>
#include <type_traits>

#include "flash_attn.cuh"
#include "lact_cuda.h"
#include "model.h"
#include "model_kernels.cuh"
#include "op_device.h"
#include "profile.h"

namespace lact {
namespace {

#define ML(kernel, total, ...)                                                   \
  do {                                                                          \
    kernel<<<mk::blocksFor(total), mk::TPB, 0, rt().stream>>>(__VA_ARGS__);     \
    LACT_LAUNCHED();                                                            \
  } while (0)
#define MROWS(kernel, rows, ...)                                                 \
  do {                                                                          \
    if ((rows) > 0) {                                                           \
      kernel<<<(unsigned) (rows), mk::TPB, 0, rt().stream>>>(__VA_ARGS__);      \
      LACT_LAUNCHED();                                                          \
    }                                                                           \
  } while (0)

// eps of the TTT branch's L2 norm, ttt_norm, q_norm and k_norm (fla's 1e-5)
constexpr double EPS = 1e-5;

// How products run: the precision code of the op and the product mode of everything else.
struct Env {
  int precision, update;
  PMode mm;
};

// Whether products round float operands to bf16 (bf16 training): then activations that only feed
// products are written as their bf16 operands alone.
template <class T>
bool bf16Products(const Env& e) {
  return std::is_same<T, float>::value && e.mm == PMode::BF16;
}

template <class T>
void copy(T* dst, const T* src, long long n) {
  if (n) LACT_CK(cudaMemcpyAsync(dst, src, n * sizeof(T), cudaMemcpyDeviceToDevice, rt().stream));
}

template <class T>
Buf<T> zeros(long long n) {
  Buf<T> b(n);
  b.zero();
  return b;
}

// A product operand: its values and, when products run in BF16, a bf16 copy made once for all the
// products that read it (instead of one rounded scratch copy per product).
template <class T>
struct Operand {
  const T* p = nullptr;
  Buf<bf16> h;
  Opd<T> opd() const { return Opd<T>(p, h.size() ? h.get() : nullptr); }
};

template <class T>
Operand<T> operand(const Env& e, const T* x, long long n) {
  Operand<T> o;
  o.p = x;
  if constexpr (std::is_same<T, float>::value) {
    if (e.mm == PMode::BF16 && n > 0) {
      o.h = Buf<bf16>(n);
      roundInto(x, o.h.get(), n);
    }
  }
  return o;
}

// A bf16 copy of n float values (a weight for a product with bf16 operands and result).
inline Buf<bf16> bf16Copy(const float* x, long long n) {
  Buf<bf16> h(n);
  roundInto(x, h.get(), n);
  return h;
}
inline Buf<bf16> bf16Copy(const double*, long long) { throw ArgError("bf16 products need float32 parameters"); }

// y [R, out] = x [R, in] W^T with bf16 x and y (float32 accumulation) and float32 master weights W
template <class T>
void linearBf16(const bf16* x, const T* W, bf16* y, long long R, int in, int out) {
  Buf<bf16> wh = bf16Copy(W, (long long) in * out);
  bmm<bf16>(PMode::BF16, false, true, (int) R, out, in, 1, Opd<bf16>(x), in, 0, Opd<bf16>(wh.get()), in, 0, 0, y, out, 0, 1);
}

// y [R, out] = x [R, in] W^T (+ beta y), W [out, in]
template <class T>
struct NoDeduce {
  using type = T;
};

// (W: a weight pointer or an operand with its bf16 copy)
template <class T>
void linear(const Env& e, Opd<T> x, typename NoDeduce<Opd<T>>::type W, T* y, long long R, int in, int out, double beta = 0) {
  bmm<T>(e.mm, false, true, (int) R, out, in, 1, x, in, 0, W, in, 0, beta, y, out, 0, 1);
}

// dx [R, in] += dy W (when dx), dW [out, in] += dy^T x; dy is rounded once for both products
template <class T>
void linearBack(const Env& e, Opd<T> x, const T* W, Opd<T> dy, T* dx, T* dW, long long R, int in, int out) {
  Operand<T> d;
  if (dx && !dy.h) {
    d = operand(e, dy.p, R * out);
    dy = d.opd();
  }
  if (dx) bmm<T>(e.mm, false, false, (int) R, in, out, 1, dy, out, 0, W, in, 0, 1, dx, in, 0, 1);
  bmm<T>(e.mm, true, false, out, in, (int) R, 1, dy, out, 0, x, in, 0, 1, dW, in, 0, 1);
}

// out[c * stride] += sum over rows of a [rows, cols], in double, in a fixed order
template <class T>
void colSum(const T* a, long long rows, int cols, T* out, int stride = 1) {
  if (rows <= 0) return;
  const int span = 256;
  int blocks = (int) ((rows + span - 1) / span);
  Buf<double> part((size_t) blocks * cols);
  dim3 grid((unsigned) std::max(1, std::min(64, (cols + mk::TPB - 1) / mk::TPB)), (unsigned) blocks);
  mk::colPartial<T><<<grid, mk::TPB, 0, rt().stream>>>(a, rows, cols, span, part.get());
  LACT_LAUNCHED();
  ML(mk::colFinish<T>, (long long) cols, part.get(), blocks, cols, out, stride);
}

// Rows of one layer's input: B sequences of L positions, valid [B*L] (null: no padding).
template <class T>
struct Rows {
  int B, L;
  const T* valid;
  long long count() const { return (long long) B * L; }
};

// One layer's parameters and gradient sums.
template <class T>
struct LayerRef {
  const T* p[LAYER_TENSORS];
  T* g[LAYER_TENSORS];
};

// Everything a LaCT layer's forward keeps for its backward.
template <class T>
struct LayerSave {
  Buf<T> q, k, v, qPre, kPre, qInv, kInv, qr, kr, lse, merged, attnOut;
  Buf<bf16> attnOutH;  // the fused attention's own (bf16) output, instead of attnOut and merged
  Buf<bf16> qrH, krH;  // the fused attention's bf16 q and k after RoPE, instead of qr and kr
  Buf<T> qs, ks, qa, ka, va, qLen, kLen, qUnit, kUnit, lrPre, mom, y, tttInv, gPre;
  Operand<T> xs, ms;  // the layer input and the merged output as product operands
  std::unique_ptr<DeviceOp<T>> op;
};

// What a LaCT layer keeps from a step's first forward for its backward, so the recomputing
// forward runs neither the op nor the attention again: the op's saved state (with its inputs) and
// output, and the attention's output and row statistics.
// withNs: the op keeps Newton-Schulz's iterates too (as many layers as memory allows, see
// ModelImpl::nsLayers_), so the backward does not recompute them.
// With the fused feature kernels the recompute also takes the features' row lengths and the rates'
// and momentum's pre-activations from here instead of computing them again.
template <class T>
struct KeptOp {
  bool withNs = false;
  std::unique_ptr<DeviceOp<T>> op;
  Buf<T> y, attnOut, lse, qLen, kLen, lrPre, mom;
  Buf<bf16> attnOutH;
};

// Work on the runtime's side stream that runs beside the main stream's: after fork() the side
// stream runs after everything issued so far on the main stream; after join() the main stream runs
// after everything issued on the side. Whatever the side work reads or writes must stay allocated
// until join(): frees are ordered on the main stream only.
class SideStream {
 public:
  SideStream() {
    LACT_CK(cudaEventCreateWithFlags(&fork_, cudaEventDisableTiming));
    LACT_CK(cudaEventCreateWithFlags(&join_, cudaEventDisableTiming));
  }
  ~SideStream() {
    cudaEventDestroy(fork_);
    cudaEventDestroy(join_);
  }
  SideStream(const SideStream&) = delete;
  SideStream& operator=(const SideStream&) = delete;
  cudaStream_t fork() {
    LACT_CK(cudaEventRecord(fork_, rt().stream));
    LACT_CK(cudaStreamWaitEvent(rt().side, fork_, 0));
    return rt().side;
  }
  void join() {
    LACT_CK(cudaEventRecord(join_, rt().side));
    LACT_CK(cudaStreamWaitEvent(rt().stream, join_, 0));
  }

 private:
  cudaEvent_t fork_, join_;
};

// An attention pass started by LactLayerDev::attnStart or attnBackStart: the bf16 operands the
// fused kernel reads (kept until the pass is joined) and whether it runs on the side stream.
struct PendingAttention {
  Buf<bf16> v, o, dO;
  Buf<unsigned char> mask;
  bool side = false;
};

template <class T>
class LactLayerDev {
 public:
  LactLayerDev(const Env& e, const ModelSpec& s) : e_(e), s_(s) {
    d_ = s.d;
    hd_ = s.d / s.attnHeads;
    df_ = s.d / s.lactHeads;
    invFreq_.resize(hd_ / 2);
    for (int i = 0; i < hd_ / 2; i++) invFreq_[i] = 1.0 / std::pow(s.ropeTheta, (2.0 * i) / hd_);
  }

  // out [R, d] = layer(x [R, d]), x given as the products' operand (which the save takes over; it
  // may hold only the bf16 copy when products run in bf16). keep: null, or where this step keeps
  // the layer's op (filled by the first forward, taken by the recomputing one).
  // saving: whether a backward will start from the returned save (else the feature chain's
  // activations are not written).
  LayerSave<T> forward(const LayerRef<T>& p, Operand<T>&& x, const Rows<T>& r, T* out, KeptOp<T>* keep = nullptr,
      bool saving = true) {
    LayerSave<T> sv;
    long long R = r.count();
    const T* qkv = p.p[QKV];
    prof("qkv");
    sv.q = Buf<T>(R * d_);
    sv.k = Buf<T>(R * d_);
    sv.v = Buf<T>(R * d_);
    sv.xs = std::move(x);
    linear(e_, sv.xs.opd(), qkv, sv.q.get(), R, d_, d_);
    linear(e_, sv.xs.opd(), qkv + (long long) d_ * d_, sv.k.get(), R, d_, d_);
    linear(e_, sv.xs.opd(), qkv + 2LL * d_ * d_, sv.v.get(), R, d_, d_);
    if (s_.qkNorm) {
      sv.qPre = std::move(sv.q);
      sv.kPre = std::move(sv.k);
      sv.q = Buf<T>(R * d_);
      sv.k = Buf<T>(R * d_);
      sv.qInv = Buf<T>(R);
      sv.kInv = Buf<T>(R);
      MROWS(mk::rmsForward<T>, R, sv.qPre.get(), p.p[Q_NORM], sv.q.get(), sv.qInv.get(), d_, EPS);
      MROWS(mk::rmsForward<T>, R, sv.kPre.get(), p.p[K_NORM], sv.k.get(), sv.kInv.get(), d_, EPS);
    }
    if (fused()) {
      sv.qrH = Buf<bf16>(R * d_);
      sv.krH = Buf<bf16>(R * d_);
      rope(sv.q.get(), sv.qrH.get(), r, 1);
      rope(sv.k.get(), sv.krH.get(), r, 1);
    } else {
      sv.qr = Buf<T>(R * d_);
      sv.kr = Buf<T>(R * d_);
      rope(sv.q.get(), sv.qr.get(), r, 1);
      rope(sv.k.get(), sv.kr.get(), r, 1);
    }
    prof("attention");
    // the first forward of this step may have kept the attention's output and row statistics
    bool keptAttention = keep && (keep->attnOut.size() || keep->attnOutH.size());
    bool first = keep && !keep->op;
    if (!fused()) sv.merged = Buf<T>(R * d_);
    PendingAttention pa;
    if (keptAttention) {
      sv.attnOut = std::move(keep->attnOut);
      sv.attnOutH = std::move(keep->attnOutH);
      sv.lse = std::move(keep->lse);
    } else {
      sv.lse = Buf<T>(R * s_.attnHeads);
      pa = attnStart(sv, r);
    }
    // the TTT branch runs while the attention does (when the attention runs on the side stream)
    Buf<T> yhat;
    if (s_.tttEnabled) yhat = tttForward(p, r, sv, keep, saving);
    prof("attention");
    if (!keptAttention) {
      attnJoin(pa);
      sv.attnOutH = std::move(pa.o);
    }
    merge(sv, yhat, R * d_);
    if (first) {
      keep->attnOut = std::move(sv.attnOut);
      keep->attnOutH = std::move(sv.attnOutH);
      keep->lse = std::move(sv.lse);
    }
    prof("o_proj");
    linear(e_, sv.ms.opd(), p.p[O_PROJ], out, R, d_, d_);
    return sv;
  }

  // sv.ms, the operand of o_proj: the attention's output plus the TTT branch's yhat (when there is
  // one). Without the fused attention the sum is sv.merged and the attention's output, which the
  // backward needs, stays in sv.attnOut; the fused attention's bf16 output stays in sv.attnOutH,
  // and in bf16 the sum is written as the operand alone.
  void merge(LayerSave<T>& sv, const Buf<T>& yhat, long long n) {
    if (sv.attnOutH.size()) {
      sv.ms.h = Buf<bf16>(n);
      if (s_.tttEnabled) ML((mk::addBf16<T>), n, sv.attnOutH.get(), yhat.get(), sv.ms.h.get(), n);
      else LACT_CK(cudaMemcpyAsync(sv.ms.h.get(), sv.attnOutH.get(), n * sizeof(bf16), cudaMemcpyDeviceToDevice, rt().stream));
      return;
    }
    if (s_.tttEnabled) {
      if (sv.attnOut.size()) {
        copy(sv.merged.get(), sv.attnOut.get(), n);  // kept from the first forward
      } else {
        sv.attnOut = Buf<T>(n);
        copy(sv.attnOut.get(), sv.merged.get(), n);
      }
      ML(mk::addInto<T>, n, sv.merged.get(), yhat.get(), n);
    }
    sv.ms = operand(e_, sv.merged.get(), n);
  }

  // dx [R, d] += the layer's input gradient for dOut; parameter gradients added into p.g.
  void backward(const LayerRef<T>& p, LayerSave<T>& sv, const Rows<T>& r, const T* dOut, T* dx) {
    long long R = r.count();
    Buf<T> dM(R * d_);
    prof("o_proj");
    Operand<T> dos = operand(e_, dOut, R * d_);
    linearBack(e_, sv.ms.opd(), p.p[O_PROJ], dos.opd(), (T*) nullptr, p.g[O_PROJ], R, d_, d_);
    bmm<T>(e_.mm, false, false, (int) R, d_, d_, 1, dos.opd(), d_, 0, p.p[O_PROJ], d_, 0, 0, dM.get(), d_, 0, 1);
    // the fused attention writes every element; the blockwise one accumulates dk and dv
    Buf<T> dq(R * d_), dk(R * d_), dv(R * d_);
    if (!fused()) {
      dk.zero();
      dv.zero();
    }
    prof("attention");
    PendingAttention pa = attnBackStart(sv, r, dM.get(), dq.get(), dk.get(), dv.get());
    // the TTT branch's backward down to its features runs while the attention's does
    DeviceGrads<T> og;
    if (s_.tttEnabled) og = tttBackward(p, sv, r, dM.get(), dx);
    prof("attention");
    attnJoin(pa);
    rope(dq.get(), dq.get(), r, -1);
    rope(dk.get(), dk.get(), r, -1);
    Buf<bf16> qkvH[3];  // the q, k, v gradients as bf16 operands, when the feature chain wrote them so
    if (s_.tttEnabled) tttFeaturesBackward(p, sv, og, r, dq.get(), dk.get(), dv.get(), qkvH);
    Opd<T> dqIn(dq.get()), dkIn(dk.get()), dvIn(dv.get());
    if (qkvH[0].size()) {
      dqIn = Opd<T>(nullptr, qkvH[0].get());
      dkIn = Opd<T>(nullptr, qkvH[1].get());
      dvIn = Opd<T>(nullptr, qkvH[2].get());
    }
    Buf<T> dqp, dkp;
    if (s_.qkNorm) {
      dqp = Buf<T>(R * d_);
      dkp = Buf<T>(R * d_);
      normBack(sv.qPre.get(), sv.qInv.get(), p.p[Q_NORM], dq.get(), dqp.get(), p.g[Q_NORM], R, d_, false);
      normBack(sv.kPre.get(), sv.kInv.get(), p.p[K_NORM], dk.get(), dkp.get(), p.g[K_NORM], R, d_, false);
      dqIn = Opd<T>(dqp.get());
      dkIn = Opd<T>(dkp.get());
    }
    long long dd = (long long) d_ * d_;
    prof("qkv");
    linearBack(e_, sv.xs.opd(), p.p[QKV], dqIn, dx, p.g[QKV], R, d_, d_);
    linearBack(e_, sv.xs.opd(), p.p[QKV] + dd, dkIn, dx, p.g[QKV] + dd, R, d_, d_);
    linearBack(e_, sv.xs.opd(), p.p[QKV] + 2 * dd, dvIn, dx, p.g[QKV] + 2 * dd, R, d_, d_);
  }

  // RMSNorm backward: dx (+)= ..., gamma's gradient added into dGamma
  static void normBack(const T* x, const T* inv, const T* gamma, const T* dy, T* dx, T* dGamma, long long rows, int w, bool add) {
    Buf<T> prod(rows * w);
    MROWS(mk::rmsBackward<T>, rows, x, inv, gamma, dy, dx, prod.get(), w, add);
    colSum(prod.get(), rows, w, dGamma);
  }

 private:
  template <class O>
  void rope(const T* x, O* y, const Rows<T>& r, int dir) {
    ropeTables(r.L);
    ML((mk::rope<T, O>), r.count() * s_.attnHeads * (hd_ / 2), x, y, r.count(), r.L, s_.attnHeads, hd_, cos_.get(), sin_.get(), dir);
  }

  // cos and sin of position * invFreq_i for positions [0, L) (grown on demand, kept across steps)
  void ropeTables(int L) {
    if (L <= ropeLen_) return;
    int half = hd_ / 2;
    std::vector<double> c((size_t) L * half), s((size_t) L * half);
    for (int t = 0; t < L; t++)
      for (int j = 0; j < half; j++) {
        double a = (double) t * invFreq_[j];
        c[(size_t) t * half + j] = std::cos(a);
        s[(size_t) t * half + j] = std::sin(a);
      }
    Buf<double> cd(c.size()), sd(s.size());
    LACT_CK(cudaMemcpyAsync(cd.get(), c.data(), c.size() * sizeof(double), cudaMemcpyHostToDevice, rt().stream));
    LACT_CK(cudaMemcpyAsync(sd.get(), s.data(), s.size() * sizeof(double), cudaMemcpyHostToDevice, rt().stream));
    cos_ = Buf<T>(c.size());
    sin_ = Buf<T>(s.size());
    ML((k::convert<double, T>), (long long) c.size(), cd.get(), cos_.get(), (long long) c.size());
    ML((k::convert<double, T>), (long long) s.size(), sd.get(), sin_.get(), (long long) s.size());
    LACT_CK(cudaStreamSynchronize(rt().stream));
    ropeLen_ = L;
  }

  int queryBlock(const Rows<T>& r) const { return std::min(r.L, 256); }

  // The fused feature kernel keeps a row's q and k activations in shared memory (2 d values) and
  // per-head sums for up to 64 heads; LACT_CUDA_FUSED=0 runs the separate kernels (comparisons).
  bool fusedFeatures() const {
    const char* env = std::getenv("LACT_CUDA_FUSED");
    if (env && std::string(env) == "0") return false;
    return 2 * (size_t) d_ * sizeof(T) <= 40 * 1024 && s_.lactHeads <= 64;
  }

  // bf16 products use the fused attention (flash_attn.cu) where it supports the head width;
  // LACT_CUDA_FLASH=0 keeps the blockwise cuBLAS path (for comparisons).
  bool fused() const {
    if (!std::is_same<T, float>::value || e_.mm != PMode::BF16 || !flashSupports(hd_)) return false;
    const char* env = std::getenv("LACT_CUDA_FLASH");
    return !(env && std::string(env) == "0");
  }

  static Buf<bf16> rounded(const T* x, long long n) {
    Buf<bf16> h(n);
    if constexpr (std::is_same<T, float>::value) roundInto(x, h.get(), n);
    else ML((k::convert<T, bf16>), n, x, h.get(), n);
    return h;
  }

  Buf<unsigned char> keyMask(const Rows<T>& r) {
    Buf<unsigned char> m;
    if (r.valid) {
      m = Buf<unsigned char>(r.count());
      ML(mk::toKeyMask<T>, r.count(), r.valid, m.get(), r.count());
    }
    return m;
  }

  int flashWindow(const Rows<T>& r) const { return (int) std::min<long long>(s_.window, r.L); }

  // The attention's fused kernels run on the side stream unless LACT_CUDA_OVERLAP=0 (for
  // comparisons and for per-section profiles, which time the main stream only).
  static bool overlap() {
    const char* env = std::getenv("LACT_CUDA_OVERLAP");
    return !(env && std::string(env) == "0");
  }

  // Starts the attention's forward (sv.lse written): the fused kernel into pa.o (on the side
  // stream when overlapping; wait for it with attnJoin) or the blockwise products into sv.merged
  // (done on return).
  PendingAttention attnStart(LayerSave<T>& sv, const Rows<T>& r) {
    PendingAttention pa;
    if (!fused()) {
      attnForward(sv.qr.get(), sv.kr.get(), sv.v.get(), r, sv.merged.get(), sv.lse.get());
      return pa;
    }
    if constexpr (std::is_same<T, float>::value) {
      long long n = r.count() * d_;
      pa.v = rounded(sv.v.get(), n);
      pa.o = Buf<bf16>(n);
      pa.mask = keyMask(r);
      pa.side = overlap();
      flashForward(sv.qrH.get(), sv.krH.get(), pa.v.get(), pa.mask.get(), r.B, r.L, s_.attnHeads, hd_, flashWindow(r),
          (float) (1.0 / std::sqrt((double) hd_)), pa.o.get(), sv.lse.get(), pa.side ? side_.fork() : rt().stream);
    }
    return pa;
  }

  // The main stream waits for an attention pass's work on the side stream.
  void attnJoin(PendingAttention& pa) {
    if (pa.side) side_.join();
    pa.side = false;
  }

  // Starts the attention's backward for dO (dq written, dk and dv accumulated, all zeroed by the
  // caller): the fused kernel (on the side stream when overlapping; wait for it with attnJoin) or the
  // blockwise products (done on return).
  PendingAttention attnBackStart(const LayerSave<T>& sv, const Rows<T>& r, const T* dO, T* dq, T* dk, T* dv) {
    PendingAttention pa;
    if (!fused()) {
      attnBackward(sv, r, sv.attnOut.size() ? sv.attnOut.get() : sv.merged.get(), dO, dq, dk, dv);
      return pa;
    }
    if constexpr (std::is_same<T, float>::value) {
      long long n = r.count() * d_;
      pa.v = rounded(sv.v.get(), n);
      pa.dO = rounded(dO, n);
      pa.mask = keyMask(r);
      pa.side = overlap();
      flashBackward(sv.qrH.get(), sv.krH.get(), pa.v.get(), sv.attnOutH.get(), pa.dO.get(), sv.lse.get(), pa.mask.get(), r.B, r.L,
          s_.attnHeads, hd_, flashWindow(r), (float) (1.0 / std::sqrt((double) hd_)), dq, dk, dv,
          pa.side ? side_.fork() : rt().stream);
    }
    return pa;
  }

  // The blockwise attention: per block of queries, cuBLAS products and a softmax kernel.
  void attnForward(const T* q, const T* k, const T* v, const Rows<T>& r, T* out, T* lse) {
    int H = s_.attnHeads, L = r.L, bq = queryBlock(r);
    long long W = s_.window;
    double scale = 1.0 / std::sqrt((double) hd_);
    for (int b = 0; b < r.B; b++) {
      for (int q0 = 0; q0 < L; q0 += bq) {
        int m = std::min(bq, L - q0);
        int k0 = (int) std::max<long long>(0, q0 - W + 1), nk = q0 + m - k0;
        long long qOff = ((long long) b * L + q0) * d_, kOff = ((long long) b * L + k0) * d_;
        Buf<T> S((size_t) H * m * nk);
        bmm<T>(e_.mm, false, true, m, nk, hd_, scale, q + qOff, d_, hd_, k + kOff, d_, hd_, 0, S.get(), nk, (long long) m * nk, H);
        MROWS(mk::blockSoftmax<T>, (long long) H * m, S.get(), lse, r.valid, b, L, H, q0, k0, m, nk, W, false);
        bmm<T>(e_.mm, false, false, m, hd_, nk, 1, S.get(), nk, (long long) m * nk, v + kOff, d_, hd_, 0, out + qOff, d_, hd_, H);
      }
    }
  }

  // dq is written, dk and dv accumulated (zeroed by the caller), for dOut of the attention
  // output (the merged gradient: the attention output feeds the sum before o_proj unchanged).
  void attnBackward(const LayerSave<T>& sv, const Rows<T>& r, const T* o, const T* dO, T* dq, T* dk, T* dv) {
    int H = s_.attnHeads, L = r.L, bq = queryBlock(r);
    long long W = s_.window;
    double scale = 1.0 / std::sqrt((double) hd_);
    Buf<T> D(r.count() * H);
    const T *q = sv.qr.get(), *k = sv.kr.get(), *v = sv.v.get();
    ML(mk::attnRowDot<T>, r.count() * H, dO, o, D.get(), L, H, hd_, r.count() * H);
    for (int b = 0; b < r.B; b++) {
      for (int q0 = 0; q0 < L; q0 += bq) {
        int m = std::min(bq, L - q0);
        int k0 = (int) std::max<long long>(0, q0 - W + 1), nk = q0 + m - k0;
        long long qOff = ((long long) b * L + q0) * d_, kOff = ((long long) b * L + k0) * d_, mn = (long long) m * nk;
        Buf<T> P((size_t) H * mn), dP((size_t) H * mn);
        bmm<T>(e_.mm, false, true, m, nk, hd_, scale, q + qOff, d_, hd_, k + kOff, d_, hd_, 0, P.get(), nk, mn, H);
        MROWS(mk::blockSoftmax<T>, (long long) H * m, P.get(), const_cast<T*>(sv.lse.get()), r.valid, b, L, H, q0, k0, m, nk, W, true);
        bmm<T>(e_.mm, false, true, m, nk, hd_, 1, dO + qOff, d_, hd_, v + kOff, d_, hd_, 0, dP.get(), nk, mn, H);
        bmm<T>(e_.mm, true, false, nk, hd_, m, 1, P.get(), nk, mn, dO + qOff, d_, hd_, 1, dv + kOff, d_, hd_, H);
        ML(mk::blockDs<T>, (long long) H * mn, P.get(), dP.get(), D.get(), b, L, H, q0, m, nk);
        bmm<T>(e_.mm, false, false, m, hd_, nk, scale, dP.get(), nk, mn, k + kOff, d_, hd_, 0, dq + qOff, d_, hd_, H);
        bmm<T>(e_.mm, true, false, nk, hd_, m, scale, dP.get(), nk, mn, q + qOff, d_, hd_, 1, dk + kOff, d_, hd_, H);
      }
    }
  }

  // The initial W0 or W2 per head [Hf, dh, df]: the parameter, or L R + 0.5 I.
  Buf<T> initialWeight(const LayerRef<T>& p, LayerTensor full, LayerTensor left, LayerTensor right) {
    int Hf = s_.lactHeads, dh = s_.fastHidden;
    long long per = (long long) dh * df_;
    Buf<T> w((size_t) Hf * per);
    if (s_.lowRank <= 0) {
      copy(w.get(), p.p[full], w.size());
      return w;
    }
    int rk = s_.lowRank;
    bmm<T>(e_.mm == PMode::F64 ? PMode::F64 : PMode::F32, false, false, dh, df_, rk, 1, p.p[left], rk, (long long) dh * rk,
        p.p[right], df_, (long long) rk * df_, 0, w.get(), df_, per, Hf);
    ML(mk::addHalfEye<T>, (long long) Hf * std::min(dh, df_), w.get(), Hf, dh, df_);
    return w;
  }

  // The TTT branch's gated output yhat [R, d] (added to the attention's output by the caller).
  Buf<T> tttForward(const LayerRef<T>& p, const Rows<T>& r, LayerSave<T>& sv, KeptOp<T>* keep, bool saving) {
    long long R = r.count(), Rd = R * d_;
    int Hf = s_.lactHeads, B = r.B, L = r.L;
    bool adopt = keep && keep->op;
    prof("ttt.features");
    if (adopt && fusedFeatures()) {
      // the first forward ran the feature chain and the op on these inputs: take what it kept
      sv.qLen = std::move(keep->qLen);
      sv.kLen = std::move(keep->kLen);
      sv.lrPre = std::move(keep->lrPre);
      sv.mom = std::move(keep->mom);
      sv.op = std::move(keep->op);
      sv.y = std::move(keep->y);
      return tttOutput(p, r, sv);
    }
    // the fused backward recomputes the scaled values and unit vectors from the lengths
    if (saving || keep || !fusedFeatures()) {
      sv.qLen = Buf<T>(R * Hf);
      sv.kLen = Buf<T>(R * Hf);
    }
    if (!fusedFeatures()) {
      sv.qs = Buf<T>(Rd);
      sv.ks = Buf<T>(Rd);
      sv.qUnit = Buf<T>(Rd);
      sv.kUnit = Buf<T>(Rd);
    }
    DeviceOpInputs<T> in;
    if (fusedFeatures()) {
      if (!adopt) {
        in.q = Buf<T>(Rd);
        in.k = Buf<T>(Rd);
        in.v = Buf<T>(Rd);
      }
      ropeTables(L);
      size_t shared = 2 * (size_t) d_ * sizeof(T);
      mk::tttFeatures<T><<<(unsigned) R, mk::TPB, shared, rt().stream>>>(sv.q.get(), sv.k.get(), sv.v.get(), p.p[QK_SCALE],
          p.p[QK_OFFSET], sv.qs.get(), sv.ks.get(), sv.qLen.get(), sv.kLen.get(), sv.qUnit.get(), sv.kUnit.get(), in.q.get(),
          in.k.get(), in.v.get(), cos_.get(), sin_.get(), L, d_, Hf, df_, hd_, s_.qkvSilu, s_.qkvSilu && !s_.noVSilu,
          s_.nope, EPS);
      LACT_LAUNCHED();
    } else {
      sv.qa = Buf<T>(Rd);
      sv.ka = Buf<T>(Rd);
      sv.va = Buf<T>(Rd);
      ML(mk::tttPrep<T>, Rd, sv.q.get(), sv.k.get(), sv.v.get(), p.p[QK_SCALE], p.p[QK_OFFSET], sv.qs.get(), sv.ks.get(),
          sv.qa.get(), sv.ka.get(), sv.va.get(), R, d_, s_.qkvSilu, s_.qkvSilu && !s_.noVSilu);
      MROWS(mk::unitRows<T>, R * Hf, sv.qa.get(), sv.qLen.get(), sv.qUnit.get(), df_, EPS);
      MROWS(mk::unitRows<T>, R * Hf, sv.ka.get(), sv.kLen.get(), sv.kUnit.get(), df_, EPS);
    }
    sv.lrPre = Buf<T>(R * 3 * Hf);
    linear(e_, sv.xs.opd(), p.p[LR_W], sv.lrPre.get(), R, d_, 3 * Hf);
    ML(mk::addBias<T>, R * 3 * Hf, sv.lrPre.get(), p.p[LR_B], s_.lrShift, R, 3 * Hf);
    if (s_.momentum) {
      sv.mom = Buf<T>(R * Hf);
      linear(e_, sv.xs.opd(), p.p[MOM_W], sv.mom.get(), R, d_, Hf);
      ML(mk::addBias<T>, R * Hf, sv.mom.get(), p.p[MOM_B], 0.0, R, Hf);
    }
    if (adopt) {
      // the op already ran on these inputs in this step's first forward: take its state and output
      if (s_.momentum) ML(mk::sigmoidInPlace<T>, R * Hf, sv.mom.get(), R * Hf);
      sv.op = std::move(keep->op);
      sv.y = std::move(keep->y);
    } else {
      runOp(p, r, sv, keep && !keep->withNs, std::move(in));
    }
    Buf<T> yhat = tttOutput(p, r, sv);
    if (keep && !adopt) {
      keep->op = std::move(sv.op);
      keep->y = std::move(sv.y);
      keep->qLen = std::move(sv.qLen);
      keep->kLen = std::move(sv.kLen);
      keep->lrPre = std::move(sv.lrPre);
      keep->mom = std::move(sv.mom);
    }
    return yhat;
  }

  // The gated, normed op output yhat from sv.y (and the gate's pre-activation, into sv.gPre).
  Buf<T> tttOutput(const LayerRef<T>& p, const Rows<T>& r, LayerSave<T>& sv) {
    long long R = r.count();
    int Hf = s_.lactHeads;
    prof("ttt.out");
    if (s_.tttScale) {
      sv.gPre = Buf<T>(R * Hf);
      linear(e_, sv.xs.opd(), p.p[TS_W], sv.gPre.get(), R, d_, Hf);
      ML(mk::addBias<T>, R * Hf, sv.gPre.get(), p.p[TS_B], 0.0, R, Hf);
    }
    sv.tttInv = Buf<T>(R * Hf);
    Buf<T> yhat(R * d_);
    MROWS(mk::tttOut<T>, R * Hf, sv.y.get(), p.p[TTT_NORM], sv.gPre.get(), sv.tttInv.get(), yhat.get(), df_, EPS);
    return yhat;
  }

  // The op's inputs in its instance layout, the op (its state kept for the backward; without
  // Newton-Schulz's iterates when `recomputeNs`, to bound the memory of ops kept across the step)
  // and sv.y. `in` holds the op's q, k, v in the instance layout when the fused feature kernel wrote them.
  void runOp(const LayerRef<T>& p, const Rows<T>& r, LayerSave<T>& sv, bool recomputeNs, DeviceOpInputs<T>&& in) {
    long long R = r.count(), Rd = R * d_;
    int Hf = s_.lactHeads, dh = s_.fastHidden, B = r.B, L = r.L, n = B * Hf;
    if (!in.q.size()) {
      Buf<T> qt(Rd), kt(Rd);
      if (s_.nope) {
        copy(qt.get(), sv.qUnit.get(), Rd);
        copy(kt.get(), sv.kUnit.get(), Rd);
      } else {
        rope(sv.qUnit.get(), qt.get(), r, 1);
        rope(sv.kUnit.get(), kt.get(), r, 1);
      }
      in.q = Buf<T>(Rd);
      in.k = Buf<T>(Rd);
      in.v = Buf<T>(Rd);
      MROWS(mk::toInstances<T>, R, qt.get(), in.q.get(), B, L, Hf, df_);
      MROWS(mk::toInstances<T>, R, kt.get(), in.k.get(), B, L, Hf, df_);
      MROWS(mk::toInstances<T>, R, sv.va.get(), in.v.get(), B, L, Hf, df_);
    }
    long long nl = (long long) n * L;
    in.eta = Buf<T>(3 * nl);
    if (r.valid) in.mask = Buf<T>(nl);
    ML(mk::etaPrep<T>, nl, sv.lrPre.get(), r.valid, in.eta.get(), in.mask.get(), B, L, Hf);
    if (s_.momentum) {
      in.mom = Buf<T>(nl);
      ML(mk::momPrep<T>, R * Hf, sv.mom.get(), in.mom.get(), B, L, Hf);
    }
    long long ws = (long long) dh * df_, perHead = (long long) Hf * ws;
    in.w = Buf<T>(3 * n * ws);
    Buf<T> w0 = initialWeight(p, W0, W0_LEFT, W0_RIGHT), w2 = initialWeight(p, W2, W2_LEFT, W2_RIGHT);
    ML(mk::tile<T>, perHead * B, w0.get(), in.w.get(), perHead, B);
    ML(mk::tile<T>, perHead * B, p.p[W1], in.w.get() + n * ws, perHead, B);
    ML(mk::tile<T>, perHead * B, w2.get(), in.w.get() + 2 * n * ws, perHead, B);
    Dims dims{n, df_, dh, L};
    Spec spec{0, s_.prenorm ? 1 : 0, s_.chunk, s_.muon, s_.momentum, false, s_.ns};
    Buf<T> yi(Rd);
    prof("ttt.op");
    sv.op = deviceOp<T>(e_.precision, e_.update | (recomputeNs ? UPD_RECOMPUTE_NS : 0), dims, spec, std::move(in));
    sv.op->run(yi.get());
    prof("ttt.out");
    sv.y = Buf<T>(Rd);
    MROWS(mk::fromInstances<T>, R, yi.get(), sv.y.get(), B, L, Hf, df_);
  }


  // dW0 or dW2 per head, summed over the batch, into the parameter's gradient (or its factors')
  void initialWeightBack(const LayerRef<T>& p, const T* gGroupPart, int B, LayerTensor full, LayerTensor left, LayerTensor right) {
    int Hf = s_.lactHeads, dh = s_.fastHidden;
    long long per = (long long) Hf * dh * df_;
    if (s_.lowRank <= 0) {
      ML(mk::sumOverBatch<T>, per, gGroupPart, p.g[full], per, B, true);
      return;
    }
    Buf<T> gw(per);
    ML(mk::sumOverBatch<T>, per, gGroupPart, gw.get(), per, B, false);
    int rk = s_.lowRank;
    PMode m = e_.mm == PMode::F64 ? PMode::F64 : PMode::F32;
    // W = L R: dL = dW R^T [dh, rk], dR = L^T dW [rk, df]
    bmm<T>(m, false, true, dh, rk, df_, 1, gw.get(), df_, (long long) dh * df_, p.p[right], df_, (long long) rk * df_, 1,
        p.g[left], rk, (long long) dh * rk, Hf);
    bmm<T>(m, true, false, rk, df_, dh, 1, p.p[left], rk, (long long) dh * rk, gw.get(), df_, (long long) dh * df_, 1,
        p.g[right], df_, (long long) rk * df_, Hf);
  }

  // The TTT branch's backward for dM (the merged output's gradient) down to the op's input
  // gradients, which it returns: the gate, ttt_norm, the op, the initial weights, the rates and the
  // momentum (their input gradients added into dx). tttFeaturesBackward takes it from there.
  DeviceGrads<T> tttBackward(const LayerRef<T>& p, LayerSave<T>& sv, const Rows<T>& r, const T* dM, T* dx) {
    long long R = r.count(), Rd = R * d_;
    int Hf = s_.lactHeads, dh = s_.fastHidden, B = r.B, L = r.L, n = B * Hf;
    prof("ttt.out");
    Buf<T> dYi(Rd), dG(s_.tttScale ? R * Hf : 0);
    {
      Buf<T> prod(Rd);
      MROWS(mk::tttOutBackward<T>, R * Hf, dM, sv.y.get(), sv.tttInv.get(), p.p[TTT_NORM], sv.gPre.get(), dG.get(), prod.get(),
          dYi.get(), L, Hf, df_);
      colSum(prod.get(), R * Hf, df_, p.g[TTT_NORM]);
    }
    if (s_.tttScale) {
      linearBack(e_, sv.xs.opd(), p.p[TS_W], Opd<T>(dG.get()), dx, p.g[TS_W], R, d_, Hf);
      colSum(dG.get(), R, Hf, p.g[TS_B]);
    }
    DeviceGrads<T> og;
    {
      prof("ttt.op");
      og = sv.op->backwardOnDevice(dYi.get());
      sv.op.reset();
    }
    prof("ttt.rates");
    long long ws = (long long) dh * df_;
    initialWeightBack(p, og.w.get(), B, W0, W0_LEFT, W0_RIGHT);
    ML(mk::sumOverBatch<T>, (long long) Hf * ws, og.w.get() + n * ws, p.g[W1], (long long) Hf * ws, B, true);
    initialWeightBack(p, og.w.get() + 2 * n * ws, B, W2, W2_LEFT, W2_RIGHT);
    Buf<T> dLr(R * 3 * Hf);
    ML(mk::etaBackward<T>, R * 3 * Hf, og.eta.get(), sv.lrPre.get(), dLr.get(), B, L, Hf);
    linearBack(e_, sv.xs.opd(), p.p[LR_W], Opd<T>(dLr.get()), dx, p.g[LR_W], R, d_, 3 * Hf);
    colSum(dLr.get(), R, 3 * Hf, p.g[LR_B]);
    if (s_.momentum) {
      Buf<T> dm(R * Hf);
      ML(mk::momBackward<T>, R * Hf, og.mom.get(), sv.mom.get(), dm.get(), B, L, Hf);
      linearBack(e_, sv.xs.opd(), p.p[MOM_W], Opd<T>(dm.get()), dx, p.g[MOM_W], R, d_, Hf);
      colSum(dm.get(), R, Hf, p.g[MOM_B]);
    }
    return og;
  }

  // The feature chain's backward from the op's input gradients og: added into dq, dk, dv (the
  // gradients of the q, k, v projections) and into the scale and offset gradients. When the fused
  // kernel runs and the QKV products take bf16 gradients (bf16 products, no q/k norm), the sums
  // are written into qkvH (3 bf16 buffers, allocated here) instead of dq, dk, dv.
  void tttFeaturesBackward(const LayerRef<T>& p, const LayerSave<T>& sv, const DeviceGrads<T>& og, const Rows<T>& r, T* dq,
      T* dk, T* dv, Buf<bf16> (&qkvH)[3]) {
    long long R = r.count(), Rd = R * d_;
    int Hf = s_.lactHeads, B = r.B, L = r.L;
    prof("ttt.features");
    size_t shared = 4 * (size_t) d_ * sizeof(T);
    if (fusedFeatures() && d_ <= 16 * mk::TPB && shared <= 200 * 1024) {
      Buf<T> dqs(Rd), dks(Rd), pq(Rd), pk(Rd);
      if (bf16Products<T>(e_) && !s_.qkNorm)
        for (Buf<bf16>& h : qkvH) h = Buf<bf16>(Rd);
      ropeTables(L);
      auto kern = mk::tttFeaturesBackward<T>;
      // (past 48 KB with the kernel's static shared memory a launch needs the opt-in: d = 3072 does)
      LACT_CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int) shared));
      kern<<<(unsigned) R, mk::TPB, shared, rt().stream>>>(og.q.get(), og.k.get(), og.v.get(), sv.q.get(), sv.k.get(), sv.v.get(),
          p.p[QK_SCALE], p.p[QK_OFFSET], sv.qLen.get(), sv.kLen.get(), cos_.get(), sin_.get(), dqs.get(), dks.get(), pq.get(),
          pk.get(), dq, dk, dv, qkvH[0].get(), qkvH[1].get(), qkvH[2].get(), L, d_, Hf, df_, hd_, s_.qkvSilu,
          s_.qkvSilu && !s_.noVSilu, s_.nope, EPS);
      LACT_LAUNCHED();
      colSum(pq.get(), R, d_, p.g[QK_SCALE], 2);
      colSum(pk.get(), R, d_, p.g[QK_SCALE] + 1, 2);
      colSum(dqs.get(), R, d_, p.g[QK_OFFSET], 2);
      colSum(dks.get(), R, d_, p.g[QK_OFFSET] + 1, 2);
      return;
    }
    Buf<T> dqt(Rd), dkt(Rd), dva(Rd);
    MROWS(mk::fromInstances<T>, R, og.q.get(), dqt.get(), B, L, Hf, df_);
    MROWS(mk::fromInstances<T>, R, og.k.get(), dkt.get(), B, L, Hf, df_);
    MROWS(mk::fromInstances<T>, R, og.v.get(), dva.get(), B, L, Hf, df_);
    if (!s_.nope) {
      rope(dqt.get(), dqt.get(), r, -1);
      rope(dkt.get(), dkt.get(), r, -1);
    }
    Buf<T> dqs(Rd), dks(Rd);
    MROWS(mk::unitBackward<T>, R * Hf, sv.qUnit.get(), sv.qLen.get(), dqt.get(), dqs.get(), df_, EPS);
    MROWS(mk::unitBackward<T>, R * Hf, sv.kUnit.get(), sv.kLen.get(), dkt.get(), dks.get(), df_, EPS);
    if (s_.qkvSilu) {
      ML(mk::siluBackwardInPlace<T>, Rd, dqs.get(), sv.qs.get(), Rd);
      ML(mk::siluBackwardInPlace<T>, Rd, dks.get(), sv.ks.get(), Rd);
      if (!s_.noVSilu) ML(mk::siluBackwardInPlace<T>, Rd, dva.get(), sv.v.get(), Rd);
    }
    Buf<T> prod(Rd);
    ML(mk::mul<T>, Rd, dqs.get(), sv.q.get(), prod.get(), Rd);
    colSum(prod.get(), R, d_, p.g[QK_SCALE], 2);
    ML(mk::mul<T>, Rd, dks.get(), sv.k.get(), prod.get(), Rd);
    colSum(prod.get(), R, d_, p.g[QK_SCALE] + 1, 2);
    colSum(dqs.get(), R, d_, p.g[QK_OFFSET], 2);
    colSum(dks.get(), R, d_, p.g[QK_OFFSET] + 1, 2);
    ML(mk::mulColumn<T>, Rd, dqs.get(), p.p[QK_SCALE], 0, dq, R, d_, true);
    ML(mk::mulColumn<T>, Rd, dks.get(), p.p[QK_SCALE], 1, dk, R, d_, true);
    ML(mk::addInto<T>, Rd, dv, dva.get(), Rd);
  }

  Env e_;
  const ModelSpec& s_;
  SideStream side_;
  int d_, hd_, df_;
  std::vector<double> invFreq_;
  Buf<T> cos_, sin_;
  int ropeLen_ = 0;
};

// Document packing (document restart): each document of the batch cut out into its own row.
struct Packing {
  int rows = 0, maxLen = 0;
  std::vector<int> hostMap;  // packed position -> original row index, or -1 (end padding)
  Buf<int> map;              // the same on the device
};

Packing packDocuments(int B, int L, const int* docs) {
  std::vector<std::array<int, 3>> runs;
  for (int b = 0; b < B; b++) {
    int t = 0;
    while (t < L) {
      int id = docs[(long long) b * L + t], start = t;
      while (t < L && docs[(long long) b * L + t] == id) t++;
      if (id > 0) runs.push_back({b, start, t - start});
    }
  }
  Packing p;
  p.rows = (int) runs.size();
  for (auto& r : runs) p.maxLen = std::max(p.maxLen, r[2]);
  std::vector<int>& map = p.hostMap;
  map.assign((size_t) p.rows * p.maxLen, -1);
  for (int i = 0; i < p.rows; i++)
    for (int t = 0; t < runs[i][2]; t++) map[(size_t) i * p.maxLen + t] = runs[i][0] * L + runs[i][1] + t;
  p.map = Buf<int>(map.size());
  if (!map.empty()) {
    LACT_CK(cudaMemcpyAsync(p.map.get(), map.data(), map.size() * sizeof(int), cudaMemcpyHostToDevice, rt().stream));
    LACT_CK(cudaStreamSynchronize(rt().stream));
  }
  return p;
}

// One step's batch on the device: rows, the valid mask (null: no padding) and the packing.
template <class T>
struct Batch {
  Rows<T> rows;
  Buf<T> valid;
  bool packed = false;
  Packing pack;
  Buf<T> packedValid;
  Rows<T> packedRows;
};

template <class T>
struct BlockSave {
  Buf<T> n1, inv1, a, h, n2, inv2, g, u, hm;
  Buf<bf16> gh, uh;  // g and u when products run in bf16 (then g and u stay empty)
  Operand<T> n2s, hms;  // the MLP's product operands
  LayerSave<T> layer;
  Buf<T> xp;  // the packed layer input (document restart)
};

template <class T>
class ModelImpl final : public NativeModel {
 public:
  ModelImpl(const Env& e, const ModelSpec& s, const ModelLayout& l) : e_(e), s_(s), l_(l), layer_(e_, s_) {
    P_ = zeros<T>(l.total);
    G_ = zeros<T>(l.total);
    LACT_CK(cudaStreamSynchronize(rt().stream));
  }

  long long size() const override { return l_.total; }

  void setParams(long long offset, const float* v, long long n) override { put(offset, v, n); }
  void setParams(long long offset, const double* v, long long n) override { put(offset, v, n); }

  void params(float* out) override {
    std::lock_guard<std::mutex> g(lock());
    get(P_.get(), out);
  }

  void takeGradient(float* out) override {
    std::lock_guard<std::mutex> g(lock());
    get(G_.get(), out);
    G_.zero();
    LACT_CK(cudaStreamSynchronize(rt().stream));
  }

  void takeGradient(double* out) override {
    std::lock_guard<std::mutex> g(lock());
    get(G_.get(), out);
    G_.zero();
    LACT_CK(cudaStreamSynchronize(rt().stream));
  }

  void setDecayRanges(const std::vector<long long>& ranges) override {
    std::lock_guard<std::mutex> g(lock());
    if (ranges.size() % 2) throw ArgError("decay ranges: an odd number of bounds");
    decay_ = Buf<unsigned char>(l_.total);
    decay_.zero();
    for (size_t i = 0; i < ranges.size(); i += 2) {
      if (ranges[i] < 0 || ranges[i] > ranges[i + 1] || ranges[i + 1] > l_.total)
        throw ArgError("decay range [" + std::to_string(ranges[i]) + ", " + std::to_string(ranges[i + 1]) + ") outside the model");
      if (ranges[i + 1] > ranges[i]) ML(mk::markRanges, ranges[i + 1] - ranges[i], decay_.get(), ranges[i], ranges[i + 1]);
    }
    LACT_CK(cudaStreamSynchronize(rt().stream));
  }

  std::vector<double> optimizerStep(double lr, double beta1, double beta2, double eps, double weightDecay, double clipNorm,
      double gradScale) override {
    std::lock_guard<std::mutex> g(lock());
    std::vector<double> r;
    {
      Profile::get().phase("step");
      prof("optimizer");
      r = adamw(lr, beta1, beta2, eps, weightDecay, clipNorm, gradScale);
    }
    Profile::get().report("optimizer");
    return r;
  }

  std::vector<double> adamw(double lr, double beta1, double beta2, double eps, double weightDecay, double clipNorm,
      double gradScale) {
    if (!(lr >= 0) || !std::isfinite(lr)) throw ArgError("lr = " + std::to_string(lr) + ": must be >= 0 and finite");
    long long n = l_.total;
    if (!m_.size()) {
      m_ = zeros<T>(n);
      v_ = zeros<T>(n);
    }
    if (!decay_.size()) {
      decay_ = Buf<unsigned char>(n);
      decay_.zero();
    }
    int blocks = mk::blocksFor(n);
    Buf<double> part(blocks), total(1);
    mk::squarePartial<T><<<blocks, mk::TPB, 0, rt().stream>>>(G_.get(), n, gradScale, part.get());
    LACT_LAUNCHED();
    mk::sumDoubles<<<1, mk::TPB, 0, rt().stream>>>(part.get(), blocks, total.get());
    LACT_LAUNCHED();
    double sq = 0;
    LACT_CK(cudaMemcpyAsync(&sq, total.get(), sizeof(double), cudaMemcpyDeviceToHost, rt().stream));
    LACT_CK(cudaStreamSynchronize(rt().stream));
    double norm = std::sqrt(sq);
    double scale = gradScale * ((clipNorm > 0 && norm > clipNorm) ? clipNorm / norm : 1.0);
    long long t = steps_ + 1;
    double c1 = 1 - std::pow(beta1, (double) t), c2 = 1 - std::pow(beta2, (double) t);
    Buf<int> bad(1);
    bad.zero();
    ML(mk::adamw<T>, n, P_.get(), m_.get(), v_.get(), G_.get(), decay_.get(), n, scale, beta1, beta2, c1, c2, lr,
        lr * weightDecay, eps, false, bad.get());
    int flag = 0;
    LACT_CK(cudaMemcpyAsync(&flag, bad.get(), sizeof(int), cudaMemcpyDeviceToHost, rt().stream));
    LACT_CK(cudaStreamSynchronize(rt().stream));
    if (flag || !std::isfinite(norm)) return {norm, 0.0};
    ML(mk::adamw<T>, n, P_.get(), m_.get(), v_.get(), G_.get(), decay_.get(), n, scale, beta1, beta2, c1, c2, lr,
        lr * weightDecay, eps, true, bad.get());
    steps_ = t;
    LACT_CK(cudaStreamSynchronize(rt().stream));
    return {norm, 1.0};
  }

  void setMoments(long long offset, const float* m, const float* v, long long n, long long steps) override {
    std::lock_guard<std::mutex> g(lock());
    if (offset < 0 || n < 0 || offset + n > l_.total)
      throw ArgError("moments [" + std::to_string(offset) + ", " + std::to_string(offset + n) + ") outside the model's " +
          std::to_string(l_.total));
    if (steps < 0) throw ArgError("optimizer steps = " + std::to_string(steps) + ": must be >= 0");
    if (!m_.size()) {
      m_ = zeros<T>(l_.total);
      v_ = zeros<T>(l_.total);
    }
    upload(m, m_.get() + offset, n);
    upload(v, v_.get() + offset, n);
    steps_ = steps;
  }

  long long moments(float* m, float* v) override {
    std::lock_guard<std::mutex> g(lock());
    if (!m_.size()) {
      std::fill(m, m + l_.total, 0.0f);
      std::fill(v, v + l_.total, 0.0f);
    } else {
      get(m_.get(), m);
      get(v_.get(), v);
    }
    return steps_;
  }

  std::vector<double> memory() override {
    std::lock_guard<std::mutex> g(lock());
    double peak = (double) peakAllocatedBytes();
    resetPeak();
    return {peak, (double) allocatedBytes()};
  }

  LossSum step(int B, int L, const int* ids, const int* docs, const int* targets, bool grads, double* logits) override {
    std::lock_guard<std::mutex> g(lock());
    checkBatch(B, L, ids, docs, targets);
    long long R = (long long) B * L;
    int d = s_.d;
    Batch<T> batch = makeBatch(B, L, docs);
    Buf<int> idsD = uploadInts(ids, R), tg = uploadInts(targets, R);
    Profile::get().phase("fwd");
    std::vector<Buf<T>> X;
    X.reserve(s_.layers + 1);
    X.emplace_back(R * d);
    ML(mk::gatherRows<T>, R * d, P_.get() + l_.embed, idsD.get(), X[0].get(), R, d);
    std::vector<KeptOp<T>> kept(grads && keepOps(batch) ? s_.layers : 0);
    long long atStart = allocatedBytes();
    if (!kept.empty()) {
      int nsLayers = keptIterates(batch);
      for (int i = s_.layers - nsLayers; i < s_.layers; i++) kept[i].withNs = true;
      resetStepPeak();
    }
    for (int i = 0; i < s_.layers; i++) {
      X.emplace_back(R * d);
      BlockSave<T> sv = blockForward(i, X[i].get(), batch, X[i + 1].get(), kept.empty() ? nullptr : &kept[i]);
    }
    if (!grads) X.erase(X.begin(), X.end() - 1);
    Buf<T> dX;
    Profile::get().phase(grads ? "fwd+bwd" : "fwd");
    LossSum loss = head(X.back().get(), R, tg.get(), targets, grads, logits, &dX);
    if (grads) {
      for (int i = s_.layers - 1; i >= 0; i--) {
        Profile::get().phase("recompute");
        // the block's output is not needed again: the recompute stops at the MLP's hidden activation
        BlockSave<T> sv = blockForward(i, X[i].get(), batch, nullptr, kept.empty() ? nullptr : &kept[i]);
        X[i + 1] = Buf<T>();
        Profile::get().phase("bwd");
        blockBackward(i, sv, X[i].get(), batch, dX.get());
      }
      embeddingBackward(ids, R, dX.get());
    }
    if (!kept.empty()) measureStep(atStart);
    Profile::get().report(grads ? "forward+backward" : "forward");
    LACT_CK(cudaStreamSynchronize(rt().stream));
    return loss;
  }

  // The LaCT layer alone (fixtures): the flat vector holds one layer at offsets l_.layer.
  void layerRun(int B, int L, const double* x, const double* dy, double* y, double* dx) {
    long long R = (long long) B * L, Rd = R * s_.d;
    Rows<T> r{B, L, nullptr};
    Buf<T> xd = up(x, Rd), out(Rd);
    LayerRef<T> p = ref(0);
    LayerSave<T> sv = layer_.forward(p, operand(e_, xd.get(), Rd), r, out.get());
    down(out.get(), y, Rd);
    Buf<T> dyd = up(dy, Rd), dxd = zeros<T>(Rd);
    layer_.backward(p, sv, r, dyd.get(), dxd.get());
    down(dxd.get(), dx, Rd);
  }

  void gradient(double* out) { get(G_.get(), out); }

 private:
  template <class S>
  void put(long long offset, const S* v, long long n) {
    std::lock_guard<std::mutex> g(lock());
    if (offset < 0 || n < 0 || offset + n > l_.total)
      throw ArgError("parameters [" + std::to_string(offset) + ", " + std::to_string(offset + n) + ") outside the model's " +
          std::to_string(l_.total));
    upload(v, P_.get() + offset, n);
  }

  // n host values converted into the device array at dst (synchronised: the host array may go)
  template <class S>
  static void upload(const S* v, T* dst, long long n) {
    if (!n) return;
    Buf<S> tmp(n);
    LACT_CK(cudaMemcpyAsync(tmp.get(), v, n * sizeof(S), cudaMemcpyHostToDevice, rt().stream));
    ML((k::convert<S, T>), n, tmp.get(), dst, n);
    LACT_CK(cudaStreamSynchronize(rt().stream));
  }

  template <class S>
  void get(const T* src, S* out) {
    Buf<S> tmp(l_.total);
    ML((k::convert<T, S>), l_.total, src, tmp.get(), l_.total);
    LACT_CK(cudaMemcpyAsync(out, tmp.get(), l_.total * sizeof(S), cudaMemcpyDeviceToHost, rt().stream));
    LACT_CK(cudaStreamSynchronize(rt().stream));
  }

  Buf<T> up(const double* h, long long n) {
    Buf<double> tmp(n);
    LACT_CK(cudaMemcpyAsync(tmp.get(), h, n * sizeof(double), cudaMemcpyHostToDevice, rt().stream));
    Buf<T> out(n);
    ML((k::convert<double, T>), n, tmp.get(), out.get(), n);
    LACT_CK(cudaStreamSynchronize(rt().stream));
    return out;
  }

  void down(const T* d, double* h, long long n) {
    Buf<double> tmp(n);
    ML((k::convert<T, double>), n, d, tmp.get(), n);
    LACT_CK(cudaMemcpyAsync(h, tmp.get(), n * sizeof(double), cudaMemcpyDeviceToHost, rt().stream));
    LACT_CK(cudaStreamSynchronize(rt().stream));
  }

  static Buf<int> uploadInts(const int* h, long long n) {
    Buf<int> b(n);
    LACT_CK(cudaMemcpyAsync(b.get(), h, n * sizeof(int), cudaMemcpyHostToDevice, rt().stream));
    LACT_CK(cudaStreamSynchronize(rt().stream));
    return b;
  }

  // Whether this step keeps every layer's op and attention output from the first forward for the
  // backward (the recomputing forward then skips both): when what is kept (the ops' inputs, outputs
  // and fast-weight states without Newton-Schulz's iterates, the attention outputs) fits in the
  // device's free memory with room to spare for one block's activations. LACT_CUDA_KEEP_OPS=0 or
  // 1 overrides.
  bool keepOps(const Batch<T>& b) const {
    if (!s_.tttEnabled || s_.layers == 0) return false;
    const char* env = std::getenv("LACT_CUDA_KEEP_OPS");
    if (env && std::string(env) == "0") return false;
    if (env && std::string(env) == "1") return true;
    const Rows<T>& r = b.packed ? b.packedRows : b.rows;
    long long rows = r.count(), n = (long long) r.B * s_.lactHeads, ws = (long long) s_.fastHidden * (s_.d / s_.lactHeads);
    long long updates = std::max(0, (r.L + s_.chunk - 1) / s_.chunk - 1);
    double perLayer = sizeof(T) * (6.0 * rows * s_.d + rows * s_.attnHeads + 5.0 * n * r.L + (updates + 1) * 3.0 * 3 * n * ws)
        + updates * 3.0 * n * ws * 2;
    // what one block's forward and backward hold besides (about 40 activations of [rows, d] and the MLP's)
    double block = sizeof(T) * (40.0 * rows * s_.d + 6.0 * rows * s_.mlp);
    return s_.layers * perLayer + block + 4e9 < (double) availableBytes();
  }

  // Newton-Schulz's iterates kept by one layer's op for the backward (bf16 storage on the bf16
  // update path, else counted as float64): per update, the input and every step's X, A and B.
  double iterateBytes(const Batch<T>& b) const {
    if (!s_.muon) return 0;
    const Rows<T>& r = b.packed ? b.packedRows : b.rows;
    long long n = (long long) r.B * s_.lactHeads, df = s_.d / s_.lactHeads;
    long long sm = std::min<long long>(s_.fastHidden, df), wd = std::max<long long>(s_.fastHidden, df);
    long long updates = std::max(0, (r.L + s_.chunk - 1) / s_.chunk - 1), steps = (long long) s_.ns.size() / 3;
    double elem = (e_.precision == PREC_BF16 && (e_.update & ~UPD_RECOMPUTE_NS) == UPD_BF16) ? 2 : 8;
    return elem * updates * 3.0 * n * ((steps + 2) * sm * wd + 2.0 * steps * sm * sm);
  }

  // How many layers (the last ones) keep Newton-Schulz's iterates in this step's kept ops:
  // LACT_CUDA_KEEP_NS when set; else none in the first step of a batch shape, and in later steps
  // of that shape as many as fit beside what that first step needed on top of what was allocated
  // at its start (nsNeed_, see measureStep), less a margin for the allocation pool's
  // fragmentation. Sized per step, so allocations made since (the optimizer's moments after the
  // first step) count. 760m at 32K on an 80 GB H100: 0.90 GB per layer; 23 layers ran at an
  // 83.9 GB peak, 21 ran out of memory when the moments were left out of the count.
  int keptIterates(const Batch<T>& b) {
    const char* env = std::getenv("LACT_CUDA_KEEP_NS");
    if (env && *env) return std::max(0, std::min(s_.layers, std::atoi(env)));
    double per = iterateBytes(b);
    long long shape = b.packed ? b.packedRows.count() * 65536LL + b.packedRows.L : b.rows.count() * 65536LL + b.rows.L;
    if (per <= 0 || shape != nsShape_) {
      nsShape_ = shape;
      nsNeed_ = -1;
      return 0;
    }
    if (nsNeed_ < 0) return 0;
    const double margin = 4e9;
    double spare = (double) capacityBytes() - (double) allocatedBytes() - (double) nsNeed_ - margin;
    int layers = (int) std::max<long long>(0, std::min<long long>(s_.layers, (long long) std::floor(spare / per)));
    if (Profile::get().on())
      std::fprintf(stderr, "lact-profile Newton-Schulz iterates kept in %d layers (%.2f GB each; %.2f GB of %.2f GB held, a step needs %.2f GB more)\n",
          layers, per / 1e9, allocatedBytes() / 1e9, capacityBytes() / 1e9, nsNeed_ / 1e9);
    return layers;
  }

  // After the first step of a batch shape (no layer kept the iterates): what it needed on top of
  // what was allocated at its start.
  void measureStep(long long atStart) {
    if (nsNeed_ < 0 && !std::getenv("LACT_CUDA_KEEP_NS")) nsNeed_ = stepPeakBytes() - atStart;
  }

  void checkBatch(int B, int L, const int* ids, const int* docs, const int* targets) const {
    if (B < 1 || L < 1) throw ArgError("batch = " + std::to_string(B) + ", length = " + std::to_string(L) + ": both must be >= 1");
    for (long long i = 0; i < (long long) B * L; i++) {
      auto at = [&]() { return " at [" + std::to_string(i / L) + ", " + std::to_string(i % L) + "]"; };
      if (ids[i] < 0 || ids[i] >= s_.vocab)
        throw ArgError("token ids: value " + std::to_string(ids[i]) + at() + " is not in [0, " + std::to_string(s_.vocab) + ")");
      if (docs[i] < 0) throw ArgError("documents: value " + std::to_string(docs[i]) + at() + " is negative");
      if (targets[i] < -1 || targets[i] >= s_.vocab)
        throw ArgError("targets: value " + std::to_string(targets[i]) + at() + " is neither -1 nor a token");
    }
  }

  Batch<T> makeBatch(int B, int L, const int* docs) {
    Batch<T> b;
    long long R = (long long) B * L;
    bool padding = false;
    for (long long i = 0; i < R; i++) padding |= docs[i] == 0;
    b.rows = Rows<T>{B, L, nullptr};
    if (padding) {
      std::vector<double> v(R);
      for (long long i = 0; i < R; i++) v[i] = docs[i] > 0 ? 1.0 : 0.0;
      b.valid = up(v.data(), R);
      b.rows.valid = b.valid.get();
    }
    // document restart packs whenever documents are marked (the ND4J model packs for any mask)
    if (s_.documentRestart) {
      b.packed = true;
      b.pack = packDocuments(B, L, docs);
      const std::vector<int>& map = b.pack.hostMap;
      std::vector<double> v(map.size(), 0.0);
      bool pad = false;
      for (size_t i = 0; i < map.size(); i++) {
        v[i] = map[i] >= 0 ? 1.0 : 0.0;
        pad |= map[i] < 0;
      }
      if (pad) b.packedValid = up(v.data(), (long long) v.size());
      b.packedRows = Rows<T>{b.pack.rows, b.pack.maxLen, pad ? b.packedValid.get() : nullptr};
    }
    return b;
  }

  LayerRef<T> ref(int layer) {
    LayerRef<T> r;
    for (int t = 0; t < LAYER_TENSORS; t++) {
      long long off = l_.layer[(size_t) layer * LAYER_TENSORS + t];
      r.p[t] = off < 0 ? nullptr : P_.get() + off;
      r.g[t] = off < 0 ? nullptr : G_.get() + off;
    }
    return r;
  }


  // The block's forward into out [R, d]; a null out (the backward's recompute) skips the MLP's down
  // projection, whose result only the next block reads, and keeps what the backward needs (a
  // forward with an out keeps nothing: its save is dropped).
  BlockSave<T> blockForward(int i, const T* x, const Batch<T>& b, T* out, KeptOp<T>* keep = nullptr) {
    bool saving = out == nullptr;
    LayerRef<T> p = ref(i);
    long long R = b.rows.count(), Rd = R * s_.d;
    int d = s_.d, w = s_.mlp;
    BlockSave<T> sv;
    prof("norm");
    sv.inv1 = Buf<T>(R);
    // the normed input only feeds products (after the packing's gather, when packed): in bf16 it
    // is written as their bf16 operand alone
    Operand<T> n1;
    if (bf16Products<T>(e_) && !b.packed) {
      n1.h = Buf<bf16>(Rd);
    } else {
      sv.n1 = Buf<T>(Rd);
      n1.p = sv.n1.get();
    }
    MROWS(mk::rmsForward<T>, R, x, p.p[ATTN_NORM], sv.n1.get(), sv.inv1.get(), d, s_.normEps, n1.h.get());
    sv.a = Buf<T>(Rd);
    if (b.packed) {
      if (b.pack.rows > 0) {
        long long Rp = b.packedRows.count();
        sv.xp = Buf<T>(Rp * d);
        ML(mk::gatherMapped<T>, Rp * d, sv.n1.get(), b.pack.map.get(), sv.xp.get(), Rp, d);
        Buf<T> yp(Rp * d);
        sv.layer = layer_.forward(p, operand(e_, sv.xp.get(), Rp * d), b.packedRows, yp.get(), keep, saving);
        sv.a.zero();
        ML(mk::scatterMapped<T>, Rp * d, yp.get(), b.pack.map.get(), sv.a.get(), Rp, d);
      } else {
        sv.a.zero();
      }
    } else {
      sv.layer = layer_.forward(p, std::move(n1), b.rows, sv.a.get(), keep, saving);
    }
    prof("norm");
    sv.h = Buf<T>(Rd);
    sv.inv2 = Buf<T>(R);
    // the normed input only feeds the MLP's products: in bf16 it is written as their operand alone
    if (bf16Products<T>(e_)) {
      sv.n2s.h = Buf<bf16>(Rd);
    } else {
      sv.n2 = Buf<T>(Rd);
      sv.n2s.p = sv.n2.get();
    }
    MROWS(mk::residualRms<T>, R, x, sv.a.get(), p.p[MLP_NORM], sv.h.get(), sv.n2.get(), sv.inv2.get(), d, s_.normEps,
        sv.n2s.h.get());
    sv.a = Buf<T>();
    prof("mlp");
    if (bf16Products<T>(e_)) {
      // bf16 products keep the MLP's activations in bf16 (as autocast does): the gate and up
      // products write bf16, and the hidden activation is written as its products' operand alone
      sv.gh = Buf<bf16>(R * w);
      sv.uh = Buf<bf16>(R * w);
      linearBf16(sv.n2s.h.get(), p.p[GATE], sv.gh.get(), R, d, w);
      linearBf16(sv.n2s.h.get(), p.p[UP], sv.uh.get(), R, d, w);
      sv.hms.h = Buf<bf16>(R * w);
      ML(mk::swigluBf16, R * w, sv.gh.get(), sv.uh.get(), sv.hms.h.get(), R * w);
    } else {
      sv.g = Buf<T>(R * w);
      sv.u = Buf<T>(R * w);
      linear(e_, sv.n2s.opd(), p.p[GATE], sv.g.get(), R, d, w);
      linear(e_, sv.n2s.opd(), p.p[UP], sv.u.get(), R, d, w);
      sv.hm = Buf<T>(R * w);
      sv.hms.p = sv.hm.get();
      ML(mk::swiglu<T>, R * w, sv.g.get(), sv.u.get(), sv.hm.get(), (bf16*) nullptr, R * w);
    }
    if (out) {
      copy(out, sv.h.get(), Rd);
      linear(e_, sv.hms.opd(), p.p[DOWN], out, R, w, d, 1.0);
    }
    return sv;
  }

  // grad [R, d]: the gradient at the block's output on entry, at its input on return (in place:
  // the residual stream's gradient only gains the branches' terms).
  void blockBackward(int i, BlockSave<T>& sv, const T* x, const Batch<T>& b, T* grad) {
    LayerRef<T> p = ref(i);
    long long R = b.rows.count(), Rd = R * s_.d;
    int d = s_.d, w = s_.mlp;
    T* dh = grad;  // dy, then (after the MLP's terms) the gradient at h, then (after the layer's) dx
    {
      prof("mlp");
      Operand<T> dys = operand(e_, (const T*) grad, Rd);  // read by the products below before dh changes
      bmm<T>(e_.mm, true, false, d, w, (int) R, 1, dys.opd(), d, 0, sv.hms.opd(), w, 0, 1, p.g[DOWN], w, 0, 1);
      sv.hms = Operand<T>();
      sv.hm = Buf<T>();
      // the gate's and up's gradients, written over their activations (in bf16 when products are)
      Opd<T> dg(sv.g.get()), du(sv.u.get());
      if (bf16Products<T>(e_)) {
        Buf<bf16> dhh(R * w), wh = bf16Copy(p.p[DOWN], (long long) d * w);
        bmm<bf16>(PMode::BF16, false, false, (int) R, w, d, 1, Opd<bf16>(dys.h.get()), d, 0, Opd<bf16>(wh.get()), w, 0, 0,
            dhh.get(), w, 0, 1);
        ML(mk::swigluBackwardBf16, R * w, sv.gh.get(), sv.uh.get(), dhh.get(), R * w);
        dg = Opd<T>(nullptr, sv.gh.get());
        du = Opd<T>(nullptr, sv.uh.get());
      } else {
        Buf<T> dhm(R * w);
        bmm<T>(e_.mm, false, false, (int) R, w, d, 1, dys.opd(), d, 0, p.p[DOWN], w, 0, 0, dhm.get(), w, 0, 1);
        ML(mk::swigluBackward<T>, R * w, sv.g.get(), sv.u.get(), dhm.get(), (bf16*) nullptr, (bf16*) nullptr, R * w);
      }
      Buf<T> dn2 = zeros<T>(Rd);
      linearBack(e_, sv.n2s.opd(), p.p[GATE], dg, dn2.get(), p.g[GATE], R, d, w);
      linearBack(e_, sv.n2s.opd(), p.p[UP], du, dn2.get(), p.g[UP], R, d, w);
      sv.g = Buf<T>();
      sv.u = Buf<T>();
      sv.gh = Buf<bf16>();
      sv.uh = Buf<bf16>();
      LactLayerDev<T>::normBack(sv.h.get(), sv.inv2.get(), p.p[MLP_NORM], dn2.get(), dh, p.g[MLP_NORM], R, d, true);
    }
    Buf<T> dn1 = zeros<T>(Rd);
    if (b.packed) {
      prof("pack");
      if (b.pack.rows > 0) {
        long long Rp = b.packedRows.count();
        Buf<T> dyp(Rp * d), dxp = zeros<T>(Rp * d);
        ML(mk::gatherMapped<T>, Rp * d, dh, b.pack.map.get(), dyp.get(), Rp, d);
        layer_.backward(p, sv.layer, b.packedRows, dyp.get(), dxp.get());
        ML(mk::scatterMapped<T>, Rp * d, dxp.get(), b.pack.map.get(), dn1.get(), Rp, d);
      }
    } else {
      layer_.backward(p, sv.layer, b.rows, dh, dn1.get());
    }
    prof("norm");
    LactLayerDev<T>::normBack(x, sv.inv1.get(), p.p[ATTN_NORM], dn1.get(), dh, p.g[ATTN_NORM], R, d, true);
  }

  // The final norm and the LM head's chunked cross-entropy: the summed loss; with grads, the
  // head's weight gradient and dX, the gradient at the last block's output.
  LossSum head(const T* x, long long R, const int* tg, const int* targetsHost, bool grads, double* logitsOut, Buf<T>* dX) {
    int d = s_.d, V = s_.vocab;
    prof("head");
    Buf<T> hf(R * d), inv(R);
    MROWS(mk::rmsForward<T>, R, x, P_.get() + l_.finalNorm, hf.get(), inv.get(), d, s_.normEps);
    const T* W = P_.get() + (s_.tied ? l_.embed : l_.lmHead);
    Operand<T> ws = operand(e_, W, (long long) V * d);  // rounded once for every chunk's products
    T* gW = G_.get() + (s_.tied ? l_.embed : l_.lmHead);
    long long rc = std::max<long long>(1, std::min<long long>(R, (1LL << 28) / ((long long) V * (long long) sizeof(T))));
    Buf<double> rowLoss(R);
    Buf<T> dhf;
    if (grads) dhf = Buf<T>(R * d);
    for (long long r0 = 0; r0 < R; r0 += rc) {
      long long m = std::min(rc, R - r0);
      Buf<T> logits(m * V);
      Operand<T> hs = operand(e_, hf.get() + r0 * d, m * d);
      linear(e_, hs.opd(), ws.opd(), logits.get(), m, d, V);
      if (logitsOut) down(logits.get(), logitsOut + r0 * V, m * V);
      // in bf16 the logits' gradient is written as its products' operand alone
      Operand<T> dl;
      if (grads && bf16Products<T>(e_)) dl.h = Buf<bf16>(m * V);
      else dl.p = logits.get();
      MROWS(mk::crossEntropy<T>, m, logits.get(), tg + r0, rowLoss.get() + r0, V, grads, dl.h.get());
      if (grads) {
        bmm<T>(e_.mm, false, false, (int) m, d, V, 1, dl.opd(), V, 0, ws.opd(), d, 0, 0, dhf.get() + r0 * d, d, 0, 1);
        bmm<T>(e_.mm, true, false, V, d, (int) m, 1, dl.opd(), V, 0, hs.opd(), d, 0, 1, gW, d, 0, 1);
      }
    }
    Buf<double> total(1);
    mk::sumDoubles<<<1, mk::TPB, 0, rt().stream>>>(rowLoss.get(), R, total.get());
    LACT_LAUNCHED();
    double sum = 0;
    LACT_CK(cudaMemcpyAsync(&sum, total.get(), sizeof(double), cudaMemcpyDeviceToHost, rt().stream));
    LACT_CK(cudaStreamSynchronize(rt().stream));
    long long scored = 0;
    for (long long i = 0; i < R; i++) scored += targetsHost[i] >= 0;
    if (grads) {
      *dX = Buf<T>(R * d);
      LactLayerDev<T>::normBack(x, inv.get(), P_.get() + l_.finalNorm, dhf.get(), dX->get(), G_.get() + l_.finalNorm, R, d, false);
    }
    return LossSum{sum, scored};
  }

  void embeddingBackward(const int* ids, long long R, const T* dX) {
    std::vector<int> pos;
    for (long long i = 0; i < R; i++)
      if (ids[i] != s_.padId) pos.push_back((int) i);
    std::stable_sort(pos.begin(), pos.end(), [&](int a, int b) { return ids[a] < ids[b]; });
    std::vector<int> uniq, start;
    for (size_t j = 0; j < pos.size(); j++) {
      if (j == 0 || ids[pos[j]] != ids[pos[j - 1]]) {
        uniq.push_back(ids[pos[j]]);
        start.push_back((int) j);
      }
    }
    start.push_back((int) pos.size());
    if (uniq.empty()) return;
    prof("embedding");
    Buf<int> u = uploadInts(uniq.data(), uniq.size()), st = uploadInts(start.data(), start.size()),
             ps = uploadInts(pos.data(), pos.size());
    mk::embedBackward<T><<<(unsigned) uniq.size(), mk::TPB, 0, rt().stream>>>(dX, u.get(), st.get(), ps.get(), G_.get() + l_.embed, s_.d);
    LACT_LAUNCHED();
  }

  Env e_;
  ModelSpec s_;
  ModelLayout l_;
  LactLayerDev<T> layer_;
  Buf<T> P_, G_, m_, v_;
  Buf<unsigned char> decay_;
  long long steps_ = 0;
  long long nsShape_ = -1;  // the batch shape nsNeed_ is for
  long long nsNeed_ = -1;   // -1: not measured yet
};

Env envFor(int precision, int update) {
  if (precision < PREC_F64 || precision > PREC_BF16) throw ArgError("precision = " + std::to_string(precision) + ": expected 0, 1 or 2");
  PMode m = precision == PREC_F64 ? PMode::F64 : precision == PREC_F32 ? PMode::F32 : PMode::BF16;
  return Env{precision, update, m};
}

void checkSpec(const ModelSpec& s, const ModelLayout& l) {
  std::ostringstream m;
  if (s.vocab < 1 || s.d < 1 || s.layers < 0 || s.attnHeads < 1 || s.lactHeads < 1 || s.fastHidden < 1 || s.window < 1 ||
      s.chunk < 1 || s.mlp < 1)
    m << "model spec: every size must be positive";
  else if (s.d % s.attnHeads || (s.d / s.attnHeads) % 2) m << "attention heads " << s.attnHeads << " must split d = " << s.d << " into even widths";
  else if (s.d % s.lactHeads) m << "fast-weight heads " << s.lactHeads << " must divide d = " << s.d;
  else if ((long long) l.layer.size() != (long long) s.layers * LAYER_TENSORS)
    m << "layout: " << l.layer.size() << " layer offsets, expected " << (long long) s.layers * LAYER_TENSORS;
  if (!m.str().empty()) throw ArgError(m.str());
  const LayerTensor required[] = {ATTN_NORM, W1, QK_SCALE, QK_OFFSET, QKV, O_PROJ, LR_W, LR_B, TTT_NORM, MLP_NORM, GATE, UP, DOWN};
  for (int i = 0; i < s.layers; i++) {
    for (LayerTensor t : required)
      if (l.layer[(size_t) i * LAYER_TENSORS + t] < 0) throw ArgError("layout: layer " + std::to_string(i) + " lacks tensor " + std::to_string(t));
  }
}

}  // namespace

std::unique_ptr<NativeModel> openModel(int precision, int update, const ModelSpec& spec, const ModelLayout& layout) {
  std::lock_guard<std::mutex> g(lock());
  rt();
  Env e = envFor(precision, update);
  checkSpec(spec, layout);
  if (precision == PREC_F64) return std::make_unique<ModelImpl<double>>(e, spec, layout);
  return std::make_unique<ModelImpl<float>>(e, spec, layout);
}

void layerCheck(int precision, int update, const ModelSpec& spec, const long long* offsets, long long nParams,
    const double* params, int B, int L, const double* x, const double* dy, double* y, double* dx, double* grads) {
  ModelSpec s = spec;
  s.layers = 1;
  ModelLayout l{-1, -1, -1, nParams, std::vector<long long>(offsets, offsets + LAYER_TENSORS)};
  std::unique_ptr<NativeModel> m;
  {
    std::lock_guard<std::mutex> g(lock());
    rt();
    Env e = envFor(precision, update);
    if (precision == PREC_F64) m = std::make_unique<ModelImpl<double>>(e, s, l);
    else m = std::make_unique<ModelImpl<float>>(e, s, l);
  }
  m->setParams(0, params, nParams);
  std::lock_guard<std::mutex> g(lock());
  if (precision == PREC_F64) {
    auto* impl = static_cast<ModelImpl<double>*>(m.get());
    impl->layerRun(B, L, x, dy, y, dx);
    impl->gradient(grads);
  } else {
    auto* impl = static_cast<ModelImpl<float>*>(m.get());
    impl->layerRun(B, L, x, dy, y, dx);
    impl->gradient(grads);
  }
}

}  // namespace lact
