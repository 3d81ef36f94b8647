package org.lactspark.kernel.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the repository's copy of the golden vectors: the system property {@value #PROPERTY} if set,
 * else the nearest {@code fixtures/lact-op} above the working directory. Tests never read fixtures
 * from outside the repository.
 */
public final class Fixtures {
  /** System property overriding the location of {@code fixtures/lact-op}. */
  public static final String PROPERTY = "lact.fixtures.op";

  private Fixtures() {}

  /** The {@code fixtures/lact-op} directory. */
  public static Path lactOp() {
    String prop = System.getProperty(PROPERTY);
    if (prop != null) {
      return Path.of(prop);
    }
    return named("lact-op");
  }

  /** The {@code fixtures/lact-layer} directory (whole-layer golden vectors). */
  public static Path lactLayer() {
    return named("lact-layer");
  }

  /** The {@code fixtures/lact-model} directory (whole-model golden vectors). */
  public static Path lactModel() {
    return named("lact-model");
  }

  /** The nearest {@code fixtures/<name>} above the working directory. */
  private static Path named(String name) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("fixtures").resolve(name);
      if (Files.isRegularFile(candidate.resolve("README.md"))) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "fixtures/" + name + " not found above " + Path.of("").toAbsolutePath());
  }
}
