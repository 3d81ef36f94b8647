// The LaCT op on the device: forward (block-causal or bidirectional, post- or pre-norm, momentum,
// Muon, write mask), the hand-written backward (the maths of the ND4J backend: the schedule walked
// in reverse, each chunk's intermediates recomputed from the saved fast-weight state), streams and
// the device-resident timing. T is the storage and main product type; U the type of the update
// path (the per-chunk gradient products, momentum and the forward Newton-Schulz).
#include <algorithm>
#include <cstring>
#include <memory>
#include <sstream>
#include <type_traits>
#include <vector>

#include "lact_cuda.h"
#include "ns.cuh"
#include "op_device.h"

namespace lact {
namespace {

#define LAUNCH(kernel, total, ...)                                            \
  do {                                                                        \
    kernel<<<k::blocksFor(total), k::TPB, 0, rt().stream>>>(__VA_ARGS__);     \
    LACT_LAUNCHED();                                                          \
  } while (0)
#define LAUNCH_ROWS(kernel, rows, ...)                                        \
  do {                                                                        \
    kernel<<<(unsigned) (rows), k::TPB, 0, rt().stream>>>(__VA_ARGS__);       \
    LACT_LAUNCHED();                                                          \
  } while (0)

// How each class of product runs for a precision code.
struct Modes {
  PMode main;    // apply, the inner forward on keys and values, the backward's products
  PMode update;  // the update's gradient products and the forward Newton-Schulz
  PMode nsBack;  // Newton-Schulz's backward
};

Modes modesFor(int precision, int update) {
  update &= ~UPD_RECOMPUTE_NS;
  if (precision == PREC_F64) return {PMode::F64, PMode::F64, PMode::F64};
  if (precision == PREC_F32) return {PMode::F32, PMode::F32, PMode::F32};
  PMode u = update == UPD_TF32 ? PMode::TF32 : update == UPD_FP32 ? PMode::F32 : PMode::BF16;
  return {PMode::BF16, u, u};
}

template <class T>
Buf<T> upload(const double* h, size_t n) {
  Buf<T> d(n);
  if (!n) return d;
  if (std::is_same<T, double>::value) {
    LACT_CK(cudaMemcpyAsync(d.get(), h, n * sizeof(double), cudaMemcpyHostToDevice, rt().stream));
  } else {
    std::vector<T> t(h, h + n);
    LACT_CK(cudaMemcpyAsync(d.get(), t.data(), n * sizeof(T), cudaMemcpyHostToDevice, rt().stream));
    LACT_CK(cudaStreamSynchronize(rt().stream));  // t must outlive the copy
  }
  return d;
}

template <class T>
void download(const T* d, double* h, size_t n) {
  if (!n) return;
  if (std::is_same<T, double>::value) {
    LACT_CK(cudaMemcpyAsync(h, d, n * sizeof(double), cudaMemcpyDeviceToHost, rt().stream));
    LACT_CK(cudaStreamSynchronize(rt().stream));
  } else {
    std::vector<T> t(n);
    LACT_CK(cudaMemcpyAsync(t.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost, rt().stream));
    LACT_CK(cudaStreamSynchronize(rt().stream));
    for (size_t i = 0; i < n; i++) h[i] = (double) t[i];
  }
}

// Token data on the device: keys, values, masked learning rates [3][n*L], mask and momentum
// coefficients [n*L] (either may be null), for a sequence (or a stream's chunk) of L tokens.
template <class T>
struct Tokens {
  const T *k, *v, *eta, *mask, *mom;
  long long L;
  const bf16 *kh, *vh;  // bf16 copies of k and v for BF16 products (null: rounded per product)
};

// A converted copy of a device buffer (empty stays empty).
template <class D, class S>
Buf<D> converted(const Buf<S>& b) {
  Buf<D> out(b.size());
  if (b.size()) LAUNCH((k::convert<S, D>), (long long) b.size(), b.get(), out.get(), (long long) b.size());
  return out;
}

template <class T>
Opd<T> shifted(Opd<T> o, long long by) {
  return Opd<T>(o.p + by, o.h ? o.h + by : nullptr);
}

// A bf16 copy of a float buffer when products round to bf16 (empty otherwise, and for double).
template <class T>
Buf<bf16> roundedShadow(const Buf<T>& b, bool wanted) {
  Buf<bf16> h;
  if (wanted && std::is_same<T, float>::value && b.size()) {
    h = Buf<bf16>(b.size());
    roundInto(reinterpret_cast<const float*>(b.get()), h.get(), (long long) b.size());
  }
  return h;
}

// The fast-weight state after some number of updates: the weights w, the sums z they were
// renormalised from, the update p before Newton-Schulz (the momentum buffer when the spec has
// momentum; empty for the initial state), and the chunk's momentum mean and writer count.
// wh is w rounded to bf16 when products run in BF16; ns holds the Newton-Schulz iterates of p
// (an NsIterates<V>) when the backward can reuse them.
template <class T, class U>
struct State {
  Buf<T> w, z;
  Buf<U> p;
  Buf<double> beta, count;
  Buf<bf16> wh;
  std::shared_ptr<void> ns;
  long long nsBytes = 0;
  long long bytes() const {
    return (long long) (w.bytes() + z.bytes() + p.bytes() + beta.bytes() + count.bytes() + wh.bytes()) + nsBytes;
  }
};

// The op's maths for one shape and precision, shared by passes and streams.
template <class T, class U>
struct Core {
  Dims d;
  Spec s;
  Modes m;
  bool saveNs;  // keep Newton-Schulz iterates for the backward where its type and mode allow
  long long ws, group;
  int rows[3], cols[3];
  Buf<T> rho;  // initial row norms: W0 (n*dH), W1 (n*dIn), W2 (n*dH)

  Core(const Dims& dims, const Spec& spec, Modes modes, bool keepNs) : d(dims), s(spec), m(modes) {
    saveNs = keepNs && s.muon && m.update == m.nsBack && (m.update == PMode::BF16 || std::is_same<T, U>::value);
    ws = (long long) d.dH * d.dIn;
    group = 3 * d.n * ws;
    rows[0] = rows[2] = d.dH;
    rows[1] = d.dIn;
    cols[0] = cols[2] = d.dIn;
    cols[1] = d.dH;
  }
  T* part(const Buf<T>& g, int j) const { return g.get() + j * d.n * ws; }
  // weight j of a state as a product operand (with its bf16 copy when there is one)
  Opd<T> weight(const State<T, U>& st, int j) const {
    return Opd<T>(part(st.w, j), st.wh.size() ? st.wh.get() + j * d.n * ws : nullptr);
  }
  bool bf16Main() const { return m.main == PMode::BF16; }
  const T* rhoPart(int j) const {
    return rho.get() + (j == 0 ? 0 : j == 1 ? (long long) d.n * d.dH : (long long) d.n * (d.dH + d.dIn));
  }

