package org.lactspark.driver.train;

/** Training stopped: too many steps in a row had a NaN or infinite loss or gradient. */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A divergence at {@code step}. */
  public TrainingDivergedException(int step, int inARow) {
    super("training diverged: " + inARow + " steps in a row up to step " + step + " had a NaN or infinite loss or "
        + "gradient (lower lr, raise warmupSteps, or resume from an earlier checkpoint)");
  }
}
