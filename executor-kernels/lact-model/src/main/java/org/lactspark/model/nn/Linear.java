package org.lactspark.model.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code y = x W^T (+ b)} over rows: {@code x [rows, in]}, {@code W [out, in]} (the PyTorch
 * layout of the official weights), {@code b [out]}.
 */
public final class Linear {
  private Linear() {}

  /** The forward map; {@code b} may be null. */
  public static INDArray forward(INDArray x, INDArray w, INDArray b) {
    INDArray y = x.mmul(w.transpose());
    if (b != null) {
      y.addiRowVector(b);
    }
    return y;
  }

  /**
   * Writes {@code dW = dy^T x} (and {@code db = sum_rows dy} when {@code db} is not null) into the
   * given gradient arrays and returns {@code dx = dy W}.
   */
  public static INDArray backward(INDArray x, INDArray w, INDArray dy, INDArray dw, INDArray db) {
    dw.assign(dy.transpose().mmul(x));
    if (db != null) {
      db.assign(dy.sum(0));
    }
    return dy.mmul(w);
  }

  /** As {@link #backward}, but adds {@code dy W} to {@code dxAcc} instead of returning it. */
  public static void backwardInto(INDArray x, INDArray w, INDArray dy, INDArray dw, INDArray db, INDArray dxAcc) {
    dw.assign(dy.transpose().mmul(x));
    if (db != null) {
      db.assign(dy.sum(0));
    }
    dxAcc.addi(dy.mmul(w));
  }
}