  // The initial state from weights already on the device (group layout); sets the row norms.
  State<T, U> initial(Buf<T>&& w) {
    rho = Buf<T>((size_t) d.n * (2 * d.dH + d.dIn));
    for (int j = 0; j < 3; j++) LAUNCH_ROWS(k::rowNorms<T>, d.n * rows[j], part(w, j), const_cast<T*>(rhoPart(j)), cols[j]);
    State<T, U> st;
    st.z = Buf<T>(group);
    LACT_CK(cudaMemcpyAsync(st.z.get(), w.get(), w.bytes(), cudaMemcpyDeviceToDevice, rt().stream));
    st.w = std::move(w);
    st.wh = roundedShadow(st.w, bf16Main());
    return st;
  }

  // out rows [start, start+t) of [n, Lout, dIn] = f_W(x rows) with x of [n, Lx, dIn]
  void apply(const State<T, U>& st, Opd<T> x, long long Lx, int xStart, T* out, long long Lout, int outStart, int t) {
    int n = d.n, dIn = d.dIn, dH = d.dH;
    long long nt = (long long) n * t * dH;
    Buf<T> a(nt), u(nt);
    Buf<bf16> ah(bf16Main() ? nt : 0);
    Opd<T> xs = shifted(x, (long long) xStart * dIn);
    bmm<T>(m.main, false, true, t, dH, dIn, 1, xs, dIn, Lx * dIn, weight(st, 0), dIn, ws, 0, a.get(), dH, (long long) t * dH, n);
    bmm<T>(m.main, false, true, t, dH, dIn, 1, xs, dIn, Lx * dIn, weight(st, 2), dIn, ws, 0, u.get(), dH, (long long) t * dH, n);
    LAUNCH(k::siluMul<T>, nt, a.get(), u.get(), ah.get(), nt);
    bmm<T>(m.main, false, true, t, dIn, dH, 1, Opd<T>(a.get(), ah.get()), dH, (long long) t * dH, weight(st, 1), dH, ws, 0,
        out + (long long) outStart * dIn, dIn, Lout * dIn, n);
  }

  // One update of state `from` with tokens [start, start+c): the next state.
  State<T, U> update(const State<T, U>& from, const Tokens<T>& tk, int start, int c) {
    int n = d.n, dIn = d.dIn;
    long long L = tk.L;
    Opd<T> ks(tk.k + (long long) start * dIn, tk.kh ? tk.kh + (long long) start * dIn : nullptr);
    Opd<T> vs(tk.v + (long long) start * dIn, tk.vh ? tk.vh + (long long) start * dIn : nullptr);
    State<T, U> next;
    next.p = Buf<U>(group);
    if constexpr (std::is_same<T, U>::value) {
      deltas<T>(m.main, ks, vs, L * dIn, from, tk.eta, L, start, c, next.p.get());
    } else {
      // A wider update path computes the whole update in U, the inner forward on the keys included:
      // Newton-Schulz amplifies the update's rounding, also that of its factors.
      long long nk = (long long) n * c * dIn;
      Buf<U> kc(nk), vc(nk);
      LAUNCH((k::castRows<T, U>), nk, tk.k, kc.get(), L, start, c, dIn, nk);
      LAUNCH((k::castRows<T, U>), nk, tk.v, vc.get(), L, start, c, dIn, nk);
      State<U, U> wide;
      wide.w = converted<U>(from.w);
      Core<U, U> path(d, s, m, false);
      path.template deltas<T>(m.update, kc.get(), vc.get(), (long long) c * dIn, wide, tk.eta, L, start, c, next.p.get());
    }
    if (s.momentum) {
      next.beta = Buf<double>(n);
      next.count = Buf<double>(n);
      LAUNCH_ROWS(k::maskedMean<T>, n, tk.mom, tk.mask, next.beta.get(), next.count.get(), L, start, c);
      if (from.p.size()) LAUNCH(k::addMomentum<U>, group, next.p.get(), from.p.get(), next.beta.get(), n, ws, group);
    }
    const U* step = next.p.get();
    Buf<U> orth;
    if (s.muon) {
      orth = m.update == PMode::BF16 ? orthogonalise<bf16>(next) : orthogonalise<U>(next);
      step = orth.get();
    }
    next.z = Buf<T>(group);
    next.w = Buf<T>(group);
    LAUNCH((k::addStep<T, U>), group, next.z.get(), s.norm == 0 ? from.w.get() : from.z.get(), step, group);
    for (int j = 0; j < 3; j++) LAUNCH_ROWS(k::renorm<T>, n * rows[j], part(next.z, j), rhoPart(j), part(next.w, j), cols[j]);
    next.wh = roundedShadow(next.w, bf16Main());
    return next;
  }

  // The three updates into p [3][n][ws] (type U): the inner forward A = K W0^T, U = K W2^T,
  // G = V W1 in `inner` mode, then dW0 = (eta0 Ga)^T K, dW2 = (eta2 Gu)^T K, dW1 = V^T (eta1 H) in
  // the update's mode. ks, vs: the chunk's rows (row stride dIn, instance stride kStride); eta
  // [3][n*L] indexed by token (type E).
  template <class E>
  void deltas(PMode inner, Opd<T> ks, Opd<T> vs, long long kStride, const State<T, U>& from, const E* eta, long long L, int start,
      int c, U* p) {
    int n = d.n, dIn = d.dIn, dH = d.dH;
    long long cdh = (long long) c * dH, nc = n * cdh;
    Buf<T> a(nc), u(nc), g(nc);
    bmm<T>(inner, false, true, c, dH, dIn, 1, ks, dIn, kStride, weight(from, 0), dIn, ws, 0, a.get(), dH, cdh, n);
    bmm<T>(inner, false, true, c, dH, dIn, 1, ks, dIn, kStride, weight(from, 2), dIn, ws, 0, u.get(), dH, cdh, n);
    bmm<T>(inner, false, false, c, dH, dIn, 1, vs, dIn, kStride, weight(from, 1), dH, ws, 0, g.get(), dH, cdh, n);
    bool bfUpdate = m.update == PMode::BF16;
    // operands of the update's products: bf16 copies only in BF16 mode, else U values
    size_t un = bfUpdate ? 0 : nc, hn = bfUpdate ? nc : 0;
    Buf<U> ga(un), gu(un), h(un);
    Buf<bf16> gah(hn), guh(hn), hh(hn);
    LAUNCH((k::updateFactors<T, U, E>), nc, a.get(), u.get(), g.get(), ga.get(), gu.get(), h.get(), gah.get(), guh.get(), hh.get(),
        eta, (long long) n * L, L, start, c, dH, nc);
    Opd<U> kop(reinterpret_cast<const U*>(ks.p), bfUpdate ? ks.h : nullptr);
    Opd<U> vop(reinterpret_cast<const U*>(vs.p), bfUpdate ? vs.h : nullptr);
    bmm<U>(m.update, true, false, dH, dIn, c, 1, Opd<U>(ga.get(), gah.get()), dH, cdh, kop, dIn, kStride, 0, p, dIn, ws, n);
    bmm<U>(m.update, true, false, dH, dIn, c, 1, Opd<U>(gu.get(), guh.get()), dH, cdh, kop, dIn, kStride, 0, p + 2 * n * ws, dIn,
        ws, n);
    bmm<U>(m.update, true, false, dIn, dH, c, 1, vop, dIn, kStride, Opd<U>(h.get(), hh.get()), dH, cdh, 0, p + n * ws, dH, ws, n);
  }

