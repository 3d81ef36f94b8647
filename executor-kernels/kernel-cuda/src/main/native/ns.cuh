// Batched Newton-Schulz on wide matrices (rows <= cols), forward and backward (lact-spec 1.7):
// X0 = G / (|G|_F + 1e-7); per step A = X X^T, B = b A + c A A, X <- a X + B X. The element type V
// is double, float or bf16 (bf16 storage with float32 accumulation, as the official op runs it).
#pragma once
#include <vector>

#include "kernels.cuh"

namespace lact {

// NS of one batch: the input y and every iterate (or only the last, see nsIterates).
template <class V>
struct NsIterates {
  Buf<V> y;
  std::vector<Buf<V>> x, a, b;  // x[0..steps], a/b[0..steps-1]
  long long bytes() const {
    long long t = (long long) y.bytes();
    for (const auto* v : {&x, &a, &b})
      for (const Buf<V>& m : *v) t += (long long) m.bytes();
    return t;
  }
};

template <class V>
void frobSquares(const V* g, double* sq, int batch, long long size) {
  LACT_CK(cudaMemsetAsync(sq, 0, sizeof(double) * batch, rt().stream));
  dim3 grid((unsigned) std::min<long long>((size + k::TPB - 1) / k::TPB, 64), batch);
  k::batchDot<V, V><<<grid, k::TPB, 0, rt().stream>>>(g, g, sq, size);
  LACT_LAUNCHED();
}

// NS of y (batch s x w matrices, s <= w). keepAll keeps y and every iterate (for the backward);
// otherwise only the result, x.back(), survives.
template <class V>
NsIterates<V> nsIterates(PMode mode, Buf<V>&& y, int batch, int s, int w, const std::vector<double>& ns, bool keepAll) {
  long long size = (long long) s * w, sq2 = (long long) s * s, total = size * batch;
  cudaStream_t st = rt().stream;
  NsIterates<V> it;
  {
    Buf<double> sq(batch);
    frobSquares(y.get(), sq.get(), batch, size);
    it.x.emplace_back(total);
    k::scaleByNorm<<<k::blocksFor(total), k::TPB, 0, st>>>(y.get(), it.x[0].get(), sq.get(), size, total);
    LACT_LAUNCHED();
  }
  if (keepAll) it.y = std::move(y);
  for (size_t q = 0; q + 3 <= ns.size(); q += 3) {
    double ca = ns[q], cb = ns[q + 1], cc = ns[q + 2];
    const V* x = it.x.back().get();
    Buf<V> a(sq2 * batch), b(sq2 * batch), xn(total);
    bmm<V>(mode, false, true, s, s, w, 1.0, x, w, size, x, w, size, 0.0, a.get(), s, sq2, batch);
    LACT_CK(cudaMemcpyAsync(b.get(), a.get(), a.bytes(), cudaMemcpyDeviceToDevice, st));
    bmm<V>(mode, false, false, s, s, s, cc, a.get(), s, sq2, a.get(), s, sq2, cb, b.get(), s, sq2, batch);
    LACT_CK(cudaMemcpyAsync(xn.get(), x, xn.bytes(), cudaMemcpyDeviceToDevice, st));
    bmm<V>(mode, false, false, s, w, s, 1.0, b.get(), s, sq2, x, w, size, ca, xn.get(), w, size, batch);
    if (keepAll) {
      it.a.push_back(std::move(a));
      it.b.push_back(std::move(b));
    } else {
      it.x.clear();  // stream-ordered frees: the products above still see their operands
    }
    it.x.push_back(std::move(xn));
  }
  return it;
}

// The gradient for y of sum(NS(y) * gOut) from iterates kept by nsIterates(keepAll), into out.
template <class V>
void nsBackward(PMode mode, const NsIterates<V>& it, const V* gOut, V* out, int batch, int s, int w,
    const std::vector<double>& ns) {
  long long size = (long long) s * w, sq2 = (long long) s * s, total = size * batch;
  cudaStream_t st = rt().stream;
  const V* g = it.y.get();
  Buf<V> gx(total), gPrev(total), gb(sq2 * batch), sym(sq2 * batch), sa(sq2 * batch);
  LACT_CK(cudaMemcpyAsync(gx.get(), gOut, gx.bytes(), cudaMemcpyDeviceToDevice, st));
  int steps = (int) it.a.size();
  for (int q = steps - 1; q >= 0; q--) {
    const V* x = it.x[q].get();
    const V* a = it.a[q].get();
    const V* b = it.b[q].get();
    double ca = ns[3 * q], cb = ns[3 * q + 1], cc = ns[3 * q + 2];
    bmm<V>(mode, false, true, s, s, w, 1.0, gx.get(), w, size, x, w, size, 0.0, gb.get(), s, sq2, batch);  // dB = gX X^T
    LACT_CK(cudaMemcpyAsync(gPrev.get(), gx.get(), gx.bytes(), cudaMemcpyDeviceToDevice, st));
    bmm<V>(mode, true, false, s, w, s, 1.0, b, s, sq2, gx.get(), w, size, ca, gPrev.get(), w, size, batch);  // a gX + B^T gX
    k::symAdd<<<k::symAddGrid(s, batch), dim3(32, 8), 0, st>>>(gb.get(), sym.get(), s, 1.0, (const V*) nullptr, 0.0);
    LACT_LAUNCHED();
    bmm<V>(mode, false, false, s, s, s, 1.0, sym.get(), s, sq2, a, s, sq2, 0.0, sa.get(), s, sq2, batch);  // S A
    // dA + dA^T = c (S A + A S) + b S, with A S = (S A)^T
    k::symAdd<<<k::symAddGrid(s, batch), dim3(32, 8), 0, st>>>(sa.get(), gb.get(), s, cc, sym.get(), cb);
    LACT_LAUNCHED();
    bmm<V>(mode, false, false, s, w, s, 1.0, gb.get(), s, sq2, x, w, size, 1.0, gPrev.get(), w, size, batch);
    std::swap(gx, gPrev);
  }
  Buf<double> sq(batch), dot(batch);
  frobSquares(g, sq.get(), batch, size);
  LACT_CK(cudaMemsetAsync(dot.get(), 0, sizeof(double) * batch, st));
  dim3 grid((unsigned) std::min<long long>((size + k::TPB - 1) / k::TPB, 64), batch);
  k::batchDot<V, V><<<grid, k::TPB, 0, st>>>(gx.get(), g, dot.get(), size);
  LACT_LAUNCHED();
  k::nsNormBackward<<<k::blocksFor(total), k::TPB, 0, st>>>(g, gx.get(), sq.get(), dot.get(), out, size, total);
  LACT_LAUNCHED();
}

}  // namespace lact
