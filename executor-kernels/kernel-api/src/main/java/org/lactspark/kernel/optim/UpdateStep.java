package org.lactspark.kernel.optim;

/**
 * The driver's update of a synchronous step, in one place for the train job and the GPU host's
 * harness: the summed gradient becomes the mean over scored positions, is clipped to a global norm,
 * and AdamW applies it unless that would leave a parameter non-finite.
 */
public final class UpdateStep {
  private UpdateStep() {}

  /**
   * What one update did.
   *
   * @param gradNorm the mean gradient's global norm before clipping (NaN without a gradient)
   * @param applied whether the parameters changed
   */
  public record Result(double gradNorm, boolean applied) {}

  /**
   * Applies the summed gradient {@code grad} of {@code scored} positions to {@code params} (both
   * changed in place: the gradient is scaled and clipped).
   *
   * @param clipNorm the global norm to clip to; 0 never clips
   */
  public static Result apply(AdamW adam, float[] params, float[] grad, long scored, double lr, double clipNorm) {
    if (grad == null || scored <= 0) {
      return new Result(Double.NaN, false);
    }
    double norm = scale(grad, 1.0 / scored);
    if (!Double.isFinite(norm)) {
      return new Result(norm, false);
    }
    if (clipNorm > 0 && norm > clipNorm) {
      scale(grad, clipNorm / norm);
    }
    return new Result(norm, adam.stepIfFinite(params, grad, lr));
  }

  /** Multiplies {@code v} by {@code s} in place and returns the result's L2 norm. */
  public static double scale(float[] v, double s) {
    double sq = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (v[i] * s);
      sq += (double) v[i] * v[i];
    }
    return Math.sqrt(sq);
  }
}
