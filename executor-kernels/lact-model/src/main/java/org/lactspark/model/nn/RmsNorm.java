package org.lactspark.model.nn;

import org.lactspark.kernel.nd4j.Tape;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * RMSNorm over the last axis of {@code x [rows, width]}: {@code y = x / sqrt(mean(x^2) + eps) * gamma}
 * (eps inside the square root, as fla's RMSNorm).
 */
public final class RmsNorm {
  private RmsNorm() {}

  /**
   * What the backward needs: the normalised input and the per-row inverse RMS, which the pass owns,
   * and the output, which belongs to the caller.
   */
  public record Pass(INDArray out, INDArray xhat, INDArray invRms) implements AutoCloseable {
    /** Frees what the pass saved (not {@link #out}). */
    @Override
    public void close() {
      Tape.free(xhat, invRms);
    }
  }

  /** Normalises each row of {@code x}; {@code gamma [width]}. */
  public static Pass forward(INDArray x, INDArray gamma, double eps) {
    INDArray inv;
    try (Tape t = new Tape()) {
      INDArray sq = t.own(x.mul(x));
      // pow in place: inv is the array mean created.
      inv = Transforms.pow(sq.mean(true, 1).addi(eps), -0.5, false);
    }
    INDArray xhat = x.mulColumnVector(inv);
    return new Pass(xhat.mulRowVector(gamma), xhat, inv);
  }

  /**
   * Writes {@code dGamma} and returns {@code dx = invRms (g - xhat mean(g xhat))} with
   * {@code g = dy gamma}.
   */
  public static INDArray backward(Pass p, INDArray gamma, INDArray dy, INDArray dGamma) {
    try (Tape t = new Tape()) {
      dGamma.assign(t.own(t.own(dy.mul(p.xhat())).sum(0)));
      INDArray g = dy.mulRowVector(gamma);
      INDArray proj = t.own(t.own(g.mul(p.xhat())).mean(true, 1));
      return g.subi(t.own(p.xhat().mulColumnVector(proj))).muliColumnVector(p.invRms());
    }
  }
}
