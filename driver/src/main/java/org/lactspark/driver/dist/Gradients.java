package org.lactspark.driver.dist;

import java.io.Serializable;

/**
 * What workers return and the driver adds up: the gradient of the summed token loss (null for a
 * loss-only pass), the summed loss, the scored tokens, the sequences and the compute time.
 *
 * @param grad summed gradient over the flat parameter vector, or null
 * @param lossSum summed token loss
 * @param scored tokens scored
 * @param sequences sequences processed
 * @param computeNanos time spent computing (the slowest worker's, once added)
 */
public record Gradients(float[] grad, double lossSum, long scored, long sequences, long computeNanos, boolean sent)
    implements Serializable {

  /** A result; {@code sent} is whether a vector was computed (true exactly when {@code grad} is given). */
  public Gradients(float[] grad, double lossSum, long scored, long sequences, long computeNanos) {
    this(grad, lossSum, scored, sequences, computeNanos, grad != null);
  }

  /**
   * The sum of two results' statistics; compute time is the larger (workers run side by side).
   * Vectors are added apart, chunk by chunk ({@link ChunkedSum}); the sum carries none.
   */
  public Gradients plus(Gradients o) {
    return new Gradients(null, lossSum + o.lossSum, scored + o.scored, sequences + o.sequences,
        Math.max(computeNanos, o.computeNanos), sent || o.sent);
  }

  /** These statistics without the vector, remembering whether there was one (it travels apart). */
  Gradients withoutVector() {
    return new Gradients(null, lossSum, scored, sequences, computeNanos, grad != null);
  }

  /** Whether the task that made this computed a vector (false: loss only, or it failed). */
  boolean sentVector() {
    return sent;
  }

  /** The mean token loss. */
  public double meanLoss() {
    return scored == 0 ? Double.NaN : lossSum / scored;
  }
}
