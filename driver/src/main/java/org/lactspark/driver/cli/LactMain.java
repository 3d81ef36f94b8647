package org.lactspark.driver.cli;

import org.lactspark.kernel.cli.BenchCommand;
import org.lactspark.kernel.cli.Cli;
import org.lactspark.kernel.cli.ConformanceCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code bin/lact} entry point. Today it mounts the compute-only commands of {@code
 * kernel-api}; the Spark jobs ({@code prepare}, {@code train}, {@code eval}) join it as their issues
 * land.
 */
@Command(
    name = "lact",
    mixinStandardHelpOptions = true,
    versionProvider = LactMain.Version.class,
    description = "lact-spark: train and evaluate LaCT models on Apache Spark.",
    subcommands = {PrepareCommand.class, TrainCommand.class, EvalCommand.class, GenerateCommand.class, ConformanceCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class LactMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (try: lact --help)");
  }

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit status (for tests). */
  public static int run(String... args) {
    return Cli.execute(new LactMain(), args);
  }

  /** The version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = LactMain.class.getPackage().getImplementationVersion();
      return new String[] {"lact-spark " + (v == null ? "(development build)" : v)};
    }
  }
}