  // Newton-Schulz of next.p in the element type V (all 3n updates as one batch of the wide shape);
  // keeps the iterates in next.ns when the backward will reuse them.
  template <class V>
  Buf<U> orthogonalise(State<T, U>& next) {
    int sm = std::min(d.dH, d.dIn), wd = std::max(d.dH, d.dIn);
    Buf<V> wide(group);
    LAUNCH((k::stackWide<U, V>), group, next.p.get(), wide.get(), d.n, d.dH, d.dIn, false, group);
    auto it = std::make_shared<NsIterates<V>>(nsIterates<V>(m.update, std::move(wide), 3 * d.n, sm, wd, s.ns, saveNs));
    Buf<U> out(group);
    LAUNCH((k::stackWide<V, U>), group, it->x.back().get(), out.get(), d.n, d.dH, d.dIn, true, group);
    if (saveNs) {
      next.nsBytes = it->bytes();
      next.ns = it;
    }
    return out;
  }

  // The gradient for next.p through Newton-Schulz (element type V), given gzs for its output.
  template <class V>
  void orthogonaliseBackward(const State<T, U>& next, const Buf<T>& gzs, Buf<T>& gd) const {
    int sm = std::min(d.dH, d.dIn), wd = std::max(d.dH, d.dIn);
    std::shared_ptr<NsIterates<V>> it;
    if (next.ns) {
      it = std::static_pointer_cast<NsIterates<V>>(next.ns);  // saveNs: the forward's V is this V
    } else {
      Buf<V> y(group);
      LAUNCH((k::stackWide<U, V>), group, next.p.get(), y.get(), d.n, d.dH, d.dIn, false, group);
      it = std::make_shared<NsIterates<V>>(nsIterates<V>(m.nsBack, std::move(y), 3 * d.n, sm, wd, s.ns, true));
    }
    Buf<V> gOut(group), gy(group);
    LAUNCH((k::stackWide<T, V>), group, gzs.get(), gOut.get(), d.n, d.dH, d.dIn, false, group);
    nsBackward<V>(m.nsBack, *it, gOut.get(), gy.get(), 3 * d.n, sm, wd, s.ns);
    LAUNCH((k::stackWide<V, T>), group, gy.get(), gd.get(), d.n, d.dH, d.dIn, true, group);
  }
};

struct Step {
  bool apply;
  int start, end, version;
};

// The schedule of LactSchedule.of (one place per language: the Java tests compare both).
std::vector<Step> schedule(const Spec& s, int L) {
  std::vector<Step> steps;
  if (s.mode == 1) {
    steps.push_back({false, 0, L, 0});
    steps.push_back({true, 0, L, 1});
    return steps;
  }
  int c = s.chunk, version = 0, e = 0;
  for (int st = 0; st < L - c; st += c) {
    e = st + c;
    steps.push_back({true, st, e, version});
    steps.push_back({false, st, e, version});
    version++;
  }
  steps.push_back({true, e, L, version});
  return steps;
}

template <class T, class U>
class OpPass final : public Pass, public DeviceOp<T> {
 public:
  // From inputs already on the device (the pass takes them over).
  OpPass(const Dims& d, const Spec& s, Modes m, bool keepNs, DeviceOpInputs<T>&& in) : core_(d, s, m, keepNs) {
    w0_ = std::move(in.w);
    q_ = std::move(in.q);
    k_ = std::move(in.k);
    v_ = std::move(in.v);
    eta_ = std::move(in.eta);
    mask_ = std::move(in.mask);
    mom_ = std::move(in.mom);
    qh_ = roundedShadow(q_, core_.bf16Main());
    kh_ = roundedShadow(k_, core_.bf16Main());
    vh_ = roundedShadow(v_, core_.bf16Main());
  }

  // From host inputs (float64, the layouts of the Java LactInputs).
  OpPass(const Dims& d, const Spec& s, Modes m, bool keepNs, const HostInputs& in)
      : OpPass(d, s, m, keepNs, uploadInputs(d, s, in)) {}

  static DeviceOpInputs<T> uploadInputs(const Dims& d, const Spec& s, const HostInputs& in) {
    long long nl = (long long) d.n * d.L, tok = nl * d.dIn, ws = (long long) d.dH * d.dIn;
    DeviceOpInputs<T> out;
    std::vector<double> w(3 * d.n * ws);
    std::memcpy(w.data(), in.w0, sizeof(double) * d.n * ws);
    std::memcpy(w.data() + d.n * ws, in.w1, sizeof(double) * d.n * ws);
    std::memcpy(w.data() + 2 * d.n * ws, in.w2, sizeof(double) * d.n * ws);
    out.w = upload<T>(w.data(), w.size());
    out.q = upload<T>(in.q, tok);
    out.k = upload<T>(in.k, tok);
    out.v = upload<T>(in.v, tok);
    std::vector<double> eta(3 * nl);
    const double* lr[3] = {in.lr0, in.lr1, in.lr2};
    for (int j = 0; j < 3; j++)
      for (long long i = 0; i < nl; i++) eta[j * nl + i] = lr[j][i] * (in.mask ? in.mask[i] : 1.0);
    out.eta = upload<T>(eta.data(), eta.size());
    if (in.mask) out.mask = upload<T>(in.mask, nl);
    if (s.momentum) out.mom = upload<T>(in.momentum, nl);
    return out;
  }

