package org.lactspark.kernel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bench}: benchmarks of the compute kernels ({@code lact-op}) and of a whole training step
 * ({@code train-step}, on whichever backend registered a {@link TrainStepBenchmark}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmark a kernel or a training step; prints one JSON line of results.",
    subcommands = {LactOpBench.class, TrainStepCommand.class})
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing benchmark name (try: bench lact-op or bench train-step)");
  }
}
