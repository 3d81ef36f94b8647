package org.lactspark.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lactspark.model.safetensors.StBytes.entry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.model.safetensors.SafetensorsWriter.NamedTensor;

class ShardedCheckpointTest {
  private static final String SHARD1 = "model-00001-of-00002.safetensors";
  private static final String SHARD2 = "model-00002-of-00002.safetensors";

  @TempDir Path dir;

  /** Two hand-built shards: "b.weight" and "a.bias" in the first, "c" (F16) in the second. */
  @BeforeEach
  void writeShards() throws IOException {
    StBytes.write(dir, SHARD1, StBytes.file("{" + entry("b.weight", "F32", "[2]", 0, 8) + ","
        + entry("a.bias", "F64", "[1]", 8, 16) + "}",
        StBytes.concat(StBytes.f32(1.5f, -2f), StBytes.f64(0.25))));
    StBytes.write(dir, SHARD2, StBytes.file("{" + entry("c", "F16", "[2]", 0, 4) + "}",
        StBytes.u16(0x3C00, 0xC000)));
  }

  private void writeIndex(String weightMapJson) throws IOException {
    Files.writeString(dir.resolve("model.safetensors.index.json"),
        "{\"metadata\":{\"total_size\":20},\"weight_map\":" + weightMapJson + "}");
  }

  private IOException assertOpenFails(String... parts) {
    IOException e = assertThrows(IOException.class, () -> ShardedCheckpoint.open(dir).close());
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), () -> "no '" + part + "' in: " + e.getMessage());
    }
    return e;
  }

  @Test
  void readsTensorsAcrossTwoShards() throws IOException {
    writeIndex("{\"c\":\"" + SHARD2 + "\",\"b.weight\":\"" + SHARD1 + "\",\"a.bias\":\"" + SHARD1
        + "\"}");
    try (ShardedCheckpoint ck = ShardedCheckpoint.open(dir)) {
      assertEquals(List.of("a.bias", "b.weight", "c"), List.copyOf(ck.names()));
      assertArrayEquals(new float[] {1.5f, -2f}, ck.readFloats("b.weight"));
      assertArrayEquals(new double[] {0.25}, ck.readDoubles("a.bias"));
      assertArrayEquals(new float[] {1f, -2f}, ck.readFloats("c"));
      assertEquals(StDType.F16, ck.info("c").dtype());
      assertEquals(dir.resolve(SHARD2).toAbsolutePath().normalize(), ck.fileOf("c"));
      assertNull(ck.info("missing"));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ck.readFloats("missing"));
      assertTrue(e.getMessage().contains("no tensor 'missing'"), e.getMessage());
    }
  }

  @Test
  void singleFileWithoutIndex() throws IOException {
    SafetensorsWriter.write(dir.resolve("model.safetensors"),
        List.of(NamedTensor.of("z", new long[] {1}, new float[] {9f}),
            NamedTensor.of("y", new long[] {1}, new float[] {8f})), Map.of(), StDType.F32);
    try (ShardedCheckpoint ck = ShardedCheckpoint.open(dir)) {
      assertEquals(Set.of("y", "z"), ck.names());
      assertEquals(List.of("y", "z"), List.copyOf(ck.names()));
      assertArrayEquals(new float[] {9f}, ck.readFloats("z"));
    }
  }

  @Test
  void indexWinsOverASingleFile() throws IOException {
    SafetensorsWriter.write(dir.resolve("model.safetensors"),
        List.of(NamedTensor.of("other", new long[] {1}, new float[] {9f})), Map.of(), StDType.F32);
    writeIndex("{\"c\":\"" + SHARD2 + "\",\"b.weight\":\"" + SHARD1 + "\",\"a.bias\":\"" + SHARD1
        + "\"}");
    try (ShardedCheckpoint ck = ShardedCheckpoint.open(dir)) {
      assertEquals(Set.of("a.bias", "b.weight", "c"), ck.names());
    }
  }

  @Test
  void neitherIndexNorSingleFile() throws IOException {
    Files.delete(dir.resolve(SHARD1));
    assertOpenFails("neither model.safetensors.index.json nor model.safetensors",
        dir.toString());
  }

  @Test
  void missingShard() throws IOException {
    writeIndex("{\"b.weight\":\"" + SHARD1 + "\",\"a.bias\":\"" + SHARD1
        + "\",\"c\":\"model-00003.safetensors\"}");
    assertOpenFails("model.safetensors.index.json", "shard 'model-00003.safetensors'",
        "tensor 'c'", "does not exist");
  }

  @Test
  void indexedTensorAbsentFromItsShard() throws IOException {
    writeIndex("{\"b.weight\":\"" + SHARD1 + "\",\"a.bias\":\"" + SHARD1 + "\",\"c\":\"" + SHARD2
        + "\",\"d\":\"" + SHARD2 + "\"}");
    assertOpenFails("model.safetensors.index.json", "tensor 'd'", SHARD2, "has no such tensor");
  }

  @Test
  void shardTensorMissingFromTheIndex() throws IOException {
    writeIndex("{\"b.weight\":\"" + SHARD1 + "\",\"c\":\"" + SHARD2 + "\"}");
    assertOpenFails(SHARD1, "holds tensor 'a.bias'", "model.safetensors.index.json",
        "does not list");
  }

  @Test
  void shardNamesMustStayInsideTheDirectory() throws IOException {
    Path outside = dir.getParent().resolve("outside-" + dir.getFileName() + ".safetensors");
    Files.copy(dir.resolve(SHARD2), outside);
    try {
      writeIndex("{\"c\":\"../" + outside.getFileName() + "\"}");
      assertOpenFails("shard file name '../", "contains '..'", "tensor 'c'");
      writeIndex("{\"c\":\"" + outside.toAbsolutePath().toString().replace("\\", "\\\\") + "\"}");
      assertOpenFails("is absolute", "tensor 'c'");
      writeIndex("{\"c\":\"sub/../../x.safetensors\"}");
      assertOpenFails("contains '..'");
    } finally {
      Files.delete(outside);
    }
  }

  @Test
  void malformedIndex() throws IOException {
    Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":[1]}");
    assertOpenFails("no \"weight_map\" object");
    writeIndex("{\"c\":3}");
    assertOpenFails("weight_map entry for tensor 'c'");
    writeIndex("{\"c\":\"" + SHARD2 + "\",\"c\":\"" + SHARD2 + "\"}");
    assertOpenFails("duplicate key");
    Files.writeString(dir.resolve("model.safetensors.index.json"), "{not json");
    assertOpenFails("model.safetensors.index.json", "not valid JSON");
  }

  @Test
  void badShardFileFailsNamingIt() throws IOException {
    Files.write(dir.resolve(SHARD2), new byte[3]);
    writeIndex("{\"b.weight\":\"" + SHARD1 + "\",\"a.bias\":\"" + SHARD1 + "\",\"c\":\"" + SHARD2
        + "\"}");
    assertOpenFails(SHARD2, "too short");
  }
}
