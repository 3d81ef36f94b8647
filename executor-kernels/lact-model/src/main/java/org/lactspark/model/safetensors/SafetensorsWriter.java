package org.lactspark.model.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes safetensors files as F32, F64 or BF16. Tensors are laid out in the order given, back to
 * back; the header is padded with spaces so the byte buffer starts at a multiple of 8 (readers that
 * map the file can then view F64 data in place). The file is written under a temporary name in the
 * same directory and moved into place, so the final name only ever holds a complete file.
 */
public final class SafetensorsWriter {
  private static final Logger LOG = LoggerFactory.getLogger(SafetensorsWriter.class);
  private static final Set<StDType> WRITABLE = Set.of(StDType.F32, StDType.F64, StDType.BF16);

  private SafetensorsWriter() {}

  /**
   * A tensor to write: a name, a row-major shape and its values as floats or as doubles (exactly one
   * of {@code data} and {@code doubleData} is non-null). The shape is copied; the value arrays are
   * not (they may be large) and are read when the file is written. Checks of the name and of the
   * shape against the values happen in {@link SafetensorsWriter#write}, where the message can
   * name the file.
   *
   * @param data the values as floats, or null for a tensor made from doubles
   * @param doubleData the values as doubles, or null for a float tensor
   */
  public record NamedTensor(String name, long[] shape, float[] data, double[] doubleData) {

    public NamedTensor {
      Objects.requireNonNull(shape, "shape");
      shape = shape.clone();
      if ((data == null) == (doubleData == null)) {
        throw new IllegalArgumentException(
            "tensor '" + name + "': give exactly one of float data and double data");
      }
    }

    /** A float tensor; the same as {@link #of(String, long[], float[])}. */
    public NamedTensor(String name, long[] shape, float[] data) {
      this(name, shape, Objects.requireNonNull(data, "data"), null);
    }

    /** A float tensor. */
    public static NamedTensor of(String name, long[] shape, float[] data) {
      return new NamedTensor(name, shape, data);
    }

    /** A double tensor, kept exact when written as F64 and rounded once to F32 or BF16. */
    public static NamedTensor of(String name, long[] shape, double[] data) {
      return new NamedTensor(name, shape, null, Objects.requireNonNull(data, "data"));
    }

    /** The same as {@link #of(String, long[], double[])}, for call sites that want to say so. */
    public static NamedTensor ofDoubles(String name, long[] shape, double[] data) {
      return of(name, shape, data);
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** The number of values given, whichever array holds them. */
    public int length() {
      return data != null ? data.length : doubleData.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof NamedTensor t
          && Objects.equals(name, t.name)
          && Arrays.equals(shape, t.shape)
          && Arrays.equals(data, t.data)
          && Arrays.equals(doubleData, t.doubleData);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(data),
          Arrays.hashCode(doubleData));
    }

    /** Name, shape and length only: the values may be millions of numbers. */
    @Override
    public String toString() {
      return "NamedTensor[" + name + " " + Arrays.toString(shape) + ", " + length() + " "
          + (data != null ? "floats" : "doubles") + "]";
    }
  }

  /**
   * Writes {@code tensors} to {@code file}, replacing any file there.
   *
   * @param metadata the {@code __metadata__} strings; null or empty writes none
   * @param dtype F32, F64 or BF16 (rounded to nearest even, NaN kept NaN)
   * @throws IllegalArgumentException for a bad dtype, an empty, reserved or repeated name, a
   *     negative dimension or a shape that does not match the data length; nothing is written then
   * @throws IOException if writing fails; any temporary file is deleted and {@code file} is left as
   *     it was
   */
  public static void write(Path file, List<NamedTensor> tensors, Map<String, String> metadata,
      StDType dtype) throws IOException {
    String source = file.toString();
    if (!WRITABLE.contains(dtype)) {
      throw new IllegalArgumentException(source + ": cannot write dtype " + dtype
          + " (the writer supports F32, F64 and BF16)");
    }
    Map<String, String> meta = metadata == null ? Map.of() : metadata;
    checkTensors(tensors, source);
    byte[] header = header(tensors, meta, dtype, source);

    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        TensorEncoder.writeFully(channel, ByteBuffer.wrap(header));
        TensorEncoder encoder = new TensorEncoder(dtype);
        for (NamedTensor t : tensors) {
          encoder.write(channel, t);
        }
        // on disk before the rename, so a crash cannot leave the final name on an empty file
        channel.force(true);
      }
      moveIntoPlace(tmp, file);
      LOG.debug("{}: wrote {} tensors as {}", file, tensors.size(), dtype);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void moveIntoPlace(Path tmp, Path file) throws IOException {
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void checkTensors(List<NamedTensor> tensors, String source) {
    Set<String> names = new HashSet<>();
    for (NamedTensor t : tensors) {
      String name = t.name();
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException(source + ": a tensor name is empty");
      }
      if (name.equals(HeaderParser.METADATA_KEY)) {
        throw new IllegalArgumentException(source + ": tensor name '" + name
            + "' is reserved for the metadata");
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException(source + ": duplicate tensor name '" + name + "'");
      }
      long elements = 1;
      for (long d : t.shape()) {
        if (d < 0) {
          throw new IllegalArgumentException(source + ": tensor '" + name + "': shape "
              + Arrays.toString(t.shape()) + " has a negative dimension");
        }
        elements = Math.multiplyExact(elements, d);
      }
      if (elements != t.length()) {
        throw new IllegalArgumentException(source + ": tensor '" + name + "': shape "
            + Arrays.toString(t.shape()) + " needs " + elements + " values but data has "
            + t.length());
      }
    }
  }

  /** The 8-byte length and the JSON header, padded with spaces to a multiple of 8 in all. */
  private static byte[] header(List<NamedTensor> tensors, Map<String, String> metadata,
      StDType dtype, String source) throws IOException {
    ObjectNode root = StrictJson.MAPPER.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject(HeaderParser.METADATA_KEY);
      metadata.forEach((k, v) -> meta.put(
          requireText(k, "metadata key", source), requireText(v, "metadata value", source)));
    }
    long offset = 0;
    for (NamedTensor t : tensors) {
      long end = offset + (long) t.length() * dtype.byteSize();
      ObjectNode entry = root.putObject(t.name());
      entry.put("dtype", dtype.formatName());
      ArrayNode shape = entry.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] json = StrictJson.MAPPER.writeValueAsBytes(root);
    int padding = (8 - json.length % 8) % 8;
    int length = json.length + padding;
    if (length > HeaderReader.MAX_HEADER_BYTES) {
      throw new IllegalArgumentException(source + ": header would be " + length
          + " bytes, over the format's limit of " + HeaderReader.MAX_HEADER_BYTES);
    }
    ByteBuffer out = ByteBuffer.allocate(8 + length).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(length).put(json);
    while (out.hasRemaining()) {
      out.put((byte) ' ');
    }
    return out.array();
  }

  private static String requireText(String s, String what, String source) {
    if (s == null) {
      throw new IllegalArgumentException(source + ": null " + what);
    }
    return s;
  }
}
