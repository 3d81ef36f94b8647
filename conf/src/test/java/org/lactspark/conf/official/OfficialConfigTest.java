package org.lactspark.conf.official;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.lactspark.conf.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OfficialConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode fixtureConfig() throws IOException {
    try (var cases = Files.list(RepoFixtures.named("lact-model"))) {
      Path dir = cases.filter(Files::isDirectory).sorted().findFirst().orElseThrow();
      return (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
    }
  }

  @Test
  void theFixtureConfigMapsFieldByField() throws IOException {
    ModelConfig c = OfficialConfig.read(fixtureConfig(), "fixture");
    assertEquals(61, c.vocabSize());
    assertEquals(32, c.hiddenSize());
    assertEquals(2, c.numLayers());
    assertEquals(4, c.numAttnHeads());
    assertEquals(2, c.numLactHeads());
    assertEquals(10, c.windowSize());
    assertEquals(12, c.chunkSize());
    assertEquals(64, c.contextLength());
    assertEquals(4, c.lowRank());
    assertEquals(48, c.intermediateSize());
    assertEquals(48, c.mlpWidth());
    assertEquals(1e6, c.ropeTheta());
    assertEquals(1e-6, c.normEps());
    assertEquals(0.02, c.initializerRange());
    assertTrue(c.useMuon() && c.useMomentum() && c.learnableTttScale() && c.qkvSilu());
    assertFalse(c.noVSilu() || c.attnQkNorm() || c.tttPrenorm() || c.tttNope() || c.tieWordEmbeddings());
    assertEquals(-1, c.padTokenId());
    assertEquals(OfficialConfig.BASE_LR, c.baseLr());
  }

  @Test
  void writeThenReadGivesTheSameConfig() throws IOException {
    ModelConfig c = OfficialConfig.read(fixtureConfig(), "fixture");
    ObjectNode written = OfficialConfig.write(c, "float32");
    assertEquals(c, OfficialConfig.read(written, "written"));
    Set<String> fields = OfficialConfig.FIELDS.stream().map(OfficialConfig.Field::name).collect(Collectors.toSet());
    Set<String> keys = new HashSet<>();
    written.fieldNames().forEachRemaining(keys::add);
    assertTrue(fields.containsAll(keys), "written keys outside the documented fields: " + keys);
    fields.remove("transformers_version");
    assertEquals(fields, keys, "every documented official field is written");
  }

  @Test
  void everyFieldOfTheFixtureIsDocumented() throws IOException {
    Set<String> fields = OfficialConfig.FIELDS.stream().map(OfficialConfig.Field::name).collect(Collectors.toSet());
    fixtureConfig().fieldNames().forEachRemaining(f -> assertTrue(fields.contains(f), f));
  }

  @Test
  void nullsMeanTheOfficialThing() throws IOException {
    ObjectNode o = fixtureConfig();
    o.putNull("window_size");
    o.putNull("intermediate_size");
    o.put("pad_token_id", 0);
    o.put("w0_w2_low_rank", -1);
    ModelConfig c = OfficialConfig.read(o, "t");
    assertEquals(OfficialConfig.FULL_WINDOW, c.windowSize());
    assertEquals(0, c.intermediateSize());
    assertEquals(256, c.mlpWidth()); // 256 * ceil(int(32 * 4 * 2/3) / 256)
    assertEquals(0, c.padTokenId());
    assertEquals(0, c.lowRank());
    ObjectNode back = OfficialConfig.write(c, "bfloat16");
    assertTrue(back.get("window_size").isNull());
    assertTrue(back.get("intermediate_size").isNull());
    assertEquals(-1, back.get("w0_w2_low_rank").asInt());
    assertEquals(0, back.get("pad_token_id").asInt());
    assertEquals("bfloat16", back.get("torch_dtype").asText());
  }

  @Test
  void missingFieldsTakeTheOfficialClassDefaults() throws IOException {
    ObjectNode o = fixtureConfig();
    for (String f : new String[] {"use_muon", "initializer_range", "rope_theta", "learnable_ttt_scale"}) {
      o.remove(f);
    }
    ModelConfig c = OfficialConfig.read(o, "t");
    assertFalse(c.useMuon());
    assertEquals(0.006, c.initializerRange());
    assertEquals(10000.0, c.ropeTheta());
    assertTrue(c.learnableTttScale());
  }

  @Test
  void unknownFieldsAndIgnoredValuesAreAccepted() throws IOException {
    ObjectNode o = fixtureConfig();
    o.put("transformers_version", "4.51.0");
    o.put("some_future_field", 3);
    o.put("fuse_norm", false);
    o.put("use_fused_kernel", true);
    o.put("fp32_states", true);
    o.put("hidden_act", "silu");
    assertEquals(OfficialConfig.read(fixtureConfig(), "a"), OfficialConfig.read(o, "b"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "lr_dim|2|lr_dim",
    "qkv_bias|true|qkv_bias",
    "ttt_loss_type|\"l2\"|ttt_loss_type",
    "lr_parameterization|\"linear\"|lr_parameterization",
    "hidden_act|\"gelu\"|hidden_act",
    "model_type|\"llama\"|model_type",
    "hidden_size|\"wide\"|hidden_size",
    "use_muon|1|use_muon",
    "num_attn_heads|5|numAttnHeads",
    "lact_chunk_size|0|chunkSize",
    "pad_token_id|61|padTokenId",
  })
  void unsupportedOrBadValuesNameTheField(String field, String json, String named) throws IOException {
    ObjectNode o = fixtureConfig();
    o.set(field, JSON.readTree(json));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OfficialConfig.read(o, "cfg.json"));
    assertTrue(e.getMessage().contains(named) && e.getMessage().contains("cfg.json"), e.getMessage());
  }

  @Test
  void tiedEmbeddingsAreHonouredBothWays() throws IOException {
    ObjectNode o = fixtureConfig();
    o.put("tie_word_embeddings", true);
    ModelConfig c = OfficialConfig.read(o, "t");
    assertTrue(c.tieWordEmbeddings());
    assertTrue(OfficialConfig.write(c, "float32").get("tie_word_embeddings").asBoolean());
  }

  @Test
  void hiddenRatioMustBeANumberWhenItSizesTheMlp() throws IOException {
    ObjectNode o = fixtureConfig();
    o.putNull("intermediate_size");
    o.putNull("hidden_ratio");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OfficialConfig.read(o, "t"));
    assertTrue(e.getMessage().contains("hidden_ratio"), e.getMessage());
  }

  @Test
  void projectOnlySettingsAreRefusedOnExport() throws IOException {
    ModelConfig c = OfficialConfig.read(fixtureConfig(), "fixture");
    java.util.Map<String, Object> v = c.values();
    v.put("tttEnabled", false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OfficialConfig.write(ModelConfig.fromValues(v), "float32"));
    assertTrue(e.getMessage().contains("tttEnabled"), e.getMessage());
    v.put("tttEnabled", true);
    v.put("baseLr", 0.01);
    e = assertThrows(IllegalArgumentException.class, () -> OfficialConfig.write(ModelConfig.fromValues(v), "float32"));
    assertTrue(e.getMessage().contains("baseLr"), e.getMessage());
  }

  @Test
  void aFileThatIsNotJsonIsAnIoErrorNamingIt(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path f = dir.resolve("config.json");
    Files.writeString(f, "{ not json");
    IOException e = assertThrows(IOException.class, () -> OfficialConfig.read(f));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
  }
}
