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

  /**
   * How well this suite checks {@code backend}: among the suites of a kind, the highest preference
   * runs; a negative one never does. A suite that builds the model around any backend's op (the
   * ND4J model) returns 0; one that is the backend's own whole model (the native CUDA model) more.
   */
  default int preference(String backend) {
    return 0;
  }

  /**
   * The suite called {@code name} ({@code layer}, {@code model}) that best checks {@code backend},
   * or null if none on the class path does.
   */
  static GoldenSuite named(String name, String backend) {
    return best(s -> s.name().equals(name), backend);
  }

  /**
   * The suite owning {@code fixtures} (by its README's title) that best checks {@code backend}, or
   * null for the op's own golden vectors.
   */
  static GoldenSuite forFixtures(Path fixtures, String backend) throws IOException {
    Path readme = fixtures.resolve("README.md");
    if (!Files.isRegularFile(readme)) {
      return null;
    }
    String title = Files.readAllLines(readme, java.nio.charset.StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith("# ")).findFirst().orElse("");
    return best(s -> s.acceptsTitle(title), backend);
  }

  private static GoldenSuite best(java.util.function.Predicate<GoldenSuite> accepts, String backend) {
    GoldenSuite best = null;
    for (GoldenSuite s : ServiceLoader.load(GoldenSuite.class)) {
      if (accepts.test(s) && s.preference(backend) >= 0
          && (best == null || s.preference(backend) > best.preference(backend))) {
        best = s;
      }
    }
    return best;
  }
}
