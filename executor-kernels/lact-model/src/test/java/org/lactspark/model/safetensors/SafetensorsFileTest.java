package org.lactspark.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lactspark.model.safetensors.StBytes.entry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading valid files built byte by byte in the test. */
class SafetensorsFileTest {
  @TempDir Path tmp;

  private SafetensorsFile open(String header, byte[] data) throws IOException {
    return SafetensorsFile.open(StBytes.write(tmp, "t.safetensors", StBytes.file(header, data)));
  }

  @Test
  void readsF32RowMajor() throws IOException {
    float[] values = {1f, -2.5f, 0.1f, Float.MIN_VALUE, -0f, Float.MAX_VALUE};
    try (SafetensorsFile f = open("{" + entry("w", "F32", "[2,3]", 0, 24) + "}",
        StBytes.f32(values))) {
      TensorInfo info = f.info("w");
      assertEquals(new TensorInfo("w", StDType.F32, new long[] {2, 3}, 0, 24), info);
      assertEquals(6, info.numElements());
      assertArrayEquals(values, f.readFloats("w"));
      double[] widened = new double[values.length];
      for (int i = 0; i < values.length; i++) {
        widened[i] = values[i];
      }
      assertArrayEquals(widened, f.readDoubles("w"));
      assertEquals(Map.of(), f.metadata());
    }
  }

  @Test
  void readsF64ExactlyAsDoublesAndRoundedAsFloats() throws IOException {
    double[] values = {0.1, -1e300, Double.MIN_VALUE, 1.0 / 3};
    try (SafetensorsFile f = open("{" + entry("d", "F64", "[4]", 0, 32) + "}",
        StBytes.f64(values))) {
      assertArrayEquals(values, f.readDoubles("d"));
      assertArrayEquals(new float[] {0.1f, Float.NEGATIVE_INFINITY, 0f, 1f / 3}, f.readFloats("d"));
    }
  }

