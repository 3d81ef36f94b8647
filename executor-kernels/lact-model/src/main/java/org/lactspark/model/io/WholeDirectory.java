package org.lactspark.model.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes a directory whole or not at all: the files go into a temporary sibling, which is renamed
 * into place once complete and removed if anything fails, so a directory that exists under the
 * target name is complete. The target must be absent or empty; nothing of a non-empty one is
 * touched.
 */
public final class WholeDirectory {
  private WholeDirectory() {}

  /** Fills a directory. */
  @FunctionalInterface
  public interface Filler {
    /** Writes everything into {@code dir}, which exists and is empty. */
    void fill(Path dir) throws IOException;
  }

  /**
   * Writes {@code target} through {@code filler}.
   *
   * @param why what to tell a user whose target is not empty (for example "export writes a new
   *     directory (remove it or choose another)")
   * @throws IOException naming the target if it exists and is not an empty directory, or if
   *     writing fails
   */
  public static void write(Path target, String why, Filler filler) throws IOException {
    Path dir = target.toAbsolutePath().normalize();
    requireEmptyOrAbsent(dir, why);
    Files.createDirectories(dir.getParent());
    Path tmp = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".partial");
    try {
      filler.fill(tmp);
      if (Files.isDirectory(dir)) {
        Files.delete(dir); // empty, checked above
      }
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir);
      }
    } finally {
      deleteRecursively(tmp);
    }
  }

  private static void requireEmptyOrAbsent(Path dir, String why) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + ": exists and is not a directory");
    }
    try (Stream<Path> s = Files.list(dir)) {
      if (s.findAny().isPresent()) {
        throw new IOException(dir + ": not empty; " + why);
      }
    }
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      List<Path> all = s.sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
      for (Path q : all) {
        Files.deleteIfExists(q);
      }
    }
  }
}
