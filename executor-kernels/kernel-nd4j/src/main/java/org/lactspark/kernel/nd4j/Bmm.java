package org.lactspark.kernel.nd4j;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batched matrix products over the leading axis of contiguous {@code [n, r, c]} arrays, as one
 * libnd4j {@code matmul} op each (with BLAS-style {@code alpha} and {@code beta}). One batched op
 * measured 2 to 3 times faster than a BLAS call per instance for 128 x 128 blocks on two cores,
 * because it spreads the instances over threads instead of splitting each small product.
 */
public final class Bmm {
  private Bmm() {}

  /** {@code c[i] = alpha op(a[i]) op(b[i]) + beta c[i]} for every instance {@code i}. */
  public static void gemm(INDArray a, boolean ta, INDArray b, boolean tb, INDArray c, double alpha, double beta) {
    Nd4j.exec(new Mmul(a, b, c, alpha, beta,
        MMulTranspose.builder().transposeA(ta).transposeB(tb).build()));
  }

  /** A new {@code [n, rows, cols]} array holding {@code op(a) op(b)}. */
  public static INDArray mul(INDArray a, boolean ta, INDArray b, boolean tb) {
    long rows = ta ? a.size(2) : a.size(1);
    long cols = tb ? b.size(1) : b.size(2);
    INDArray c = Nd4j.createUninitialized(a.dataType(), a.size(0), rows, cols);
    gemm(a, ta, b, tb, c, 1.0, 0.0);
    return c;
  }

  /** {@code c += op(a) op(b)}. */
  public static void addMul(INDArray a, boolean ta, INDArray b, boolean tb, INDArray c) {
    gemm(a, ta, b, tb, c, 1.0, 1.0);
  }
}
