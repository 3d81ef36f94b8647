package org.lactspark.kernel.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batched matrix products over the leading axis, one BLAS gemm per instance on views, so that
 * strided chunk views and accumulation ({@code beta = 1}) need no copies.
 */
final class Bmm {
  private Bmm() {}

  /** {@code c[i] = alpha op(a[i]) op(b[i]) + beta c[i]} for every instance {@code i}. */
  static void gemm(INDArray a, boolean ta, INDArray b, boolean tb, INDArray c, double alpha, double beta) {
    long n = a.size(0);
    for (int i = 0; i < n; i++) {
      Nd4j.gemm(a.slice(i), b.slice(i), c.slice(i), ta, tb, alpha, beta);
    }
  }

  /** A new {@code [n, rows, cols]} array holding {@code op(a) op(b)}. */
  static INDArray mul(INDArray a, boolean ta, INDArray b, boolean tb) {
    long rows = ta ? a.size(2) : a.size(1);
    long cols = tb ? b.size(1) : b.size(2);
    INDArray c = Nd4j.create(a.dataType(), a.size(0), rows, cols);
    gemm(a, ta, b, tb, c, 1.0, 0.0);
    return c;
  }

  /** {@code c += op(a) op(b)}. */
  static void addMul(INDArray a, boolean ta, INDArray b, boolean tb, INDArray c) {
    gemm(a, ta, b, tb, c, 1.0, 1.0);
  }
}
