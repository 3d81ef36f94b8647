package org.lactspark.kernel.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Small numeric helpers shared by the batched ops. */
final class Nd4jMath {
  /** Stand-in for a zero denominator whose numerator is zero too (a zero row or matrix). */
  static final double TINY = 1e-30;

  private Nd4jMath() {}

  /** {@code x} with zeros replaced by a tiny positive number, for denominators. */
  static INDArray safe(INDArray x) {
    return Transforms.max(x, TINY, true);
  }
}
