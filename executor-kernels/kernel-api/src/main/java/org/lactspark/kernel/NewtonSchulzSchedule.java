package org.lactspark.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * The (a, b, c) coefficients of the Newton-Schulz iterations that orthogonalise a fast-weight update
 * (Muon). Each iteration computes {@code A = X X^T; B = b A + c A A; X <- a X + B X}.
 *
 * @param steps one coefficient triple per iteration, in order
 */
public record NewtonSchulzSchedule(List<Step> steps) {

  /** One iteration's coefficients. */
  public record Step(double a, double b, double c) {}

  /** The language-model schedule: five iterations with varying coefficients (lact-spec 1.7). */
  public static final NewtonSchulzSchedule LM_FIVE_STEP =
      new NewtonSchulzSchedule(
          List.of(
              new Step(4.0848, -6.8946, 2.9270),
              new Step(3.9505, -6.3029, 2.6377),
              new Step(3.7418, -5.5913, 2.3037),
              new Step(2.8769, -3.1427, 1.2046),
              new Step(2.8366, -3.0525, 1.2012)));

  /** The fixed triple of the NVS and video code (lact-spec section 2). */
  public static final Step FIXED_TRIPLE = new Step(3.4445, -4.7750, 2.0315);

  /** Validates and copies defensively. */
  public NewtonSchulzSchedule {
    steps = List.copyOf(steps);
    for (Step s : steps) {
      if (!Double.isFinite(s.a) || !Double.isFinite(s.b) || !Double.isFinite(s.c)) {
        throw new IllegalArgumentException("nsSchedule: non-finite coefficient in " + s);
      }
    }
  }

  /**
   * The fixed-coefficient schedule of the NVS code, repeated {@code iterations} times. Zero
   * iterations leaves only the Frobenius normalisation.
   */
  public static NewtonSchulzSchedule fixed(int iterations) {
    if (iterations < 0) {
      throw new IllegalArgumentException("nsSchedule iterations = " + iterations + ": must be >= 0");
    }
    List<Step> list = new ArrayList<>();
    for (int i = 0; i < iterations; i++) {
      list.add(FIXED_TRIPLE);
    }
    return new NewtonSchulzSchedule(list);
  }

  /** The number of iterations. */
  public int iterations() {
    return steps.size();
  }
}
