package org.lactspark.kernel.testkit;

import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.lactspark.kernel.HostTensor;

/**
 * Finite differences along a random direction: for a scalar function {@code f} of a tensor
 * {@code x} and its claimed gradient {@code g}, compares the five-point central difference
 * {@code (-f(x+2hd) + 8f(x+hd) - 8f(x-hd) + f(x-2hd)) / 12h} (error O(h^4): Newton-Schulz makes the
 * op curved enough that the O(h^2) two-point rule misses by 1e-5) with {@code <g, d>}. One direction
 * per tensor checks every element's contribution at once, at the cost of four evaluations.
 */
public final class FiniteDifference {
  private FiniteDifference() {}

  /**
   * The relative disagreement {@code |fd - <g, d>| / max(|fd|, |<g, d>|, floor)}.
   *
   * @param x the point; restored before returning
   * @param mask elements allowed to move (null: all); others get a zero direction
   */
  public static double directional(
      HostTensor x, HostTensor g, ToDoubleFunction<HostTensor> f, double h, long seed, double[] mask,
      double floor) {
    return directional(x, g, f, h, seed, mask, floor, null);
  }

  /**
   * As above; if {@code rowsToAvoid} is given (a tensor's values, last axis = rows), each row of the
   * random direction is made orthogonal to the matching row, so that the step keeps every row's
   * norm to first order.
   */
  public static double directional(
      HostTensor x, HostTensor g, ToDoubleFunction<HostTensor> f, double h, long seed, double[] mask,
      double floor, double[] rowsToAvoid) {
    Random rnd = new Random(seed);
    double[] d = new double[x.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = (mask == null || mask[i] != 0) ? rnd.nextGaussian() : 0.0;
    }
    if (rowsToAvoid != null) {
      int cols = x.dim(x.rank() - 1);
      for (int r = 0; r < d.length / cols; r++) {
        double dot = 0;
        double nn = 0;
        for (int c = 0; c < cols; c++) {
          dot += d[r * cols + c] * rowsToAvoid[r * cols + c];
          nn += rowsToAvoid[r * cols + c] * rowsToAvoid[r * cols + c];
        }
        for (int c = 0; c < cols && nn > 0; c++) {
          d[r * cols + c] -= dot / nn * rowsToAvoid[r * cols + c];
        }
      }
    }
    double[] saved = x.data().clone();
    double fd = (-at(x, saved, d, 2 * h, f) + 8 * at(x, saved, d, h, f) - 8 * at(x, saved, d, -h, f)
        + at(x, saved, d, -2 * h, f)) / (12 * h);
    System.arraycopy(saved, 0, x.data(), 0, saved.length);
    double an = 0;
    for (int i = 0; i < d.length; i++) {
      an += g.data()[i] * d[i];
    }
    return Math.abs(fd - an) / Math.max(Math.max(Math.abs(fd), Math.abs(an)), floor);
  }

  private static double at(HostTensor x, double[] saved, double[] d, double step, ToDoubleFunction<HostTensor> f) {
    double[] data = x.data();
    for (int i = 0; i < d.length; i++) {
      data[i] = saved[i] + step * d[i];
    }
    return f.applyAsDouble(x);
  }
}
