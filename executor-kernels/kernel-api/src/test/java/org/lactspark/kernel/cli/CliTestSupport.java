package org.lactspark.kernel.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Runs the kernel command line in-process and captures what it prints. */
final class CliTestSupport {
  private CliTestSupport() {}

  /** Exit status, standard output and standard error of one run. */
  record Run(int status, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Cli.execute(new KernelMain(), new PrintWriter(out), new PrintWriter(err), args);
    return new Run(status, out.toString(), err.toString());
  }

  /** The repository's fixtures/lact-op, found above the working directory. */
  static Path fixtures() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path c = dir.resolve("fixtures/lact-op");
      if (Files.isDirectory(c)) {
        return c;
      }
    }
    throw new IllegalStateException("fixtures/lact-op not found");
  }

  /** Copies one case folder into {@code root}. */
  static Path copyCase(String name, Path root) {
    Path from = fixtures().resolve(name);
    Path to = root.resolve(name);
    try (Stream<Path> files = Files.list(from)) {
      Files.createDirectories(to);
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return to;
  }
}
