package org.lactspark.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lactspark.model.safetensors.StBytes.entry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every rule of the format, broken once: each must fail at open with a message naming it. */
class SafetensorsValidationTest {
  private static final String FILE = "bad.safetensors";

  @TempDir Path tmp;

  /** Opens {@code bytes} as a file, expects an IOException and checks its message parts. */
  private void assertRejected(byte[] bytes, String... messageParts) throws IOException {
    Path file = StBytes.write(tmp, FILE, bytes);
    IOException e = assertThrows(IOException.class, () -> SafetensorsFile.open(file).close());
    String message = e.getMessage();
    assertTrue(message.contains(FILE), () -> "no file name in: " + message);
    for (String part : messageParts) {
      assertTrue(message.contains(part), () -> "no '" + part + "' in: " + message);
    }
  }

  private void assertRejected(String header, byte[] data, String... messageParts)
      throws IOException {
    assertRejected(StBytes.file(header, data), messageParts);
  }

  @Test
  void fileShorterThanTheLengthPrefix() throws IOException {
    assertRejected(new byte[] {2, 0, 0, 0, 0}, "5 bytes", "too short");
    assertRejected(new byte[0], "0 bytes", "too short");
  }

  @Test
  void headerLengthLargerThanTheFile() throws IOException {
    byte[] header = ("{" + entry("w", "F32", "[1]", 0, 4) + "}").getBytes(StandardCharsets.UTF_8);
    assertRejected(StBytes.file(header.length + 5L, header, new byte[4]),
        "header length " + (header.length + 5), "runs past the end of the file");
  }

