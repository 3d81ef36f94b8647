package org.lactspark.data.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where a dataset's files come from: a local directory here; a Hadoop filesystem plugs in as
 * another implementation, so the reader itself needs neither Hadoop nor Spark.
 */
public interface ShardSource {
  /** Opens the dataset file {@code name} (the manifest or a shard). */
  InputStream open(String name) throws IOException;

  /** A description of the location, for messages. */
  String describe();

  /** The files of a local directory. */
  static ShardSource directory(Path dir) {
    return new ShardSource() {
      @Override
      public InputStream open(String name) throws IOException {
        try {
          return Files.newInputStream(dir.resolve(name));
        } catch (NoSuchFileException e) {
          throw new IOException(dir + ": no " + name + (name.equals(Manifest.FILE)
              ? " (not a dataset, or one whose preparation did not finish)" : ""), e);
        }
      }

      @Override
      public String describe() {
        return dir.toString();
      }
    };
  }
}
