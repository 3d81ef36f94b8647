package org.lactspark.kernel;

/**
 * FLOP counts as the reference counts them, so benchmark numbers compare with its docstrings.
 *
 * <p>Forward: {@code 18 * dIn * dH * L * n} for the apply, inner forward and inner gradient, plus
 * {@code 3 * 30 * n * min(dIn, dH)^2 * max(dIn, dH)} Newton-Schulz FLOPs per update when Muon is on.
 * Forward plus backward is counted as three times the forward.
 */
public final class LactFlops {
  private LactFlops() {}

  /** Forward FLOPs of one call. */
  public static double forward(LactSpec spec, int n, int dIn, int dH, int seqLen) {
    double flops = 18.0 * dIn * dH * (double) seqLen * n;
    if (spec.muon()) {
      int updates = LactSchedule.of(spec, seqLen).updates();
      double lo = Math.min(dIn, dH);
      double hi = Math.max(dIn, dH);
      flops += updates * 3.0 * 30.0 * n * lo * lo * hi;
    }
    return flops;
  }

  /** Forward plus backward FLOPs of one call. */
  public static double forwardBackward(LactSpec spec, int n, int dIn, int dH, int seqLen) {
    return 3.0 * forward(spec, n, dIn, dH, seqLen);
  }
}
