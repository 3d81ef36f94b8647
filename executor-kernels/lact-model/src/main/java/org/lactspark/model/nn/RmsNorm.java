package org.lactspark.model.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * RMSNorm over the last axis of {@code x [rows, width]}: {@code y = x / sqrt(mean(x^2) + eps) * gamma}
 * (eps inside the square root, as fla's RMSNorm).
 */
public final class RmsNorm {
  private RmsNorm() {}

  /** What the backward needs: the normalised input and the per-row inverse RMS. */
  public record Pass(INDArray out, INDArray xhat, INDArray invRms) {}

  /** Normalises each row of {@code x}; {@code gamma [width]}. */
  public static Pass forward(INDArray x, INDArray gamma, double eps) {
    INDArray inv = Transforms.pow(x.mul(x).mean(true, 1).addi(eps), -0.5, false);
    INDArray xhat = x.mulColumnVector(inv);
    return new Pass(xhat.mulRowVector(gamma), xhat, inv);
  }

  /**
   * Writes {@code dGamma} and returns {@code dx = invRms (g - xhat mean(g xhat))} with
   * {@code g = dy gamma}.
   */
  public static INDArray backward(Pass p, INDArray gamma, INDArray dy, INDArray dGamma) {
    dGamma.assign(dy.mul(p.xhat()).sum(0));
    INDArray g = dy.mulRowVector(gamma);
    INDArray proj = g.mul(p.xhat()).mean(true, 1);
    return g.subi(p.xhat().mulColumnVector(proj)).muliColumnVector(p.invRms());
  }
}