  @Test
  void headerLengthOverTheLimit() throws IOException {
    assertRejected(StBytes.file(100_000_001L, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
        "header length 100000001", "exceeds the limit");
    // 2^64 - 1 as an unsigned length, not a negative number
    assertRejected(StBytes.file(-1L, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
        "18446744073709551615", "exceeds the limit");
  }

  @Test
  void truncatedData() throws IOException {
    byte[] whole = StBytes.file("{" + entry("w", "F32", "[4]", 0, 16) + "}", StBytes.f32(1, 2, 3, 4));
    assertRejected(Arrays.copyOf(whole, whole.length - 3), "tensor 'w'",
        "data_offsets [0, 16] run past the end of the byte buffer, which holds 13 bytes");
  }

  @Test
  void headerNotStartingWithABrace() throws IOException {
    assertRejected(" {}", new byte[0], "does not start with '{'");
    assertRejected("[1]", new byte[0], "does not start with '{'");
    assertRejected("", new byte[0], "does not start with '{'");
  }

  @Test
  void headerNotJson() throws IOException {
    assertRejected("{\"w\": {\"dtype\": \"F32\",", new byte[0], "header is not valid JSON");
    assertRejected("{} trailing", new byte[0], "header is not valid JSON");
  }

  @Test
  void headerNotUtf8() throws IOException {
    byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
    assertRejected(StBytes.file(header.length, header, new byte[0]), "not valid UTF-8");
  }

  @Test
  void offsetsOutOfRange() throws IOException {
    assertRejected("{" + entry("w", "F32", "[2]", 4, 12) + "}", StBytes.f32(1, 2),
        "tensor 'w'", "run past the end of the byte buffer");
  }

  @Test
  void offsetsBackwards() throws IOException {
    assertRejected("{" + entry("w", "F32", "[1]", 8, 4) + "}", new byte[8],
        "tensor 'w'", "data_offsets [8, 4] end before they begin");
  }

  @Test
  void offsetsNotAPairOfIntegers() throws IOException {
    assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4],
        "tensor 'w'", "must be two non-negative integers");
    assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}}", new byte[4],
        "tensor 'w'", "not an integer");
    assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", new byte[4],
        "tensor 'w'", "must be two non-negative integers");
  }

  @Test
  void holeBetweenTensors() throws IOException {
    String header = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}";
    assertRejected(header, new byte[12], "hole in the byte buffer", "bytes [4, 8)", "'a'", "'b'");
  }

  @Test
  void holeBeforeTheFirstTensor() throws IOException {
    assertRejected("{" + entry("a", "F32", "[1]", 4, 8) + "}", new byte[8],
        "hole in the byte buffer", "bytes [0, 4)", "'a'");
  }

  @Test
  void bytesAfterTheLastTensor() throws IOException {
    assertRejected("{" + entry("a", "F32", "[1]", 0, 4) + "}", new byte[6],
        "hole in the byte buffer", "bytes [4, 6) belong to no tensor");
    assertRejected("{}", new byte[2], "hole in the byte buffer", "bytes [0, 2)");
  }

  @Test
  void overlappingTensors() throws IOException {
    String header = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}";
    assertRejected(header, new byte[12], "'a' [0, 8]", "'b' [4, 12]", "overlap");
  }

  @Test
  void sizeNotMatchingTheShape() throws IOException {
    assertRejected("{" + entry("lm_head.weight", "F32", "[5,6]", 0, 100) + "}", new byte[100],
        "tensor 'lm_head.weight': data_offsets [0, 100] hold 100 bytes but F32 [5, 6] needs 120");
  }

  @Test
  void unknownAndUnsupportedDtypes() throws IOException {
    assertRejected("{" + entry("w", "F12", "[1]", 0, 4) + "}", new byte[4],
        "tensor 'w'", "unknown dtype 'F12'");
    assertRejected("{" + entry("w", "F8_E4M3", "[1]", 0, 1) + "}", new byte[1],
        "tensor 'w'", "'F8_E4M3'", "does not support");
    assertRejected("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4],
        "tensor 'w'", "dtype must be a string");
  }

  @Test
  void negativeOrNonIntegerDimension() throws IOException {
    assertRejected("{" + entry("w", "F32", "[2,-1]", 0, 0) + "}", new byte[0],
        "tensor 'w'", "shape [2, -1] has a negative dimension");
    assertRejected("{" + entry("w", "F32", "[1.5]", 0, 4) + "}", new byte[4],
        "tensor 'w'", "not an integer");
    assertRejected("{" + entry("w", "F32", "[99999999999999999999]", 0, 4) + "}", new byte[4],
        "tensor 'w'", "not an integer that fits 64 bits");
  }

  @Test
  void shapeWhoseSizeOverflows() throws IOException {
    assertRejected("{" + entry("w", "F64", "[4294967296,4294967296]", 0, 8) + "}", new byte[8],
        "tensor 'w'", "needs more than 2^63 bytes");
  }

  @Test
  void duplicateTensorName() throws IOException {
    String header = "{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 4, 8) + "}";
    assertRejected(header, new byte[8], "duplicate key", "'w'");
  }

  @Test
  void duplicateKeyInsideAnEntry() throws IOException {
    assertRejected("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,4]}}",
        new byte[4], "duplicate key", "'dtype'");
  }

  @Test
  void missingOrUnknownEntryKeys() throws IOException {
    assertRejected("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4],
        "tensor 'w'", "missing 'shape'");
    assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}",
        new byte[4], "tensor 'w'", "unknown key 'x'");
    assertRejected("{\"w\":[1,2]}", new byte[0], "tensor 'w'", "entry must be an object");
  }

  @Test
  void metadataMustMapStringsToStrings() throws IOException {
    assertRejected("{\"__metadata__\":{\"epoch\":3}}", new byte[0],
        "__metadata__ value of 'epoch' must be a string");
    assertRejected("{\"__metadata__\":[\"a\"]}", new byte[0], "__metadata__ must be an object");
  }

  @Test
  void missingFileIsAnIOExceptionNamingIt() {
    Path missing = tmp.resolve("nothing-here.safetensors");
    IOException e = assertThrows(IOException.class, () -> SafetensorsFile.open(missing));
    assertTrue(e.getMessage().contains("nothing-here.safetensors"), e.getMessage());
    assertTrue(Files.notExists(missing));
  }
}
