package org.lactspark.kernel.model;

import java.util.Optional;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.optim.AdamWConfig;

/**
 * One executor-resident LaCT language model that computes training steps: it takes the flat
 * parameter vector (the order and shapes of {@link org.lactspark.kernel.params.LactModelLayout}, the
 * same for every engine, so checkpoints and Spark's vectors are exchanged unchanged) and returns
 * the loss and gradient summed over token positions, so that several workers' results add up to
 * the global batch's whatever the split. Not thread-safe: one task uses an engine at a time.
 */
public interface ModelEngine extends AutoCloseable {
  /** The engine's name ({@code nd4j}, {@code cuda}). */
  String backend();

  /** What it runs on, for logs ({@code "CPU"}, {@code "GPU 0: NVIDIA H100 80GB HBM3"}). */
  String device();

  /** The model. */
  ModelConfig config();

  /** The flat parameter vector's length. */
  long size();

  /**
   * Installs a parameter vector given as consecutive chunks (together {@link #size()} values), so
   * a vector of any size is never copied whole.
   *
   * @throws IllegalArgumentException if the chunks do not hold {@link #size()} values
   */
  void setParams(float[][] chunks);

  /** The installed parameters. */
  float[] params();

  /**
   * Runs the forward and backward pass over {@code batch} and adds the gradient of the summed token
   * loss to the engine's gradient sum (see {@link #takeGradientSum()}).
   *
   * @return the summed loss and the scored positions of this batch
   * @throws org.lactspark.kernel.NonFiniteException if the model meets a NaN or an infinity (the
   *     gradient sum is then undefined until taken)
   */
  LossSum accumulate(TokenBatch batch);

  /** The summed loss over {@code batch}, without gradients (validation). */
  LossSum loss(TokenBatch batch);

  /** The gradient summed since the last call (zeros if nothing was accumulated), then restarts the sum. */
  float[] takeGradientSum();

  /**
   * An optimiser that runs where this engine keeps its parameters, with {@code config} and weight
   * decay on the layout's matrices (as {@link org.lactspark.kernel.optim.AdamW#forLayout}), or
   * empty when the engine has none (the caller then steps on the host with the gradient sum).
   */
  default Optional<EngineOptimizer> optimizer(AdamWConfig config) {
    return Optional.empty();
  }

  /** Frees what the engine holds (device memory for native engines). */
  @Override
  void close();

  /**
   * A loss summed over positions.
   *
   * @param sum the summed natural-log cross-entropy
   * @param scored the positions scored
   */
  record LossSum(double sum, long scored) {
    /** The mean loss per scored position (0 when nothing was scored). */
    public double mean() {
      return scored == 0 ? 0.0 : sum / scored;
    }

    /** This sum plus {@code o}. */
    public LossSum plus(LossSum o) {
      return new LossSum(sum + o.sum, scored + o.scored);
    }
  }
}
