package org.lactspark.kernel.model;

import org.lactspark.kernel.NonFiniteException;

/**
 * What an executor's task computes for one training step, free of Spark and Hadoop so the same code
 * runs under Spark ({@code ModelWorker}) and in the GPU host's harness: the engine's forward and
 * backward over a worker's sequences, {@code microBatch} at a time (gradient accumulation), summed.
 */
public final class TrainSteps {
  private TrainSteps() {}

  /**
   * The summed loss and gradient of one worker's share.
   *
   * @param grad the gradient of the summed token loss, or null when the model met a NaN or an
   *     infinity (then {@code loss} is NaN and the driver skips the step)
   * @param loss the summed token loss
   * @param scored the positions scored
   */
  public record Share(float[] grad, double loss, long scored) {}

  /**
   * Runs the forward and backward over {@code rows} (each row a sequence of {@code length} tokens,
   * {@code starts} its document starts), {@code microBatch} rows per pass.
   */
  public static Share gradients(ModelEngine e, int length, int[][] rows, int[][] starts, int microBatch) {
    ModelEngine.LossSum loss;
    try {
      loss = accumulate(e, length, rows, starts, microBatch);
    } catch (NonFiniteException x) {
      e.takeGradientSum(); // undefined after the failure: dropped, so the next step starts from zero
      return new Share(null, Double.NaN, 0);
    }
    return new Share(e.takeGradientSum(), loss.sum(), loss.scored());
  }

  /**
   * One local step where the engine keeps its parameters (K-step averaging): the forward and
   * backward over the worker's rows as {@link #gradients}, then {@code optimizer} on the mean
   * loss's gradient, clipped to {@code clipNorm}, at {@code lr}; no gradient leaves the engine.
   *
   * @return the summed loss and scored positions, and the gradient norm before clipping (NaN, like
   *     the loss, when the model met a NaN or an infinity; NaN alone when the step was refused)
   */
  public static Local localStep(ModelEngine e, EngineOptimizer optimizer, int length, int[][] rows, int[][] starts,
      int microBatch, double lr, double clipNorm) {
    ModelEngine.LossSum loss;
    try {
      loss = accumulate(e, length, rows, starts, microBatch);
    } catch (NonFiniteException x) {
      e.takeGradientSum(); // undefined after the failure: dropped, so the next step starts from zero
      return new Local(Double.NaN, 0, Double.NaN);
    }
    double norm = optimizer.step(lr, clipNorm, loss.scored() == 0 ? 0.0 : 1.0 / loss.scored());
    return new Local(loss.sum(), loss.scored(), norm);
  }

  /**
   * A local step's result.
   *
   * @param loss the summed token loss (NaN when the model met a NaN or an infinity)
   * @param scored the positions scored
   * @param gradNorm the mean loss's gradient norm before clipping (NaN when no step was taken)
   */
  public record Local(double loss, long scored, double gradNorm) {}

  /** The forward and backward over the rows, micro-batch by micro-batch, into the engine's gradient sum. */
  private static ModelEngine.LossSum accumulate(ModelEngine e, int length, int[][] rows, int[][] starts, int microBatch) {
    ModelEngine.LossSum loss = new ModelEngine.LossSum(0, 0);
    for (int from = 0; from < rows.length; from += microBatch) {
      int to = Math.min(rows.length, from + microBatch);
      loss = loss.plus(e.accumulate(TokenBatch.ofSequences(length, rows, starts, from, to)));
    }
    return loss;
  }

  /** The summed loss over {@code rows} without gradients (validation). */
  public static ModelEngine.LossSum loss(ModelEngine e, int length, int[][] rows, int[][] starts, int microBatch) {
    ModelEngine.LossSum loss = new ModelEngine.LossSum(0, 0);
    for (int from = 0; from < rows.length; from += microBatch) {
      loss = loss.plus(e.loss(TokenBatch.ofSequences(length, rows, starts, from, Math.min(rows.length, from + microBatch))));
    }
    return loss;
  }
}
