package org.lactspark.kernel.cli;

import java.io.PrintWriter;
import org.lactspark.kernel.KernelException;
import picocli.CommandLine;

/**
 * Shared command-line plumbing: a caller's mistake (bad option, bad value, bad input file) is one
 * line on standard error and exit status 2; a backend failure is one line and status 3; anything
 * else is a bug and keeps its stack trace.
 */
public final class Cli {
  /** Exit status for a usage or input error. */
  public static final int USAGE = 2;
  /** Exit status for a backend or environment failure. */
  public static final int BACKEND = 3;

  private Cli() {}

  /** Executes {@code command} with the project's error handling and returns the exit status. */
  public static int execute(Object command, String... args) {
    return execute(command, null, null, args);
  }

  /**
   * As {@link #execute(Object, String...)}, writing to {@code out} and {@code err} (null: the
   * standard streams).
   */
  public static int execute(Object command, PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(command);
    for (CliExtension ext : CliExtension.all()) {
      CommandLine parent = ext.parent().isEmpty() ? cl : cl.getSubcommands().get(ext.parent());
      if (parent != null) {
        parent.addSubcommand(ext.command());
      }
    }
    cl.setExecutionExceptionHandler(Cli::handle);
    cl.setParameterExceptionHandler(Cli::usage);
    if (out != null) {
      cl.setOut(out);
    }
    if (err != null) {
      cl.setErr(err);
    }
    try {
      return cl.execute(args);
    } catch (OutOfMemoryError e) {
      cl.getErr().println("error: out of memory (" + e.getMessage()
          + "); give the JVM more, e.g. LACT_JAVA_OPTS=-Xmx16g, or use smaller shapes");
      cl.getErr().flush();
      return BACKEND;
    }
  }

  /** A bad option or argument: one line naming it, and where to find help. */
  private static int usage(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    cl.getErr().println("error: " + e.getMessage() + " (see: " + cl.getCommandSpec().qualifiedName() + " --help)");
    cl.getErr().flush();
    return USAGE;
  }

  private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    if (e instanceof IllegalArgumentException || e instanceof java.io.IOException
        || e instanceof java.io.UncheckedIOException) {
      // a message-less exception still says what it is
      err.println("error: " + (e.getMessage() == null ? e : e.getMessage()));
      return USAGE;
    }
    if (e instanceof KernelException) {
      err.println("backend error: " + e.getMessage());
      return BACKEND;
    }
    throw new IllegalStateException(e);
  }
}
