package org.lactspark.model.nn;

import org.lactspark.kernel.nd4j.Bmm;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code y = x W^T (+ b)} over rows: {@code x [rows, in]}, {@code W [out, in]} (the PyTorch
 * layout of the official weights), {@code b [out]}.
 *
 * <p>Every product is written straight into its destination (a new C-order array, a gradient
 * view, or an accumulator with {@code beta = 1}), so no temporary is left for the garbage
 * collector (see {@link org.lactspark.kernel.nd4j.Tape} for why that matters). Returned arrays
 * belong to the caller.
 */
public final class Linear {
  private Linear() {}

  /** The forward map, a new C-order {@code [rows, out]}; {@code b} may be null. */
  public static INDArray forward(INDArray x, INDArray w, INDArray b) {
    return forward(x, w, b, x.size(0), w.size(0));
  }

  /**
   * The forward map as a new C-order array of {@code shape} (which holds {@code rows * out}
   * elements, e.g. {@code [B, L, out]}): a whole array, not a reshaped view, so its owner can free it.
   */
  public static INDArray forward(INDArray x, INDArray w, INDArray b, long... shape) {
    INDArray y = Nd4j.createUninitialized(x.dataType(), shape);
    INDArray rows = y.reshape('c', x.size(0), w.size(0));
    Bmm.gemm(x, false, w, true, rows, 1.0, 0.0);
    if (b != null) {
      rows.addiRowVector(b);
    }
    return y;
  }

  /**
   * Writes {@code dW = dy^T x} (and {@code db = sum_rows dy} when {@code db} is not null) into the
   * given gradient arrays and returns {@code dx = dy W}.
   */
  public static INDArray backward(INDArray x, INDArray w, INDArray dy, INDArray dw, INDArray db) {
    weightGradients(x, dy, dw, db);
    return inputGradient(dy, w);
  }

  /** {@code dx = dy W}, a new C-order array (the input gradient alone). */
  public static INDArray inputGradient(INDArray dy, INDArray w) {
    INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.size(0), w.size(1));
    Bmm.gemm(dy, false, w, false, dx, 1.0, 0.0);
    return dx;
  }

  /** Adds {@code dy W} to {@code dxAcc}. */
  public static void addInputGradient(INDArray dy, INDArray w, INDArray dxAcc) {
    Bmm.gemm(dy, false, w, false, dxAcc, 1.0, 1.0);
  }

  /** As {@link #backward}, but adds {@code dy W} to {@code dxAcc} instead of returning it. */
  public static void backwardInto(INDArray x, INDArray w, INDArray dy, INDArray dw, INDArray db, INDArray dxAcc) {
    weightGradients(x, dy, dw, db);
    addInputGradient(dy, w, dxAcc);
  }

  /** Writes {@code dW = dy^T x} (and {@code db = sum_rows dy} when {@code db} is not null). */
  public static void weightGradients(INDArray x, INDArray dy, INDArray dw, INDArray db) {
    Bmm.gemm(dy, true, x, false, dw, 1.0, 0.0);
    if (db != null) {
      INDArray sum = dy.sum(0);
      db.assign(sum);
      sum.close();
    }
  }
}
