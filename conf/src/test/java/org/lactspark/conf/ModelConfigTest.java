package org.lactspark.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lactspark.conf.load.ModelConfigLoader;
import org.lactspark.conf.preset.Presets;

/** Presets, loading, overrides, round trips and every kind of bad value. */
class ModelConfigTest {
  @TempDir Path tmp;

  @Test
  void paperPresetsHaveThePapersShapes() {
    ModelConfig m = Presets.load("760m");
    assertEquals(64, m.attnHeadDim());
    assertEquals(384, m.lactHeadDim());
    assertEquals(384, m.fastHiddenDim());
    assertEquals(4096, m.mlpWidth());
    ModelConfig b = Presets.load("3b");
    assertEquals(128, b.attnHeadDim());
    assertEquals(768, b.lactHeadDim());
    assertEquals(8192, b.mlpWidth());
    assertEquals(24, b.numAttnHeads());
    assertTrue(b.useMuon() && b.useMomentum() && b.lowRank() == 32 && b.contextLength() == 32768);
    ModelConfig small = Presets.load("small");
    assertTrue(small.contextLength() >= 2048, "small trains at context >= 2048");
  }

  @ParameterizedTest(name = "preset {0} survives a JSON round trip")
  @ValueSource(strings = {"tiny", "small", "760m", "3b"})
  void presetsRoundTripThroughJson(String name) throws IOException {
    ModelConfig c = Presets.load(name, List.of("documentRestart=true", "baseLr=0.002"));
    String json = ModelConfigLoader.toJson(c);
    assertEquals(c, ModelConfigLoader.load(new StringReader(json), "round trip", List.of()));
    Path f = tmp.resolve(name + ".json");
    Files.writeString(f, json);
    assertEquals(c, ModelConfigLoader.load(f, List.of()));
  }

  @Test
  void overridesApplyAndAreValidated() {
    assertEquals(128, Presets.load("tiny", List.of("chunkSize=128")).chunkSize());
    assertEquals(false, Presets.load("tiny", List.of("useMuon=false")).useMuon());
    assertMessage("chunkSize = 0 (command line): must be >= 1", () -> Presets.load("tiny", List.of("chunkSize=0")));
    assertMessage("numAttnHeads = 25 (command line): must divide hiddenSize = 3072",
        () -> Presets.load("3b", List.of("numAttnHeads=25")));
    assertMessage("useMuon = yes (command line): expected true or false",
        () -> Presets.load("tiny", List.of("useMuon=yes")));
    assertMessage("chunk_size = 4 (command line): unknown model key", () -> Presets.load("tiny", List.of("chunk_size=4")));
    assertMessage("windowSize = abc (command line): expected an integer",
        () -> Presets.load("tiny", List.of("windowSize=abc")));
    assertMessage("chunkSize (command line): an override must be key=value",
        () -> Presets.load("tiny", List.of("chunkSize")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Presets.load("huge"));
    assertTrue(e.getMessage().contains("unknown preset 'huge'") && e.getMessage().contains("760m"));
  }

  @Test
  void fileErrorsNameTheKeyTheValueTheFileAndTheLine() throws IOException {
    String good = "{\n  \"vocabSize\": 16,\n  \"hiddenSize\": 32,\n  \"numLayers\": 1,\n  \"numAttnHeads\": 2,\n"
        + "  \"numLactHeads\": 1,\n  \"windowSize\": 8,\n  \"chunkSize\": 8,\n  \"contextLength\": 64\n}\n";
    assertEquals(32, load(good).hiddenSize());
    assertMessage("chunkSize = 0 (file m.json line 8): must be >= 1", () -> load(good.replace("\"chunkSize\": 8", "\"chunkSize\": 0")));
    assertMessage("lact_chunk_size = 8 (file m.json line 8): unknown model key",
        () -> load(good.replace("\"chunkSize\"", "\"lact_chunk_size\"")));
    assertMessage("numLayers = 1.5 (file m.json line 4): must be an integer",
        () -> load(good.replace("\"numLayers\": 1", "\"numLayers\": 1.5")));
    assertMessage("useMuon = yes (file m.json line 2): must be true or false",
        () -> load(good.replace("{\n", "{\n  \"useMuon\": \"yes\",\n")));
    assertMessage("contextLength = (absent) (file m.json): required",
        () -> load(good.replace(",\n  \"contextLength\": 64", "")));
    assertMessage("numLactHeads = 3 (file m.json line 6): must divide hiddenSize = 32",
        () -> load(good.replace("\"numLactHeads\": 1", "\"numLactHeads\": 3")));
    assertMessage("vocabSize = 17 (file m.json line 3): given twice",
        () -> load(good.replace("\"hiddenSize\": 32,", "\"vocabSize\": 17,\n  \"hiddenSize\": 32,")));
    assertMessage("(document) (file m.json line 2): not valid JSON",
        () -> load(good.replace("\"vocabSize\": 16,", "\"vocabSize\" 16,")));
  }

  @Test
  void directConstructionValidatesToo() {
    ModelConfig t = Presets.load("tiny");
    var v = new java.util.LinkedHashMap<>(t.values());
    v.put("interMulti", 0.001);
    assertMessage("interMulti = 0.001 (model config): gives a fast-weight hidden width below 1",
        () -> ModelConfig.fromValues(v));
  }

  private ModelConfig load(String json) throws IOException {
    Path f = tmp.resolve("m.json");
    Files.writeString(f, json);
    return ModelConfigLoader.load(f, List.of());
  }

  private interface Action {
    void run() throws Exception;
  }

  private static void assertMessage(String prefix, Action a) {
    ConfigException e = assertThrows(ConfigException.class, a::run);
    assertTrue(e.getMessage().startsWith(prefix), "expected '" + prefix + "...' but got: " + e.getMessage());
  }
}