  DeviceGrads<T> backwardOnDevice(const T* dOut) override { return runBackward(dOut); }

  // Runs the forward into out (device, [n, L, dIn]); replaces any earlier saved state.
  void run(T* out) override {
    versions_.clear();
    Buf<T> w(core_.group);
    LACT_CK(cudaMemcpyAsync(w.get(), w0_.get(), w0_.bytes(), cudaMemcpyDeviceToDevice, rt().stream));
    versions_.push_back(core_.initial(std::move(w)));
    Tokens<T> tk = tokens();
    for (const Step& st : schedule(core_.s, core_.d.L)) {
      if (st.apply) {
        core_.apply(versions_.back(), Opd<T>(q_.get(), qh_.get()), core_.d.L, st.start, out, core_.d.L, st.start,
            st.end - st.start);
      } else {
        versions_.push_back(core_.update(versions_.back(), tk, st.start, st.end - st.start));
      }
    }
  }

  DeviceGrads<T> runBackward(const T* dOut);

  long long savedBytes() const override {
    long long b = core_.rho.bytes();
    for (const auto& v : versions_) b += v.bytes();
    return b;
  }

  void finalWeights(double* w0, double* w1, double* w2) override {
    std::lock_guard<std::mutex> g(lock());
    const State<T, U>& last = versions_.back();
    long long part = core_.d.n * core_.ws;
    download(core_.part(last.w, 0), w0, part);
    download(core_.part(last.w, 1), w1, part);
    download(core_.part(last.w, 2), w2, part);
  }

  void backward(const double* dOut, double* const* grads) override {
    std::lock_guard<std::mutex> g(lock());
    backwardToHost(dOut, grads);
  }

  // Runs the backward from host dOut and writes the gradients to the host arrays.
  void backwardToHost(const double* dOut, double* const* grads) {
    const Dims& d = core_.d;
    long long nl = (long long) d.n * d.L, tok = nl * d.dIn, part = d.n * core_.ws;
    Buf<T> dev = upload<T>(dOut, tok);
    DeviceGrads<T> gr = runBackward(dev.get());
    for (int j = 0; j < 3; j++) download(gr.w.get() + j * part, grads[j], part);
    download(gr.q.get(), grads[3], tok);
    download(gr.k.get(), grads[4], tok);
    download(gr.v.get(), grads[5], tok);
    for (int j = 0; j < 3; j++) download(gr.eta.get() + j * nl, grads[6 + j], nl);
    if (core_.s.momentum && grads[9]) download(gr.mom.get(), grads[9], nl);
  }

 private:
  Tokens<T> tokens() const {
    bool bf = core_.m.update == PMode::BF16 || core_.bf16Main();
    return {k_.get(), v_.get(), eta_.get(), mask_.get(), mom_.get(), core_.d.L, bf ? kh_.get() : nullptr, bf ? vh_.get() : nullptr};
  }

  void applyBackward(const State<T, U>& st, Opd<T> dOut, int start, int t, Buf<T>& gw, T* gq);
  void updateBackward(int version, int start, int c, Buf<T>* g, Buf<T>* prev, Buf<T>& gRho, DeviceGrads<T>& out);
  void chunkInputs(int start, Opd<T>* ks, Opd<T>* vs) const;
  void deltasBackward(const State<T, U>& st, int start, int c, const Buf<T>& gd, Buf<T>& gwPrev, DeviceGrads<T>& out);

