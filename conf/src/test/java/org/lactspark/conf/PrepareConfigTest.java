package org.lactspark.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.load.PrepareConfigLoader;

class PrepareConfigTest {
  @Test
  void defaultsAndOverridesWithSources() throws Exception {
    PrepareConfig c = PrepareConfigLoader.load(null, List.of("inputs=a.txt, data/*.jsonl.gz", "sequenceLength=512"));
    assertEquals(List.of("a.txt", "data/*.jsonl.gz"), c.inputs());
    assertEquals(512, c.sequenceLength());
    assertEquals("byte", c.tokenizer());
    assertTrue(c.byteTokenizer());
    assertEquals("command line", c.sources().get("sequenceLength"));
    assertEquals("default", c.sources().get("packing"));
    assertEquals("a.txt,data/*.jsonl.gz", c.asText().get("inputs"));
  }

  @Test
  void fileThenOverrides(@TempDir Path dir) throws Exception {
    String json = "{\n \"inputs\": \"x.parquet\",\n \"packing\": \"document\",\n \"validationFraction\": 0.1\n}";
    Path f = Files.writeString(dir.resolve("p.json"), json);
    PrepareConfig c = PrepareConfigLoader.load(f, List.of("seed=7"));
    assertTrue(c.documentPacking());
    assertEquals(0.1, c.validationFraction());
    assertEquals(7, c.seed());
    assertEquals("file p.json line 3", c.sources().get("packing"));
  }

  @Test
  void errorsNameKeyValueAndSource() {
    assertMessage("inputs = (absent) (command line): required", List.of());
    assertMessage("packing = tight (command line): must be one of concat, document",
        List.of("inputs=a", "packing=tight"));
    assertMessage("validationFraction = 1.0 (command line): must be >= 0 and < 1",
        List.of("inputs=a", "validationFraction=1"));
    assertMessage("sequenceLength = 1 (command line): must be >= 2", List.of("inputs=a", "sequenceLength=1"));
    assertMessage("bosToken = <s> (command line): applies only to a tokenizer.json",
        List.of("inputs=a", "bosToken=<s>"));
    assertMessage("inputs (command line): names no input", List.of("inputs= , "));
    assertMessage("shards = 3 (command line): unknown prepare key", List.of("inputs=a", "shards=3"));
  }

  private static void assertMessage(String start, List<String> overrides) {
    ConfigException e = assertThrows(ConfigException.class, () -> PrepareConfigLoader.load(null, overrides));
    assertTrue(e.getMessage().startsWith(start), () -> "expected '" + start + "...' but got: " + e.getMessage());
  }
}
