package org.lactspark.kernel.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.golden.Tolerances;

/** Assertions on host tensors. */
public final class TensorAssert {
  private TensorAssert() {}

  /** Relative Frobenius error at most {@code tol} (absolute when the expected tensor is zero). */
  public static void assertClose(HostTensor expected, HostTensor actual, double tol, String what) {
    assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
    double err = Tolerances.relativeError(actual, expected);
    assertTrue(err <= tol, what + ": relative error " + err + " > " + tol);
  }

  /** Exactly equal, element by element. */
  public static void assertIdentical(HostTensor expected, HostTensor actual, String what) {
    assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
    assertArrayEquals(expected.data(), actual.data(), 0.0, what);
  }

  /** Rows {@code [from, to)} of instance {@code i} of a {@code [n, L, d]} tensor, as a new tensor. */
  public static HostTensor rows(HostTensor t, int i, int from, int to) {
    int len = t.dim(1);
    int d = t.dim(2);
    double[] out = new double[(to - from) * d];
    System.arraycopy(t.data(), (i * len + from) * d, out, 0, out.length);
    return HostTensor.of(out, to - from, d);
  }
}
