package org.lactspark.model.safetensors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds safetensors files byte by byte for the tests, independently of {@link SafetensorsWriter}:
 * a hand-written JSON header and little-endian data from {@link ByteBuffer}.
 */
final class StBytes {
  private StBytes() {}

  /** The length prefix (the header's UTF-8 length), the header, then the data. */
  static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return file(h.length, h, data);
  }

  /** A file whose length prefix says {@code n}, whatever the header's real length. */
  static byte[] file(long n, byte[] header, byte[] data) {
    return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(n).put(header).put(data).array();
  }

  static Path write(Path dir, String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  static byte[] f32(float... values) {
    ByteBuffer b = le(values.length * 4);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  static byte[] f64(double... values) {
    ByteBuffer b = le(values.length * 8);
    for (double v : values) {
      b.putDouble(v);
    }
    return b.array();
  }

  /** 16-bit patterns (F16, BF16, I16), little-endian. */
  static byte[] u16(int... bits) {
    ByteBuffer b = le(bits.length * 2);
    for (int v : bits) {
      b.putShort((short) v);
    }
    return b.array();
  }

  static byte[] i32(int... values) {
    ByteBuffer b = le(values.length * 4);
    for (int v : values) {
      b.putInt(v);
    }
    return b.array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** A one-tensor header entry. */
  static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape
        + ",\"data_offsets\":[" + begin + "," + end + "]}";
  }

  private static ByteBuffer le(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }
}
