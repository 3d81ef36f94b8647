package org.lactspark.kernel.golden;

import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;

/**
 * The agreement rules of the golden vectors (fixtures README): relative Frobenius error
 * {@code ||ours - ref|| / ||ref||} at most 1e-9 in float64 and 1e-4 in float32; in bf16 at most
 * {@code max(2e-2, 2 x the official bf16 op's own error)} (5e-2 for Newton-Schulz cases); a tensor
 * stored as exactly zero must come out below 1e-12 in absolute value; and nothing may be NaN, Inf or
 * all-zero where the stored tensor is not.
 */
public final class Tolerances {
  /** Absolute bound for tensors whose stored value is exactly zero. */
  public static final double ZERO_ABS = 1e-12;

  private Tolerances() {}

  /**
   * The relative tolerance for one tensor.
   *
   * @param officialBf16Error the official op's bf16 error for this tensor, or NaN if none is stored
   * @param newtonSchulzCase whether the case is a Newton-Schulz case
   */
  public static double relative(DType dtype, double officialBf16Error, boolean newtonSchulzCase) {
    return switch (dtype) {
      case FLOAT64 -> 1e-9;
      case FLOAT32 -> 1e-4;
      case BFLOAT16 -> newtonSchulzCase
          ? 5e-2
          : Math.max(2e-2, Double.isNaN(officialBf16Error) ? 0.0 : 2.0 * officialBf16Error);
    };
  }

  /** How much coarser bf16 operands round than float32: 2^-8 against 2^-24 unit roundoff. */
  public static final double BF16_OVER_FLOAT32_ROUNDOFF = 0x1p16;

  /**
   * The bf16 bound for a tensor that has no official bf16 error (inputs outside the fixtures), for
   * computations whose float32 run rounds where the bf16 run does: the same backend's float32 error
   * on the same inputs measures how much the case amplifies rounding, and bf16 rounds {@value
   * #BF16_OVER_FLOAT32_ROUNDOFF} times coarser, twice per product where its results are stored in
   * bf16 too (Newton-Schulz). With the fixtures' margin of 2 that is {@code max(floor, 4 x 2^16 x
   * float32 error)}, the floor 2e-2 (5e-2 for Newton-Schulz) as there.
   */
  public static double bf16FromFloat32(double float32Error, boolean newtonSchulzCase) {
    double floor = newtonSchulzCase ? 5e-2 : 2e-2;
    return Math.max(floor, 4 * BF16_OVER_FLOAT32_ROUNDOFF * float32Error);
  }

  /**
   * The bf16 bound on inputs outside the fixtures for an op whose updates feed later updates
   * (Muon or momentum): relative error below 1, that is closer to the reference than a zero tensor.
   * No tighter bound is known there: the official op's own bf16 error with Muon is 4-32% on the
   * output and up to 100% on gradients of the fixtures, chunk-to-chunk recursions amplify bf16
   * rounding, and a float32 run (whose update path is float64 with Muon) does not measure that
   * amplification. Accuracy with those options is held to the official op's error on the fixtures.
   */
  public static final double BF16_RECURSIVE = 1.0;

  /**
   * {@code ||ours - ref|| / ||ref||}, or the largest absolute value of {@code ours} if ref is zero.
   *
   * @throws IllegalArgumentException if the shapes differ
   */
  public static double relativeError(HostTensor ours, HostTensor ref) {
    if (!ours.sameShape(ref)) {
      throw new IllegalArgumentException("shape " + ours.shapeString() + " != " + ref.shapeString());
    }
    double[] a = ours.data();
    double[] b = ref.data();
    double diff = 0;
    double base = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      diff += d * d;
      base += b[i] * b[i];
    }
    if (base == 0) {
      return ours.maxAbs();
    }
    return Math.sqrt(diff) / Math.sqrt(base);
  }

  /**
   * The outcome of comparing one tensor.
   *
   * @param error relative Frobenius error (absolute max for a zero reference; NaN if not comparable)
   * @param failure null if it agrees, else why not
   */
  public record Verdict(double error, String failure) {}

  /** Compares one tensor against {@code tolerance}. */
  public static Verdict check(HostTensor ours, HostTensor ref, double tolerance) {
    if (ours == null) {
      return new Verdict(Double.NaN, "missing");
    }
    if (!ours.sameShape(ref)) {
      return new Verdict(Double.NaN, "shape " + ours.shapeString() + " != " + ref.shapeString());
    }
    double err = relativeError(ours, ref);
    if (ours.firstNonFinite() >= 0) {
      return new Verdict(err, "non-finite values");
    }
    if (ref.maxAbs() == 0) {
      return new Verdict(err, ours.maxAbs() <= ZERO_ABS ? null : "should be zero, max |x| = " + ours.maxAbs());
    }
    if (ours.maxAbs() == 0) {
      return new Verdict(err, "all zero where the reference is not");
    }
    return new Verdict(err, err <= tolerance ? null : "relative error " + err + " > " + tolerance);
  }
}
