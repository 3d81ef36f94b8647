package org.lactspark.kernel.model;

import org.lactspark.kernel.optim.AdamW;

/**
 * AdamW run where a {@link ModelEngine} keeps its parameters (the GPU for the {@code cuda} engine),
 * on the engine's gradient sum, with the arithmetic of {@link AdamW}: K-step averaging's local
 * steps then leave parameters and moments where they are between steps, and only the round's
 * result crosses to the JVM ({@link ModelEngine#params()}, {@link #state()}).
 */
public interface EngineOptimizer {
  /** Installs the moments and step count (the driver's state at a round's start). */
  void restore(AdamW.State state);

  /**
   * One step on the engine's gradient sum times {@code gradScale} (1 / scored positions: the mean
   * loss's gradient), clipped to a global norm of {@code clipNorm} (0: never), at learning rate
   * {@code lr}; the gradient sum is then zero.
   *
   * @return the scaled gradient's norm before clipping, or NaN when the step was refused because it
   *     would have made a parameter non-finite (parameters and moments then unchanged)
   */
  double step(double lr, double clipNorm, double gradScale);

  /** The moments and step count now. */
  AdamW.State state();
}
