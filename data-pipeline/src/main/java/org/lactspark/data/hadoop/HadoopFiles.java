package org.lactspark.data.hadoop;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lactspark.data.dataset.Manifest;

/**
 * Writing a dataset directory on a Hadoop filesystem: files are written under a temporary name and
 * renamed into place, the manifest last, so an interrupted run never leaves a directory that looks
 * complete; and a directory that already holds data is replaced only when asked.
 */
public final class HadoopFiles {
  /** Where files are written before they are renamed into place; removed when the run ends. */
  public static final String TEMPORARY = "_temporary";

  private HadoopFiles() {}

  /** Body of a write to an output stream. */
  @FunctionalInterface
  public interface Writer {
    /** Writes the file's bytes. */
    void write(OutputStream out) throws IOException;
  }

  /**
   * Writes {@code dir/name} through a temporary file in {@code dir/_temporary} named with
   * {@code attempt}, then renames it into place (replacing a file a failed attempt left).
   */
  public static void writeAtomically(FileSystem fs, Path dir, String name, String attempt, Writer body)
      throws IOException {
    Path tmp = new Path(new Path(dir, TEMPORARY), name + "." + attempt + ".partial");
    Path target = new Path(dir, name);
    try (OutputStream out = fs.create(tmp, true)) {
      body.write(out);
    }
    if (fs.exists(target) && !fs.delete(target, false)) {
      throw new IOException("cannot replace " + target);
    }
    if (!fs.rename(tmp, target)) {
      throw new IOException("cannot rename " + tmp + " to " + target);
    }
  }

  /** Writes the manifest, last: after it the directory is a complete dataset. */
  public static void writeManifest(FileSystem fs, Path dir, Manifest manifest) throws IOException {
    byte[] json = manifest.toJson();
    writeAtomically(fs, dir, Manifest.FILE, "final", out -> out.write(json));
    fs.delete(new Path(dir, TEMPORARY), true);
  }

  /**
   * Makes {@code dir} ready for a new dataset: created if absent; if it holds anything, refused
   * unless {@code overwrite}, in which case its contents are deleted.
   *
   * @throws IOException naming the directory and what it holds
   */
  public static void prepareOutput(FileSystem fs, Path dir, boolean overwrite) throws IOException {
    if (fs.exists(dir)) {
      FileStatus st = fs.getFileStatus(dir);
      if (!st.isDirectory()) {
        throw new IOException("output " + dir + " is a file, not a directory");
      }
      FileStatus[] inside = fs.listStatus(dir);
      if (inside.length > 0) {
        if (!overwrite) {
          boolean dataset = fs.exists(new Path(dir, Manifest.FILE));
          throw new IOException("output " + dir + (dataset ? " already holds a dataset (" + Manifest.FILE + ")"
              : " is not empty and holds no " + Manifest.FILE + " (an unfinished preparation?)")
              + ": choose another directory or pass --overwrite to replace it");
        }
        for (FileStatus s : inside) {
          if (!fs.delete(s.getPath(), true)) {
            throw new IOException("cannot delete " + s.getPath() + " to overwrite " + dir);
          }
        }
      }
    }
    if (!fs.mkdirs(dir)) {
      throw new IOException("cannot create output directory " + dir);
    }
  }
}
