package org.lactspark.kernel.golden;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lactspark.kernel.HostTensor;

/**
 * Reads NumPy {@code .npy} files (format versions 1 to 3, little-endian float64 or float32, C
 * order) into {@link HostTensor}s, and writes float64 and int64 ones (format version 1).
 *
 * <p>Hand-written because the format is a ten-line header plus raw data, and the only Java readers
 * on Maven Central come with ND4J, which this package must not need at run time.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /**
   * Reads one file.
   *
   * @throws IOException if it cannot be read, or is not a float64/float32 C-order array; the message
   *     names the file
   */
  public static HostTensor read(Path file) throws IOException {
    return read(file, file.toString());
  }

  /**
   * Reads one file, naming it {@code label} in error messages.
   *
   * @throws IOException if it cannot be read, or is not a well-formed float64/float32 C-order array
   */
  public static HostTensor read(Path file, String label) throws IOException {
    long size = Files.size(file);
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
      return read(in, label, size);
    } catch (java.io.EOFException e) {
      throw new IOException(label + ": truncated (" + size + " bytes)", e);
    }
  }

  private static HostTensor read(DataInputStream in, String name, long fileSize) throws IOException {
    byte[] magic = new byte[6];
    in.readFully(magic);
    for (int i = 0; i < 6; i++) {
      if (magic[i] != MAGIC[i]) {
        throw new IOException(name + ": not a .npy file (bad magic)");
      }
    }
    int major = in.readUnsignedByte();
    in.readUnsignedByte();
    int headerLen;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
    } else if (major == 2 || major == 3) {
      headerLen = Integer.reverseBytes(in.readInt());
    } else {
      throw new IOException(name + ": unsupported .npy format version " + major);
    }
    if (headerLen < 0 || headerLen > fileSize) {
      throw new IOException(name + ": header length " + Integer.toUnsignedString(headerLen)
          + " exceeds the file size " + fileSize);
    }
    byte[] header = new byte[headerLen];
    in.readFully(header);
    String h = new String(header, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, h, name, "descr");
    if (group(FORTRAN, h, name, "fortran_order").equals("True")) {
      throw new IOException(name + ": Fortran-order arrays are not supported");
    }
    int[] shape = parseShape(group(SHAPE, h, name, "shape"), name);
    int width = switch (descr) {
      case "<f8" -> 8;
      case "<f4", "<i4" -> 4;
      case "<i8" -> 8;
      default -> throw new IOException(name + ": dtype '" + descr + "' is not supported (need <f8, <f4, <i8 or <i4)");
    };
    long count = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IOException(name + ": negative dimension in shape " + java.util.Arrays.toString(shape));
      }
      count *= d;
      if (count * width > fileSize) {
        throw new IOException(name + ": shape " + java.util.Arrays.toString(shape)
            + " needs more data than the file's " + fileSize + " bytes");
      }
    }
    byte[] bytes = new byte[(int) (count * width)];
    try {
      in.readFully(bytes);
    } catch (java.io.EOFException e) {
      throw new IOException(name + ": truncated: header promises " + count + " elements", e);
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    double[] data = new double[(int) count];
    for (int i = 0; i < data.length; i++) {
      data[i] = switch (descr) {
        case "<f8" -> buf.getDouble();
        case "<f4" -> buf.getFloat();
        case "<i8" -> (double) buf.getLong();
        default -> (double) buf.getInt();
      };
    }
    return HostTensor.of(data, shape);
  }

  private static String group(Pattern p, String header, String name, String key) throws IOException {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IOException(name + ": header has no '" + key + "'");
    }
    return m.group(1);
  }

  private static int[] parseShape(String text, String name) throws IOException {
    List<Integer> dims = new ArrayList<>();
    for (String part : text.split(",")) {
      String t = part.trim();
      if (!t.isEmpty()) {
        try {
          dims.add(Integer.parseInt(t));
        } catch (NumberFormatException e) {
          throw new IOException(name + ": bad shape '(" + text + ")'", e);
        }
      }
    }
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Writes {@code t} as a little-endian float64 C-order array (rank 0 writes a scalar). */
  public static void write(Path file, HostTensor t) throws IOException {
    ByteBuffer body = ByteBuffer.allocate(8 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : t.data()) {
      body.putDouble(v);
    }
    write(file, "<f8", t.shape(), body.array());
  }

  /** Writes whole numbers as a little-endian int64 C-order array of {@code shape}. */
  public static void writeInt64(Path file, long[] values, int... shape) throws IOException {
    long count = 1;
    for (int d : shape) {
      count *= d;
    }
    if (count != values.length) {
      throw new IllegalArgumentException(file + ": " + values.length + " values for shape " + java.util.Arrays.toString(shape));
    }
    ByteBuffer body = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      body.putLong(v);
    }
    write(file, "<i8", shape, body.array());
  }

  private static void write(Path file, String descr, int[] shape, byte[] body) throws IOException {
    StringBuilder dims = new StringBuilder();
    for (int d : shape) {
      dims.append(d).append(", ");
    }
    String tuple = shape.length == 0 ? "()" : shape.length == 1 ? "(" + shape[0] + ",)"
        : "(" + dims.substring(0, dims.length() - 2) + ")";
    StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple + ", }");
    // magic (6) + version (2) + length (2) + header + newline, padded with spaces to a multiple of 64
    while ((10 + header.length() + 1) % 64 != 0) {
      header.append(' ');
    }
    header.append('\n');
    byte[] h = header.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
      out.write(MAGIC);
      out.write(new byte[] {1, 0, (byte) (h.length & 0xff), (byte) (h.length >> 8)});
      out.write(h);
      out.write(body);
    }
  }
}
