package org.lactspark.kernel.golden;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.spi.KernelBackend;

/**
 * Golden vectors of something larger than the op (the whole layer, the whole model), checked by a
 * module that knows how to build it. {@code conformance} picks the suite whose {@link #accepts}
 * recognises the fixtures folder (by its README's title), and runs the op's own cases otherwise.
 * Implementations are found with {@link ServiceLoader}.
 */
public interface GoldenSuite {

  /** Short name, for example {@code layer}. */
  String name();

  /** Whether this suite owns a fixtures folder whose README title is {@code title}. */
  boolean acceptsTitle(String title);

  /** Runs one case folder; failures become the result's error, never an exception. */
  ConformanceRunner.CaseResult run(Path caseDir, KernelBackend backend, DType dtype);

  /** The suite called {@code name} ({@code layer}, {@code model}), or null if none is on the class path. */
  static GoldenSuite named(String name) {
    for (GoldenSuite s : ServiceLoader.load(GoldenSuite.class)) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  /** The suite owning {@code fixtures}, or null for the op's own golden vectors. */
  static GoldenSuite forFixtures(Path fixtures) throws IOException {
    Path readme = fixtures.resolve("README.md");
    if (!Files.isRegularFile(readme)) {
      return null;
    }
    String title = Files.readAllLines(readme, java.nio.charset.StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith("# ")).findFirst().orElse("");
    for (GoldenSuite s : ServiceLoader.load(GoldenSuite.class)) {
      if (s.acceptsTitle(title)) {
        return s;
      }
    }
    return null;
  }
}
