package org.lactspark.model.safetensors;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open safetensors file. {@link #open} reads and checks the whole header, so every later call
 * works on a file known to be well formed; tensor data is read on demand. Reads are positional, so
 * one instance may serve several threads. Errors in the file are {@link IOException}s and caller
 * mistakes (an unknown name, floats asked of an integer tensor) {@link IllegalArgumentException}s;
 * both name the file, the tensor and the rule.
 */
public final class SafetensorsFile implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SafetensorsFile.class);

  private final Path path;
  private final FileChannel channel;
  private final Header header;
  private final Map<String, TensorInfo> byName;
  private final TensorReader reader;

  private SafetensorsFile(Path path, FileChannel channel, Header header) {
    this.path = path;
    this.channel = channel;
    this.header = header;
    this.byName = new HashMap<>();
    for (TensorInfo t : header.tensors()) {
      byName.put(t.name(), t);
    }
    this.reader = new TensorReader(channel, header.dataStart(), path.toString());
  }

  /**
   * Opens {@code file} and validates its header and layout.
   *
   * @throws IOException if the file cannot be read or breaks a rule of the format; the message
   *     names the file, the tensor where there is one, and the rule
   */
  public static SafetensorsFile open(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      Header header = HeaderReader.read(channel, file.toString());
      LOG.debug("{}: {} tensors, {} metadata entries", file, header.tensors().size(),
          header.metadata().size());
      return new SafetensorsFile(file, channel, header);
    } catch (IOException | RuntimeException e) {
      try {
        channel.close();
      } catch (IOException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /** The path this file was opened from. */
  public Path path() {
    return path;
  }

  /** All tensors in file order, that is by their offset in the byte buffer. */
  public List<TensorInfo> tensors() {
    return header.tensors();
  }

  /** The tensor called {@code name}, or null if the file has none. */
  public TensorInfo info(String name) {
    return byName.get(name);
  }

  /** The {@code __metadata__} strings in file order; empty if the file has none. */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /**
   * The tensor's values as floats, row-major, from F32 (as stored), F16 and BF16 (exactly) or F64
   * (rounded to nearest).
   *
   * @throws IllegalArgumentException if there is no such tensor or its dtype is not a float type
   */
  public float[] readFloats(String name) throws IOException {
    return reader.readFloats(require(name));
  }

  /**
   * The tensor's values as doubles, row-major, from F64, F32, F16 or BF16 (all exactly).
   *
   * @throws IllegalArgumentException if there is no such tensor or its dtype is not a float type
   */
  public double[] readDoubles(String name) throws IOException {
    return reader.readDoubles(require(name));
  }

  /**
   * The tensor's raw little-endian bytes, for dtypes without a conversion here (integers, BOOL).
   *
   * @throws IllegalArgumentException if there is no such tensor
   */
  public byte[] readBytes(String name) throws IOException {
    return reader.readBytes(require(name));
  }

  private TensorInfo require(String name) {
    TensorInfo t = byName.get(name);
    if (t == null) {
      throw new IllegalArgumentException(path + ": no tensor '" + name + "' (the file has "
          + byName.size() + " tensors)");
    }
    return t;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + path + ", " + header.tensors().size() + " tensors]";
  }
}
