package org.lactspark.conf.official;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository's {@code fixtures/<name>}, found as kernel-testkit's {@code Fixtures} finds it
 * (the nearest one above the working directory, marked by its README). conf cannot use that class:
 * kernel-testkit depends on kernel-api, which depends on conf.
 */
final class RepoFixtures {
  private RepoFixtures() {}

  /** The nearest {@code fixtures/<name>} above the working directory. */
  static Path named(String name) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("fixtures").resolve(name);
      if (Files.isRegularFile(candidate.resolve("README.md"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("fixtures/" + name + " not found above " + Path.of("").toAbsolutePath());
  }

  /** The case folder called {@code caseName} in {@code fixtures/<name>}. */
  static Path caseDir(String name, String caseName) {
    Path dir = named(name).resolve(caseName);
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("fixture case " + dir + " does not exist");
    }
    return dir;
  }
}