  Core<T, U> core_;
  Buf<T> w0_, q_, k_, v_, eta_, mask_, mom_;
  Buf<bf16> qh_, kh_, vh_;
  std::vector<State<T, U>> versions_;
};

template <class T, class U>
void OpPass<T, U>::chunkInputs(int start, Opd<T>* ks, Opd<T>* vs) const {
  long long off = (long long) start * core_.d.dIn;
  *ks = Opd<T>(k_.get() + off, kh_.size() ? kh_.get() + off : nullptr);
  *vs = Opd<T>(v_.get() + off, vh_.size() ? vh_.get() + off : nullptr);
}

template <class T, class U>
void OpPass<T, U>::applyBackward(const State<T, U>& st, Opd<T> dOut, int start, int t, Buf<T>& gw, T* gq) {
  const Dims& d = core_.d;
  int n = d.n, dIn = d.dIn, dH = d.dH;
  long long ws = core_.ws, L = d.L, tdh = (long long) t * dH, nt = n * tdh;
  PMode m = core_.m.main;
  bool bf = core_.bf16Main();
  Opd<T> x = shifted(Opd<T>(q_.get(), qh_.get()), (long long) start * dIn);
  Opd<T> go = shifted(dOut, (long long) start * dIn);
  T* gx = gq + (long long) start * dIn;
  Buf<T> a(nt), u(nt), h(bf ? 0 : nt), gh(nt);
  Buf<bf16> hh(bf ? nt : 0), ah(bf ? nt : 0), ghh(bf ? nt : 0);
  bmm<T>(m, false, true, t, dH, dIn, 1, x, dIn, L * dIn, core_.weight(st, 0), dIn, ws, 0, a.get(), dH, tdh, n);
  bmm<T>(m, false, true, t, dH, dIn, 1, x, dIn, L * dIn, core_.weight(st, 2), dIn, ws, 0, u.get(), dH, tdh, n);
  LAUNCH(k::siluMulInto<T>, nt, a.get(), u.get(), h.get(), hh.get(), nt);
  bmm<T>(m, true, false, dIn, dH, t, 1, go, dIn, L * dIn, Opd<T>(h.get(), hh.get()), dH, tdh, 1, core_.part(gw, 1), dH, ws, n);
  bmm<T>(m, false, false, t, dH, dIn, 1, go, dIn, L * dIn, core_.weight(st, 1), dH, ws, 0, gh.get(), dH, tdh, n);
  LAUNCH(k::applyBackFactors<T>, nt, a.get(), u.get(), gh.get(), ah.get(), ghh.get(), nt);  // a <- dA, gh <- dU
  Opd<T> da(a.get(), ah.get()), du(gh.get(), ghh.get());
  bmm<T>(m, false, false, t, dIn, dH, 1, da, dH, tdh, core_.weight(st, 0), dIn, ws, 1, gx, dIn, L * dIn, n);
  bmm<T>(m, false, false, t, dIn, dH, 1, du, dH, tdh, core_.weight(st, 2), dIn, ws, 1, gx, dIn, L * dIn, n);
  bmm<T>(m, true, false, dH, dIn, t, 1, da, dH, tdh, x, dIn, L * dIn, 1, core_.part(gw, 0), dIn, ws, n);
  bmm<T>(m, true, false, dH, dIn, t, 1, du, dH, tdh, x, dIn, L * dIn, 1, core_.part(gw, 2), dIn, ws, n);
}

template <class T, class U>
void OpPass<T, U>::deltasBackward(const State<T, U>& st, int start, int c, const Buf<T>& gd, Buf<T>& gwPrev,
    DeviceGrads<T>& out) {
  const Dims& d = core_.d;
  int n = d.n, dIn = d.dIn, dH = d.dH;
  long long ws = core_.ws, L = d.L, cdh = (long long) c * dH, nc = n * cdh, cdi = (long long) c * dIn;
  PMode m = core_.m.main;
  bool bf = core_.bf16Main();
  Opd<T> ks(nullptr), vs(nullptr);
  chunkInputs(start, &ks, &vs);
  T* gk = out.k.get() + (long long) start * dIn;
  T* gv = out.v.get() + (long long) start * dIn;
  Opd<T> w0 = core_.weight(st, 0), w1 = core_.weight(st, 1), w2 = core_.weight(st, 2);
  Buf<bf16> gdh = roundedShadow(gd, bf);
  auto gdPart = [&](int j) { return Opd<T>(core_.part(gd, j), bf ? gdh.get() + j * n * ws : nullptr); };
  Opd<T> gd0 = gdPart(0), gd1 = gdPart(1), gd2 = gdPart(2);
  const T* eta = eta_.get();
  long long etaStride = (long long) n * L;
  size_t hn = bf ? nc : 0, tn = bf ? 0 : nc;  // operands only: bf16 copies in BF16 mode, else T values
  Buf<T> a(nc), u(nc), g(nc), h1(tn), ga(tn), gu(tn), e1(nc), x(nc), y(nc), f((size_t) n * cdi);
  Buf<bf16> h1h(hn), gah(hn), guh(hn), e1h(hn), xh(hn), yh(hn);
  bmm<T>(m, false, true, c, dH, dIn, 1, ks, dIn, L * dIn, w0, dIn, ws, 0, a.get(), dH, cdh, n);
  bmm<T>(m, false, true, c, dH, dIn, 1, ks, dIn, L * dIn, w2, dIn, ws, 0, u.get(), dH, cdh, n);
  bmm<T>(m, false, false, c, dH, dIn, 1, vs, dIn, L * dIn, w1, dH, ws, 0, g.get(), dH, cdh, n);
  LAUNCH(k::innerFactors<T>, nc, a.get(), u.get(), g.get(), h1.get(), ga.get(), gu.get(), h1h.get(), gah.get(), guh.get(),
      eta + etaStride, L, start, c, dH, nc);
  // dW1 = V^T (eta1 H): V gets (eta1 H) dD1^T, eta1 H gets V dD1
  bmm<T>(m, false, true, c, dIn, dH, 1, Opd<T>(h1.get(), h1h.get()), dH, cdh, gd1, dH, ws, 1, gv, dIn, L * dIn, n);
  bmm<T>(m, false, false, c, dH, dIn, 1, vs, dIn, L * dIn, gd1, dH, ws, 0, e1.get(), dH, cdh, n);
  // dW0 = Ga^T (eta0 K), dW2 = Gu^T (eta2 K): K dD^T for the factors, F dD for the keys and rates
  bmm<T>(m, false, true, c, dH, dIn, 1, ks, dIn, L * dIn, gd0, dIn, ws, 0, x.get(), dH, cdh, n);
  bmm<T>(m, false, true, c, dH, dIn, 1, ks, dIn, L * dIn, gd2, dIn, ws, 0, y.get(), dH, cdh, n);
  bmm<T>(m, false, false, c, dIn, dH, 1, Opd<T>(ga.get(), gah.get()), dH, cdh, gd0, dIn, ws, 0, f.get(), dIn, cdi, n);
  LAUNCH_ROWS(k::keyGrad<T>, (long long) n * c, f.get(), k_.get(), eta, mask_.get(), out.eta.get(), out.k.get(), L, start, c, dIn);
  bmm<T>(m, false, false, c, dIn, dH, 1, Opd<T>(gu.get(), guh.get()), dH, cdh, gd2, dIn, ws, 0, f.get(), dIn, cdi, n);
  LAUNCH_ROWS(k::keyGrad<T>, (long long) n * c, f.get(), k_.get(), eta + 2 * etaStride, mask_.get(),
      out.eta.get() + 2 * etaStride, out.k.get(), L, start, c, dIn);
  LAUNCH_ROWS(k::eta1Grad<T>, (long long) n * c, e1.get(), a.get(), u.get(), mask_.get(), out.eta.get() + etaStride, L,
      start, c, dH);
  LAUNCH(k::backFactors<T>, nc, a.get(), u.get(), g.get(), e1.get(), x.get(), y.get(), e1h.get(), xh.get(), yh.get(), eta,
      etaStride, L, start, c, dH, nc);
  // e1 = dA, x = dG, y = dU.  G = V W1, A = K W0^T, U = K W2^T
  Opd<T> dA(e1.get(), e1h.get()), dG(x.get(), xh.get()), dU(y.get(), yh.get());
  bmm<T>(m, false, true, c, dIn, dH, 1, dG, dH, cdh, w1, dH, ws, 1, gv, dIn, L * dIn, n);
  bmm<T>(m, true, false, dIn, dH, c, 1, vs, dIn, L * dIn, dG, dH, cdh, 1, core_.part(gwPrev, 1), dH, ws, n);
  bmm<T>(m, false, false, c, dIn, dH, 1, dA, dH, cdh, w0, dIn, ws, 1, gk, dIn, L * dIn, n);
  bmm<T>(m, false, false, c, dIn, dH, 1, dU, dH, cdh, w2, dIn, ws, 1, gk, dIn, L * dIn, n);
  bmm<T>(m, true, false, dH, dIn, c, 1, dA, dH, cdh, ks, dIn, L * dIn, 1, core_.part(gwPrev, 0), dIn, ws, n);
  bmm<T>(m, true, false, dH, dIn, c, 1, dU, dH, cdh, ks, dIn, L * dIn, 1, core_.part(gwPrev, 2), dIn, ws, n);
}

// g / prev: {gw, gz, gm} of the state after the update / before it
template <class T, class U>
void OpPass<T, U>::updateBackward(int version, int start, int c, Buf<T>* g, Buf<T>* prev, Buf<T>& gRho,
    DeviceGrads<T>& out) {
  const Spec& s = core_.s;
  const Dims& d = core_.d;
  int n = d.n;
  long long group = core_.group, ws = core_.ws;
  cudaStream_t stream = rt().stream;
  const State<T, U>& from = versions_[version];
  const State<T, U>& next = versions_[version + 1];
  Buf<T> gzs(group);
  for (int j = 0; j < 3; j++) {
    const T* rhoJ = core_.rhoPart(j);
    T* gRhoJ = gRho.get() + (rhoJ - core_.rho.get());
    LAUNCH_ROWS(k::renormBackward<T>, n * core_.rows[j], core_.part(next.z, j), rhoJ, core_.part(g[0], j), gRhoJ,
        core_.part(g[1], j), core_.part(gzs, j), core_.cols[j]);
  }
  Buf<T>& into = s.norm == 0 ? prev[0] : prev[1];
  Buf<T>& other = s.norm == 0 ? prev[1] : prev[0];
  LACT_CK(cudaMemcpyAsync(into.get(), gzs.get(), gzs.bytes(), cudaMemcpyDeviceToDevice, stream));
  other.zero();
  Buf<T> gd(group);
  if (s.muon) {
    if (core_.m.nsBack == PMode::BF16) core_.template orthogonaliseBackward<bf16>(next, gzs, gd);
    else if (core_.m.nsBack == PMode::F64) core_.template orthogonaliseBackward<double>(next, gzs, gd);
    else core_.template orthogonaliseBackward<T>(next, gzs, gd);
  } else {
    LACT_CK(cudaMemcpyAsync(gd.get(), gzs.get(), gzs.bytes(), cudaMemcpyDeviceToDevice, stream));
  }
  if (s.momentum) {
    LAUNCH(k::momentumBackward<T>, group, gd.get(), g[2].get(), prev[2].get(), next.beta.get(), n, ws, group);
    if (from.p.size()) {
      Buf<double> gBeta(n);
      gBeta.zero();
      dim3 grid((unsigned) std::min<long long>((ws + k::TPB - 1) / k::TPB, 64), n);
      k::instanceDot<T, U><<<grid, k::TPB, 0, stream>>>(gd.get(), from.p.get(), gBeta.get(), n, ws);
      LACT_LAUNCHED();
      LAUNCH(k::momentumGrad<T>, (long long) n * c, out.mom.get(), mask_.get(), gBeta.get(), next.count.get(), d.L, start, c,
          (long long) n * c);
    }
  }
  deltasBackward(from, start, c, gd, prev[0], out);
}

template <class T, class U>
DeviceGrads<T> OpPass<T, U>::runBackward(const T* dOut) {
  const Dims& d = core_.d;
  const Spec& s = core_.s;
  long long nl = (long long) d.n * d.L, tok = nl * d.dIn, group = core_.group;
  DeviceGrads<T> out;
  out.q = Buf<T>(tok);
  out.k = Buf<T>(tok);
  out.v = Buf<T>(tok);
  out.eta = Buf<T>(3 * nl);
  out.q.zero();
  out.k.zero();
  out.v.zero();
  out.eta.zero();
  if (s.momentum) {
    out.mom = Buf<T>(nl);
    out.mom.zero();
  }
  Buf<T> a[3], b[3];
  for (int j = 0; j < 3; j++) {
    a[j] = Buf<T>(group);
    b[j] = Buf<T>(group);
    a[j].zero();
  }
  Buf<T> gRho(core_.rho.size());
  gRho.zero();
  Buf<T>* g = a;
  Buf<T>* prev = b;
  Buf<bf16> dOutH;
  if (core_.bf16Main() && std::is_same<T, float>::value) {
    dOutH = Buf<bf16>(tok);
    roundInto(reinterpret_cast<const float*>(dOut), dOutH.get(), tok);
  }
  std::vector<Step> steps = schedule(s, d.L);
  for (int i = (int) steps.size() - 1; i >= 0; i--) {
    const Step& st = steps[i];
    if (st.apply) {
      applyBackward(versions_[st.version], Opd<T>(dOut, dOutH.get()), st.start, st.end - st.start, g[0], out.q.get());
    } else {
      updateBackward(st.version, st.start, st.end - st.start, g, prev, gRho, out);
      std::swap(g, prev);
    }
  }
  out.w = Buf<T>(group);
  LAUNCH(k::initialGrad<T>, group, g[0].get(), g[1].get(), w0_.get(), gRho.get(), core_.rho.get(), out.w.get(), d.n, d.dH,
      d.dIn, s.detached, group);
  return out;
}

template <class T, class U>
class OpStream final : public Stream {
 public:
  OpStream(const Dims& d, const Spec& s, Modes m, const double* w0, const double* w1, const double* w2)
      : core_(d, s, m, false) {
    long long part = d.n * core_.ws;
    std::vector<double> w(3 * part);
    std::memcpy(w.data(), w0, sizeof(double) * part);
    std::memcpy(w.data() + part, w1, sizeof(double) * part);
    std::memcpy(w.data() + 2 * part, w2, sizeof(double) * part);
    state_ = core_.initial(upload<T>(w.data(), w.size()));
  }

