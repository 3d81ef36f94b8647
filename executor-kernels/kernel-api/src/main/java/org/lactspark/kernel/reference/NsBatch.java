package org.lactspark.kernel.reference;

import java.util.function.BinaryOperator;
import org.lactspark.kernel.HostTensor;

/** Maps a per-matrix function over a batch {@code [b, rows, cols]}. */
final class NsBatch {
  private NsBatch() {}

  static HostTensor map(HostTensor g, HostTensor other, BinaryOperator<Mat> f) {
    if (g.rank() != 3) {
      throw new IllegalArgumentException("g: expected rank 3 [b, rows, cols], got " + g.shapeString());
    }
    if (g.firstNonFinite() >= 0 || (other != null && other.firstNonFinite() >= 0)) {
      throw new IllegalArgumentException("g: contains a non-finite value");
    }
    int b = g.dim(0);
    int r = g.dim(1);
    int c = g.dim(2);
    HostTensor out = HostTensor.zeros(b, r, c);
    for (int i = 0; i < b; i++) {
      Mat gm = Mat.copyOf(g.data(), i * r * c, r, c);
      Mat om = other == null ? null : Mat.copyOf(other.data(), i * r * c, r, c);
      Mat res = f.apply(gm, om);
      System.arraycopy(res.a, 0, out.data(), i * r * c, r * c);
    }
    return out;
  }
}
