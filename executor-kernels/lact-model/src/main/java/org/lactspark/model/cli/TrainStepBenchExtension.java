package org.lactspark.model.cli;

import org.lactspark.kernel.cli.CliExtension;

/** Mounts {@link TrainStepBench} as {@code bench train-step}. */
public final class TrainStepBenchExtension implements CliExtension {
  @Override
  public String parent() {
    return "bench";
  }

  @Override
  public Object command() {
    return new TrainStepBench();
  }
}
