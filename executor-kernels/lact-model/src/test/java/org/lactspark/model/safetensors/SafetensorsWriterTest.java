package org.lactspark.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.model.safetensors.SafetensorsWriter.NamedTensor;

class SafetensorsWriterTest {
  @TempDir Path tmp;

  private static float[] randomFloats(int n, long seed) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = Float.intBitsToFloat(r.nextInt()); // any bit pattern, NaNs aside
      if (Float.isNaN(out[i])) {
        out[i] = r.nextFloat();
      }
    }
    return out;
  }

  @Test
  void f32RoundTripIsBitIdentical() throws IOException {
    float[] a = randomFloats(6, 1);
    float[] b = {-0f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.NaN};
    float[] big = randomFloats(70_000, 2); // more than one writer chunk
    Path file = tmp.resolve("rt.safetensors");
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("quote\"and\\slash", "\u00fcnicode");
    SafetensorsWriter.write(file, List.of(NamedTensor.of("a", new long[] {2, 3}, a),
        NamedTensor.of("b", new long[] {7}, b), NamedTensor.of("big", new long[] {70_000}, big),
        NamedTensor.of("scalar", new long[0], new float[] {3f}),
        NamedTensor.of("empty", new long[] {0, 5}, new float[0])), meta, StDType.F32);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals(List.of("a", "b", "big", "scalar", "empty"),
          f.tensors().stream().map(TensorInfo::name).toList());
      assertEquals(meta, f.metadata());
      assertBits(a, f.readFloats("a"));
      assertBits(b, f.readFloats("b"));
      assertBits(big, f.readFloats("big"));
      assertArrayEquals(new float[] {3f}, f.readFloats("scalar"));
      assertArrayEquals(new long[] {0, 5}, f.info("empty").shape());
      assertEquals(StDType.F32, f.info("a").dtype());
    }
  }

  private static void assertBits(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
          "element " + i);
    }
  }

  @Test
  void f64RoundTripOfDoublesAndFloats() throws IOException {
    double[] d = {0.1, Math.PI, -1e-310, Double.MAX_VALUE};
    float[] fl = {0.1f, -3.5f};
    Path file = tmp.resolve("d.safetensors");
    SafetensorsWriter.write(file, List.of(NamedTensor.of("d", new long[] {2, 2}, d),
        NamedTensor.of("f", new long[] {2}, fl)), null, StDType.F64);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertArrayEquals(d, f.readDoubles("d"));
      assertArrayEquals(new double[] {0.1f, -3.5f}, f.readDoubles("f"));
      assertEquals(Map.of(), f.metadata());
    }
  }

  @Test
  void bf16RoundsToNearestEven() throws IOException {
    float[] in = {1.00390625f, 1.01171875f, Math.nextUp(1.00390625f), -2f, Float.NaN, 3e38f, 1e-40f};
    Path file = tmp.resolve("bf.safetensors");
    SafetensorsWriter.write(file, List.of(NamedTensor.of("x", new long[] {in.length}, in)),
        Map.of(), StDType.BF16);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals(StDType.BF16, f.info("x").dtype());
      assertEquals(2L * in.length, f.info("x").byteLength());
      float[] got = f.readFloats("x");
      assertEquals(1.0f, got[0]); // tie, down to even
      assertEquals(1.015625f, got[1]); // tie, up to even
      assertEquals(1.0078125f, got[2]); // above the tie
      assertEquals(-2f, got[3]);
      assertTrue(Float.isNaN(got[4]));
      for (int i = 0; i < in.length; i++) {
        if (!Float.isNaN(in[i])) {
          assertEquals(HalfPrecision.bfloat16ToFloat(HalfPrecision.floatToBfloat16(in[i])), got[i]);
        }
      }
    }
  }

  @Test
  void bf16FromDoublesRoundsOnce() throws IOException {
    Path file = tmp.resolve("bfd.safetensors");
    double justAboveTie = 1.00390625 + 0x1p-30;
    SafetensorsWriter.write(file, List.of(NamedTensor.ofDoubles("x", new long[] {2},
        new double[] {justAboveTie, 1.00390625})), Map.of(), StDType.BF16);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertArrayEquals(new float[] {1.0078125f, 1.0f}, f.readFloats("x"));
    }
  }

  /** The layout checked on the raw bytes, without the reader. */
  @Test
  void writesAPaddedHeaderAndContiguousData() throws IOException {
    Path file = tmp.resolve("layout.safetensors");
    SafetensorsWriter.write(file, List.of(NamedTensor.of("first", new long[] {3}, new float[] {1, 2, 3}),
        NamedTensor.of("a", new long[] {1}, new float[] {4})), Map.of("k", "v"), StDType.F32);
    byte[] bytes = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    assertEquals(0, (8 + n) % 8, "byte buffer starts at a multiple of 8");
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    assertTrue(header.startsWith("{"));
    String trimmed = header.stripTrailing();
    assertTrue(header.substring(trimmed.length()).chars().allMatch(c -> c == ' '),
        "padding is spaces");
    JsonNode json = new ObjectMapper().readTree(header);
    assertEquals("v", json.get("__metadata__").get("k").asText());
    assertEquals("[0,12]", json.get("first").get("data_offsets").toString());
    assertEquals("[12,16]", json.get("a").get("data_offsets").toString());
    assertEquals("F32", json.get("a").get("dtype").asText());
    assertEquals("[3]", json.get("first").get("shape").toString());
    assertEquals(8 + n + 16, bytes.length);
    ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + n), 16).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1f, data.getFloat());
    assertEquals(2f, data.getFloat());
    assertEquals(3f, data.getFloat());
    assertEquals(4f, data.getFloat());
  }

  @Test
  void rejectsBadInputBeforeWritingAnything() throws IOException {
    Path file = tmp.resolve("out.safetensors");
    float[] one = {1f};
    assertInvalid(file, List.of(NamedTensor.of("", new long[] {1}, one)), StDType.F32, "name is empty");
    assertInvalid(file, List.of(NamedTensor.of("a", new long[] {1}, one),
        NamedTensor.of("a", new long[] {1}, one)), StDType.F32, "duplicate tensor name 'a'");
    assertInvalid(file, List.of(NamedTensor.of("a", new long[] {2, 3}, new float[5])), StDType.F32,
        "tensor 'a': shape [2, 3] needs 6 values but data has 5");
    assertInvalid(file, List.of(NamedTensor.of("a", new long[] {-1}, one)), StDType.F32,
        "negative dimension");
    assertInvalid(file, List.of(NamedTensor.of("__metadata__", new long[] {1}, one)), StDType.F32,
        "reserved");
    assertInvalid(file, List.of(NamedTensor.of("a", new long[] {1}, one)), StDType.F16,
        "cannot write dtype F16");
    assertInvalid(file, List.of(NamedTensor.of("a", new long[] {1}, one)), StDType.I32,
        "cannot write dtype I32");
  }

  private void assertInvalid(Path file, List<NamedTensor> tensors, StDType dtype, String part)
      throws IOException {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SafetensorsWriter.write(file, tensors, Map.of(), dtype));
    assertTrue(e.getMessage().contains(part), e.getMessage());
    assertTrue(e.getMessage().contains("out.safetensors"), e.getMessage());
    assertFalse(Files.exists(file), "no final file after a failed write");
    assertDirHolds(file.getParent());
  }

  @Test
  void failedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
    Path file = tmp.resolve("keep.safetensors");
    SafetensorsWriter.write(file, List.of(NamedTensor.of("old", new long[] {1}, new float[] {5f})),
        Map.of(), StDType.F32);
    byte[] before = Files.readAllBytes(file);
    assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(file,
        List.of(NamedTensor.of("new", new long[] {4}, new float[3])), Map.of(), StDType.F32));
    assertArrayEquals(before, Files.readAllBytes(file));
    assertDirHolds(tmp, "keep.safetensors");
  }

  @Test
  void failingMoveDeletesTheTemporaryFile() throws IOException {
    // the final name is a non-empty directory: the data is written, then the move fails
    Path target = Files.createDirectories(tmp.resolve("taken.safetensors"));
    Files.writeString(target.resolve("inside"), "x");
    IOException e = assertThrows(IOException.class, () -> SafetensorsWriter.write(target,
        List.of(NamedTensor.of("w", new long[] {2}, new float[] {1, 2})), Map.of(), StDType.F32));
    assertTrue(e.getMessage().contains("taken.safetensors"), e.getMessage());
    assertTrue(Files.isDirectory(target));
    assertDirHolds(tmp, "taken.safetensors");
  }

  @Test
  void replacesAnExistingFile() throws IOException {
    Path file = tmp.resolve("m.safetensors");
    SafetensorsWriter.write(file, List.of(NamedTensor.of("a", new long[] {1}, new float[] {1f})),
        Map.of(), StDType.F32);
    SafetensorsWriter.write(file, List.of(NamedTensor.of("b", new long[] {1}, new float[] {2f})),
        Map.of(), StDType.F64);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals(List.of("b"), f.tensors().stream().map(TensorInfo::name).toList());
      assertArrayEquals(new double[] {2}, f.readDoubles("b"));
    }
    assertDirHolds(tmp, "m.safetensors");
  }

  @Test
  void namedTensorCopiesItsShapeAndNeedsOneDataArray() {
    long[] shape = {2};
    NamedTensor t = NamedTensor.of("t", shape, new float[2]);
    shape[0] = 7;
    assertArrayEquals(new long[] {2}, t.shape());
    assertEquals(2, t.length());
    assertThrows(IllegalArgumentException.class,
        () -> new NamedTensor("t", new long[] {1}, new float[1], new double[1]));
    assertThrows(IllegalArgumentException.class,
        () -> new NamedTensor("t", new long[] {1}, null, null));
  }

  /** The directory holds exactly these names (so no temporary file was left behind). */
  private static void assertDirHolds(Path dir, String... names) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      String[] found = s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
      String[] expected = names.clone();
      Arrays.sort(expected);
      assertArrayEquals(expected, found, () -> "directory holds " + Arrays.toString(found));
    }
  }
}
