package org.lactspark.driver.metrics;

/**
 * One training step's measurements.
 *
 * @param step the step, from 1
 * @param loss mean token loss of the step's batch
 * @param lr the learning rate used
 * @param gradNorm the global gradient norm before clipping
 * @param skipped whether the step was skipped (NaN/Inf)
 * @param tokens tokens in the batch (scored)
 * @param seconds wall time of the step
 * @param computeSeconds the slowest worker's compute time
 * @param commSeconds the rest: broadcast, scheduling, transfer, the driver's sum and update
 * @param tokensPerSecond tokens per wall second
 * @param mfu model FLOPs utilisation against the peak of all workers
 */
public record StepMetrics(int step, double loss, double lr, double gradNorm, boolean skipped, long tokens,
    double seconds, double computeSeconds, double commSeconds, double tokensPerSecond, double mfu) {

  /** As one JSON line. */
  public String json() {
    return String.format(java.util.Locale.ROOT, "{\"step\":%d,\"loss\":%s,\"lr\":%.6g,\"grad_norm\":%s,\"skipped\":%b,"
        + "\"tokens\":%d,\"seconds\":%.4f,\"compute_seconds\":%.4f,\"comm_seconds\":%.4f,\"tokens_per_s\":%.1f,"
        + "\"mfu\":%.4f}", step, num(loss), lr, num(gradNorm), skipped, tokens, seconds, computeSeconds, commSeconds,
        tokensPerSecond, mfu);
  }

  static String num(double v) {
    return Double.isFinite(v) ? String.format(java.util.Locale.ROOT, "%.6f", v) : "\"" + v + "\"";
  }
}
