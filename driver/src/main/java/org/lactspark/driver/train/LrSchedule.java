package org.lactspark.driver.train;

/**
 * The learning rate at each step (lact-spec 1.12): linear warm-up from 0 to {@code peak} over
 * {@code warmup} steps, then cosine decay to {@code floor * peak} at the last step.
 *
 * @param peak the peak rate
 * @param warmup warm-up steps
 * @param steps total steps
 * @param floor the final rate as a fraction of the peak
 */
public record LrSchedule(double peak, int warmup, int steps, double floor) {
  /** The rate of step {@code step} (from 1). */
  public double at(int step) {
    if (step <= warmup) {
      return peak * step / Math.max(1, warmup);
    }
    double progress = (double) (step - warmup) / Math.max(1, steps - warmup);
    double cosine = 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
    return peak * (floor + (1 - floor) * cosine);
  }
}