  @Test
  void readsF16IncludingSubnormalsInfinitiesZerosAndNaN() throws IOException {
    int[] bits = {0x3C00, 0x0001, 0x7C00, 0xFC00, 0x8000, 0x7E00, 0x03FF, 0x7BFF, 0xC000};
    try (SafetensorsFile f = open("{" + entry("h", "F16", "[3,3]", 0, 18) + "}",
        StBytes.u16(bits))) {
      float[] got = f.readFloats("h");
      assertEquals(1.0f, got[0]);
      assertEquals(0x1p-24f, got[1]);
      assertEquals(Float.POSITIVE_INFINITY, got[2]);
      assertEquals(Float.NEGATIVE_INFINITY, got[3]);
      assertEquals(Float.floatToIntBits(-0.0f), Float.floatToIntBits(got[4]));
      assertTrue(Float.isNaN(got[5]));
      assertEquals(1023 * 0x1p-24f, got[6]);
      assertEquals(65504f, got[7]);
      assertEquals(-2f, got[8]);
      double[] asDoubles = f.readDoubles("h");
      assertEquals(0x1p-24, asDoubles[1]);
      assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(asDoubles[4]));
      assertTrue(Double.isNaN(asDoubles[5]));
    }
  }

  @Test
  void readsBf16() throws IOException {
    try (SafetensorsFile f = open("{" + entry("b", "BF16", "[4]", 0, 8) + "}",
        StBytes.u16(0x3F80, 0xC000, 0x0001, 0x7F80))) {
      assertArrayEquals(new float[] {1f, -2f, 0x1p-133f, Float.POSITIVE_INFINITY}, f.readFloats("b"));
      assertArrayEquals(new double[] {1, -2, 0x1p-133, Double.POSITIVE_INFINITY}, f.readDoubles("b"));
    }
  }

  @Test
  void acceptsHeaderPaddedWithSpacesAndReadsMetadata() throws IOException {
    String header = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"caf\u00e9\"},"
        + entry("w", "F32", "[1]", 0, 4) + "}" + "       ";
    try (SafetensorsFile f = open(header, StBytes.f32(7f))) {
      assertEquals(Map.of("format", "pt", "note", "caf\u00e9"), f.metadata());
      assertEquals(List.of("format", "note"), List.copyOf(f.metadata().keySet()));
      assertArrayEquals(new float[] {7f}, f.readFloats("w"));
      assertEquals(1, f.tensors().size());
    }
  }

  @Test
  void listsTensorsInOffsetOrderNotHeaderOrder() throws IOException {
    String header = "{" + entry("c", "F32", "[1]", 8, 12) + "," + entry("a", "F32", "[2]", 0, 8)
        + "," + entry("empty", "F32", "[0,3]", 12, 12) + "," + entry("b", "I32", "[]", 12, 16) + "}";
    try (SafetensorsFile f = open(header, StBytes.concat(StBytes.f32(1, 2, 3), StBytes.i32(-9)))) {
      assertEquals(List.of("a", "c", "empty", "b"), f.tensors().stream().map(TensorInfo::name).toList());
      assertArrayEquals(new float[] {3f}, f.readFloats("c"));
      assertArrayEquals(new float[0], f.readFloats("empty"));
      TensorInfo scalar = f.info("b");
      assertEquals(0, scalar.rank());
      assertEquals(1, scalar.numElements());
      int raw = ByteBuffer.wrap(f.readBytes("b")).order(ByteOrder.LITTLE_ENDIAN).getInt();
      assertEquals(-9, raw);
    }
  }

  @Test
  void readsATensorLargerThanOneChunk() throws IOException {
    int n = (1 << 20) / 4 * 3 + 5; // three chunks and a bit
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = i * 0.5f - 7;
    }
    long bytes = 4L * n;
    try (SafetensorsFile f = open("{" + entry("big", "F32", "[" + n + "]", 0, bytes) + "}",
        StBytes.f32(values))) {
      assertArrayEquals(values, f.readFloats("big"));
      double[] d = f.readDoubles("big");
      assertEquals(values[n - 1], d[n - 1]);
      assertEquals(values[(1 << 18) + 1], d[(1 << 18) + 1]);
    }
  }

  @Test
  void unknownNameIsACallerMistake() throws IOException {
    try (SafetensorsFile f = open("{" + entry("w", "F32", "[1]", 0, 4) + "}", StBytes.f32(1))) {
      assertNull(f.info("nope"));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> f.readFloats("nope"));
      assertTrue(e.getMessage().contains("t.safetensors"), e.getMessage());
      assertTrue(e.getMessage().contains("no tensor 'nope'"), e.getMessage());
    }
  }

  @Test
  void integerTensorAskedAsFloatsIsAClearError() throws IOException {
    try (SafetensorsFile f = open("{" + entry("ids", "I32", "[2]", 0, 8) + "}", StBytes.i32(1, 2))) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> f.readFloats("ids"));
      assertTrue(e.getMessage().contains("t.safetensors"), e.getMessage());
      assertTrue(e.getMessage().contains("'ids' is I32, not a floating-point dtype"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> f.readDoubles("ids"));
    }
  }

  @Test
  void tensorInfoCopiesItsShape() {
    long[] shape = {2, 3};
    TensorInfo info = new TensorInfo("x", StDType.F16, shape, 0, 12);
    shape[0] = 99;
    info.shape()[1] = 99;
    assertArrayEquals(new long[] {2, 3}, info.shape());
    assertEquals(12, info.byteLength());
  }

  @Test
  void dtypesHaveTheFormatsNamesAndSizes() {
    assertEquals(8, StDType.F64.byteSize());
    assertEquals(4, StDType.F32.byteSize());
    assertEquals(2, StDType.F16.byteSize());
    assertEquals(2, StDType.BF16.byteSize());
    assertEquals(8, StDType.I64.byteSize());
    assertEquals(1, StDType.BOOL.byteSize());
    assertEquals("BF16", StDType.BF16.formatName());
    assertEquals(StDType.U8, StDType.fromFormatName("U8").orElseThrow());
    assertTrue(StDType.fromFormatName("bf16").isEmpty());
    assertTrue(StDType.F16.isFloatingPoint());
    assertTrue(!StDType.I8.isFloatingPoint());
  }
}
