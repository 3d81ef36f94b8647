package org.lactspark.kernel.reference;

/**
 * One update's data for one instance.
 *
 * @param k keys {@code [C, dIn]}
 * @param v values {@code [C, dIn]}
 * @param eta learning rates {@code [3][C]} (W0, W1, W2), already multiplied by the write mask
 * @param m momentum coefficients {@code [C]}
 * @param mask write mask {@code [C]}
 */
record Chunk(Mat k, Mat v, double[][] eta, double[] m, double[] mask) {

  double writers() {
    double s = 0;
    for (double x : mask) {
      s += x;
    }
    return s;
  }

  /** The momentum coefficient of the chunk: the mean over its writer tokens (0 if none). */
  double momentumMean() {
    double count = writers();
    if (count == 0) {
      return 0.0;
    }
    double s = 0;
    for (int t = 0; t < m.length; t++) {
      s += m[t] * mask[t];
    }
    return s / count;
  }
}