  void read(int len, const double* q, double* out) override {
    std::lock_guard<std::mutex> g(lock());
    long long tok = (long long) core_.d.n * len * core_.d.dIn;
    Buf<T> qd = upload<T>(q, tok), od(tok);
    core_.apply(state_, qd.get(), len, 0, od.get(), len, 0, len);
    download(od.get(), out, tok);
  }

  void write(int len, const double* k, const double* v, const double* lr0, const double* lr1, const double* lr2,
      const double* momentum) override {
    std::lock_guard<std::mutex> g(lock());
    long long nl = (long long) core_.d.n * len, tok = nl * core_.d.dIn;
    Buf<T> kd = upload<T>(k, tok), vd = upload<T>(v, tok);
    std::vector<double> eta(3 * nl);
    std::memcpy(eta.data(), lr0, sizeof(double) * nl);
    std::memcpy(eta.data() + nl, lr1, sizeof(double) * nl);
    std::memcpy(eta.data() + 2 * nl, lr2, sizeof(double) * nl);
    Buf<T> ed = upload<T>(eta.data(), eta.size());
    Buf<T> md;
    if (core_.s.momentum) md = upload<T>(momentum, nl);
    Tokens<T> tk{kd.get(), vd.get(), ed.get(), nullptr, md.get(), len, nullptr, nullptr};
    State<T, U> next = core_.update(state_, tk, 0, len);
    state_ = std::move(next);
    LACT_CK(cudaStreamSynchronize(rt().stream));
  }

