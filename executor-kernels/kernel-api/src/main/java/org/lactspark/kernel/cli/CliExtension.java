package org.lactspark.kernel.cli;

import java.util.ServiceLoader;

/**
 * A subcommand contributed by a module that {@code kernel-api} cannot depend on (the model's
 * benchmarks), mounted under an existing command by {@link Cli#execute}. Found with {@link
 * ServiceLoader}.
 */
public interface CliExtension {

  /** The name of the command to mount under, for example {@code bench}; empty for a top-level command. */
  String parent();

  /** A new picocli command object. */
  Object command();

  /** Every extension on the class path. */
  static Iterable<CliExtension> all() {
    return ServiceLoader.load(CliExtension.class);
  }
}
