package org.lactspark.kernel.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Row renormalisation {@code W = Z / (|Z_r| + 1e-5) * rho_r} (lact-spec 1.8) and its backward, for
 * {@code [n, rows, cols]} batches with {@code rho [n, rows, 1]}.
 */
final class Renorm {
  static final double EPS = 1e-5;

  private Renorm() {}

  /** Row norms {@code [n, rows, 1]}. */
  static INDArray rowNorms(INDArray w) {
    return w.norm2(true, 2);
  }

  static INDArray forward(INDArray z, INDArray rho) {
    return z.mul(rho.div(rowNorms(z).addi(EPS)));
  }

  /** The gradient for {@code z}; adds the gradient for {@code rho} into {@code gRho}. */
  static INDArray backward(INDArray z, INDArray rho, INDArray gOut, INDArray gRho) {
    INDArray norms = rowNorms(z);
    INDArray den = norms.add(EPS);
    INDArray dots = gOut.mul(z).sum(true, 2);
    gRho.addi(dots.div(den));
    INDArray coef = dots.muli(rho).divi(den.mul(den).muli(Nd4jMath.safe(norms)));
    return gOut.mul(rho.div(den)).subi(z.mul(coef));
  }

  /** Backward of {@code rho = rowNorms(w)}: the gradient for {@code w}. */
  static INDArray rowNormBackward(INDArray w, INDArray rho, INDArray gRho) {
    return w.mul(gRho.div(Nd4jMath.safe(rho)));
  }
}