  void weights(double* w0, double* w1, double* w2) override {
    std::lock_guard<std::mutex> g(lock());
    long long part = core_.d.n * core_.ws;
    download(core_.part(state_.w, 0), w0, part);
    download(core_.part(state_.w, 1), w1, part);
    download(core_.part(state_.w, 2), w2, part);
  }

 private:
  Core<T, U> core_;
  State<T, U> state_;
};

// The largest batch of matrices one launch spans (CUDA's limit on a grid's y and z extent).
constexpr long long kMaxBatch = 65535;

void checkSpec(const Dims& d, const Spec& s) {
  std::ostringstream m;
  if (d.n < 1 || d.dIn < 1 || d.dH < 1 || d.L < 1) m << "dims must be >= 1, got n=" << d.n << " dIn=" << d.dIn << " dH=" << d.dH << " L=" << d.L;
  else if (s.chunk < 1) m << "chunk = " << s.chunk << ": must be >= 1";
  else if (s.mode != 0 && s.mode != 1) m << "mode = " << s.mode << ": must be 0 (block-causal) or 1 (bidirectional)";
  else if (s.norm != 0 && s.norm != 1) m << "norm = " << s.norm << ": must be 0 (post-norm) or 1 (pre-norm)";
  else if (s.muon && (s.ns.empty() || s.ns.size() % 3 != 0)) m << "ns: " << s.ns.size() << " coefficients, expected a positive multiple of 3";
  // Newton-Schulz runs the 3n updates as one batch along a grid axis of at most 65535 blocks
  else if (3LL * d.n > kMaxBatch) m << "n = " << d.n << ": at most " << kMaxBatch / 3 << " instances (batch x heads) per call";
  if (!m.str().empty()) throw ArgError(m.str());
}

void checkPrecision(int precision, int update) {
  if (precision < PREC_F64 || precision > PREC_BF16) throw ArgError("precision = " + std::to_string(precision) + ": expected 0, 1 or 2");
  int path = update & ~UPD_RECOMPUTE_NS;
  if (path < UPD_BF16 || path > UPD_FP32) throw ArgError("update = " + std::to_string(update) + ": expected 0, 1 or 2, plus 16 to recompute Newton-Schulz");
}

bool keepNs(int update) { return (update & UPD_RECOMPUTE_NS) == 0; }

// float32 with Muon computes each update (its inner forward on the keys, its products, momentum and
// Newton-Schulz) in float64, as the ND4J backend's float64 update path does: Newton-Schulz amplifies
// the update's rounding. Measured on lact_muon_L37_c8_wide: gradients 1.8-2.8e-4 off with only the
// update's products in float64 (also with the whole backward in float64), 4-7e-5 with the inner
// forward in float64 too. The backward runs in float32 except Newton-Schulz's (float64: on Hopper
// float64 products run as fast as float32 ones without TF32).
bool wideUpdate(int precision, const Spec& s) { return precision == PREC_F32 && s.muon; }
Modes wideModes() { return Modes{PMode::F32, PMode::F64, PMode::F64}; }

template <class T, class U>
std::unique_ptr<OpPass<T, U>> runForward(const Dims& d, const Spec& s, Modes m, bool ns, const HostInputs& in, double* out) {
  auto p = std::make_unique<OpPass<T, U>>(d, s, m, ns, in);
  long long tok = (long long) d.n * d.L * d.dIn;
  Buf<T> o(tok);
  p->run(o.get());
  download(o.get(), out, tok);
  return p;
}

template <class T, class U>
std::vector<double> timeImpl(const Dims& d, const Spec& s, Modes m, bool ns, const HostInputs& in, const double* dOutHost,
    int warmup, int runs) {
  long long tok = (long long) d.n * d.L * d.dIn;
  OpPass<T, U> pass(d, s, m, ns, in);
  Buf<T> out(tok);
  Buf<T> dOut = upload<T>(dOutHost, tok);
  cudaStream_t st = rt().stream;
  cudaEvent_t a, b;
  LACT_CK(cudaEventCreate(&a));
  LACT_CK(cudaEventCreate(&b));
  std::vector<double> fwd, both;
  long long before = allocatedBytes();
  resetPeak();
  try {
    for (int r = 0; r < warmup + runs; r++) {
      LACT_CK(cudaEventRecord(a, st));
      pass.run(out.get());
      LACT_CK(cudaEventRecord(b, st));
      LACT_CK(cudaEventSynchronize(b));
      float ms = 0;
      LACT_CK(cudaEventElapsedTime(&ms, a, b));
      if (r >= warmup) fwd.push_back(ms);
    }
    for (int r = 0; r < warmup + runs; r++) {
      LACT_CK(cudaEventRecord(a, st));
      pass.run(out.get());
      { DeviceGrads<T> g = pass.runBackward(dOut.get()); }
      LACT_CK(cudaEventRecord(b, st));
      LACT_CK(cudaEventSynchronize(b));
      float ms = 0;
      LACT_CK(cudaEventElapsedTime(&ms, a, b));
      if (r >= warmup) both.push_back(ms);
    }
  } catch (...) {
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    throw;
  }
  LACT_CK(cudaEventDestroy(a));
  LACT_CK(cudaEventDestroy(b));
  std::sort(fwd.begin(), fwd.end());
  std::sort(both.begin(), both.end());
  auto median = [](const std::vector<double>& x) { size_t h = x.size() / 2; return x.size() % 2 ? x[h] : 0.5 * (x[h - 1] + x[h]); };
  return {median(fwd), median(both), (double) (peakAllocatedBytes() - before), (double) pass.savedBytes()};
}

// host float64 -> device V (bf16 through float) and back
template <class V>
Buf<V> toDevice(const double* h, long long n) {
  if constexpr (std::is_same<V, bf16>::value) {
    Buf<float> f = upload<float>(h, n);
    Buf<bf16> b(n);
    roundInto(f.get(), b.get(), n);
    return b;
  } else {
    return upload<V>(h, n);
  }
}

template <class V>
void toHost(const V* d, double* h, long long n) {
  if constexpr (std::is_same<V, bf16>::value) {
    Buf<float> f(n);
    LAUNCH((k::convert<bf16, float>), n, d, f.get(), n);
    download(f.get(), h, n);
  } else {
    download(d, h, n);
  }
}

// Standalone Newton-Schulz (tall matrices transposed to wide and back) in element type V.
template <class V>
void nsImpl(PMode mode, int batch, int rows, int cols, const std::vector<double>& ns, const double* g, const double* dX,
    double* out) {
  long long size = (long long) rows * cols, total = size * batch;
  bool tall = rows > cols;
  int s = std::min(rows, cols), w = std::max(rows, cols);
  auto wide = [&](const double* h) {
    Buf<V> d = toDevice<V>(h, total);
    if (!tall) return d;
    Buf<V> t(total);
    LAUNCH(k::transposeBatch<V>, total, d.get(), t.get(), rows, cols, total);
    return t;
  };
  Buf<V> res(total);
  if (!dX) {
    NsIterates<V> it = nsIterates<V>(mode, wide(g), batch, s, w, ns, false);
    LACT_CK(cudaMemcpyAsync(res.get(), it.x.back().get(), res.bytes(), cudaMemcpyDeviceToDevice, rt().stream));
  } else {
    NsIterates<V> it = nsIterates<V>(mode, wide(g), batch, s, w, ns, true);
    Buf<V> gOut = wide(dX);
    nsBackward<V>(mode, it, gOut.get(), res.get(), batch, s, w, ns);
  }
  if (tall) {
    Buf<V> back(total);
    LAUNCH(k::transposeBatch<V>, total, res.get(), back.get(), cols, rows, total);
    toHost(back.get(), out, total);
  } else {
    toHost(res.get(), out, total);
  }
}

}  // namespace

std::string initDevice(int device) {
  std::lock_guard<std::mutex> g(lock());
  return init(device);
}

long long allocated() { return allocatedBytes(); }

long long deviceUsed() {
  std::lock_guard<std::mutex> g(lock());
  rt();
  return deviceUsedBytes();
}

void checkAllocation(long long bytes) {
  std::lock_guard<std::mutex> g(lock());
  if (bytes < 0) throw ArgError("bytes = " + std::to_string(bytes) + ": must be >= 0");
  Buf<char> b((size_t) bytes);
  LACT_CK(cudaStreamSynchronize(rt().stream));
}

std::unique_ptr<Pass> forward(int precision, int update, const Dims& d, const Spec& s, const HostInputs& in, double* out) {
  std::lock_guard<std::mutex> g(lock());
  checkPrecision(precision, update);
  checkSpec(d, s);
  Modes m = modesFor(precision, update);
  bool ns = keepNs(update);
  if (precision == PREC_F64) return runForward<double, double>(d, s, m, ns, in, out);
  if (wideUpdate(precision, s)) return runForward<float, double>(d, s, wideModes(), ns, in, out);
  return runForward<float, float>(d, s, m, ns, in, out);
}

void newtonSchulz(int precision, int update, int batch, int rows, int cols, const std::vector<double>& ns, const double* g,
    const double* dX, double* out) {
  std::lock_guard<std::mutex> lk(lock());
  checkPrecision(precision, update);
  if (batch < 1 || rows < 1 || cols < 1) throw ArgError("newtonSchulz: every dimension must be >= 1");
  if (batch > kMaxBatch) throw ArgError("newtonSchulz: batch = " + std::to_string(batch) + ": at most " + std::to_string(kMaxBatch));
  if (ns.empty() || ns.size() % 3) throw ArgError("ns: expected a positive multiple of 3 coefficients");
  Modes m = modesFor(precision, update);
  PMode mode = dX ? m.nsBack : m.update;
  if (precision == PREC_F64) nsImpl<double>(mode, batch, rows, cols, ns, g, dX, out);
  else if (mode == PMode::BF16) nsImpl<bf16>(mode, batch, rows, cols, ns, g, dX, out);
  else nsImpl<float>(mode, batch, rows, cols, ns, g, dX, out);
}

std::unique_ptr<Stream> openStream(int precision, int update, const Dims& d, const Spec& s, const double* w0, const double* w1,
    const double* w2) {
  std::lock_guard<std::mutex> g(lock());
  checkPrecision(precision, update);
  Dims dd = d;
  dd.L = 1;
  checkSpec(dd, s);
  if (s.mode != 0) throw ArgError("streams run the block-causal op only");
  Modes m = modesFor(precision, update);
  if (precision == PREC_F64) return std::make_unique<OpStream<double, double>>(dd, s, m, w0, w1, w2);
  if (wideUpdate(precision, s)) return std::make_unique<OpStream<float, double>>(dd, s, wideModes(), w0, w1, w2);
  return std::make_unique<OpStream<float, float>>(dd, s, m, w0, w1, w2);
}

std::vector<double> timeOnDevice(int precision, int update, const Dims& d, const Spec& s, const HostInputs& in,
    const double* dOut, int warmup, int runs) {
  std::lock_guard<std::mutex> g(lock());
  checkPrecision(precision, update);
  checkSpec(d, s);
  if (runs < 1 || warmup < 0) throw ArgError("runs must be >= 1 and warmup >= 0");
  Modes m = modesFor(precision, update);
  bool ns = keepNs(update);
  if (precision == PREC_F64) return timeImpl<double, double>(d, s, m, ns, in, dOut, warmup, runs);
  if (wideUpdate(precision, s)) return timeImpl<float, double>(d, s, wideModes(), ns, in, dOut, warmup, runs);
  return timeImpl<float, float>(d, s, m, ns, in, dOut, warmup, runs);
}

template <class T>
std::unique_ptr<DeviceOp<T>> deviceOp(int precision, int update, const Dims& d, const Spec& s, DeviceOpInputs<T>&& in) {
  checkPrecision(precision, update);
  checkSpec(d, s);
  Modes m = modesFor(precision, update);
  bool ns = keepNs(update);
  if constexpr (std::is_same<T, double>::value) {
    if (precision != PREC_F64) throw ArgError("a float64 device op needs precision 0 (float64)");
    return std::make_unique<OpPass<double, double>>(d, s, m, ns, std::move(in));
  } else {
    if (precision == PREC_F64) throw ArgError("a float32 device op needs precision 1 or 2");
    if (wideUpdate(precision, s)) return std::make_unique<OpPass<float, double>>(d, s, wideModes(), ns, std::move(in));
    return std::make_unique<OpPass<float, float>>(d, s, m, ns, std::move(in));
  }
}

template std::unique_ptr<DeviceOp<double>> deviceOp<double>(int, int, const Dims&, const Spec&, DeviceOpInputs<double>&&);
template std::unique_ptr<DeviceOp<float>> deviceOp<float>(int, int, const Dims&, const Spec&, DeviceOpInputs<float>&&);

}  // namespace lact
