package org.lactspark.kernel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bench}: benchmarks of the compute kernels. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmark a kernel; prints one JSON line of results.",
    subcommands = {LactOpBench.class})
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing benchmark name (try: bench lact-op)");
  }
}
