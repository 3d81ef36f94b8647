package org.lactspark.kernel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the compute-only command line ({@code java -cp <kernel jars> ...KernelMain}); the
 * full {@code bin/lact} launcher mounts the same commands next to the Spark ones.
 */
@Command(
    name = "lact-kernels",
    mixinStandardHelpOptions = true,
    description = "LaCT compute kernels: conformance on golden vectors and benchmarks.",
    subcommands = {ConformanceCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class KernelMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    System.exit(Cli.execute(new KernelMain(), args));
  }
}
