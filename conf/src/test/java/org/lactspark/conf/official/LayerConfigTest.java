package org.lactspark.conf.official;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lactspark.conf.ModelConfig;

/**
 * {@link OfficialConfig#layerConfig} on the layer fixtures' constructors. The expected values are
 * what the former {@code OfficialConfig.layerSpec} (a {@code LactLayerSpec}) gave, written out.
 */
class LayerConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Every value {@code LactLayerSpec.of(ModelConfig)} reads, in its order (that class is in
   * lact-model, out of conf's reach; {@code bidirectional} is always false there).
   */
  record Layer(int hiddenSize, int numAttnHeads, int numLactHeads, int fastHiddenDim, int windowSize,
      int chunkSize, boolean useMuon, boolean useMomentum, int lowRank, double baseLr, boolean qkvSilu,
      boolean noVSilu, boolean attnQkNorm, boolean learnableTttScale, boolean tttPrenorm, boolean tttNope,
      double ropeTheta, boolean documentRestart, boolean tttEnabled) {
    static Layer of(ModelConfig c) {
      return new Layer(c.hiddenSize(), c.numAttnHeads(), c.numLactHeads(), c.fastHiddenDim(), c.windowSize(),
          c.chunkSize(), c.useMuon(), c.useMomentum(), c.lowRank(), c.baseLr(), c.qkvSilu(), c.noVSilu(),
          c.attnQkNorm(), c.learnableTttScale(), c.tttPrenorm(), c.tttNope(), c.ropeTheta(), c.documentRestart(),
          c.tttEnabled());
    }
  }

  private static ObjectNode constructor(String caseName) throws IOException {
    JsonNode c = JSON.readTree(RepoFixtures.caseDir("lact-layer", caseName).resolve("case.json").toFile());
    return (ObjectNode) c.get("constructor");
  }

  @Test
  void lowRankMuonCaseGivesTheFormerLayerSpec() throws IOException {
    ModelConfig c = OfficialConfig.layerConfig(constructor("v1_postnorm_muon_momentum_lowrank_L50_c16"), "v1");
    assertEquals(new Layer(48, 4, 2, 24, 12, 16, true, true, 6, 0.001, true, false, false, true, false, false,
        1e6, false, true), Layer.of(c));
    assertOneLayerModel(c, 64);
  }

  @Test
  void fullRankCaseGivesTheFormerLayerSpec() throws IOException {
    ModelConfig c = OfficialConfig.layerConfig(constructor("v2_postnorm_momentum_fullrank_im2_L30_c10"), "v2");
    // inter_multi 2: d_h = 32 / 2 * 2; w0_w2_low_rank -1: full rank, stored as 0
    assertEquals(new Layer(32, 4, 2, 32, 6, 10, false, true, 0, 0.001, true, false, false, false, false, false,
        1e4, false, true), Layer.of(c));
    assertOneLayerModel(c, 32);
  }

  /** What a lone layer has no argument for: fixed, whatever the constructor says. */
  private static void assertOneLayerModel(ModelConfig c, int maxPositionEmbeddings) {
    assertEquals(1, c.vocabSize()); // the least valid vocabulary
    assertEquals(1, c.numLayers());
    assertEquals(maxPositionEmbeddings, c.contextLength());
    assertEquals(0.5, c.fwInitGain());
    assertEquals(-1, c.padTokenId());
    assertFalse(c.tieWordEmbeddings());
  }

  @Test
  void missingArgumentsTakeTheLayersDefaults() {
    // the layer's defaults, not the config class's: attn_qk_norm true, learnable_ttt_scale false
    ModelConfig c = OfficialConfig.layerConfig(JSON.createObjectNode(), "empty");
    assertEquals(new Layer(2048, 32, 4, 512, 2048, 2048, false, true, 0, 0.001, true, false, true, false, false,
        false, 1e4, false, true), Layer.of(c));
    assertEquals(2048, c.contextLength());
  }

  @Test
  void aNullWindowIsFullCausalAttention() throws IOException {
    ObjectNode o = constructor("v2_postnorm_momentum_fullrank_im2_L30_c10");
    o.putNull("window_size");
    assertEquals(OfficialConfig.FULL_WINDOW, OfficialConfig.layerConfig(o, "t").windowSize());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "qkv_bias|true|qkv_bias",
    "ttt_loss_type|\"l2\"|ttt_loss_type",
    "lr_dim|2|lr_dim",
    "hidden_size|\"wide\"|hidden_size",
    "use_muon|1|use_muon",
    "num_attn_heads|5|numAttnHeads",
    "lact_chunk_size|0|chunkSize",
    "max_position_embeddings|0|contextLength",
  })
  void badOrUnsupportedArgumentsNameTheFieldAndTheSource(String field, String json, String named) throws IOException {
    ObjectNode o = constructor("v1_postnorm_muon_momentum_lowrank_L50_c16");
    o.set(field, JSON.readTree(json));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> OfficialConfig.layerConfig(o, "case.json constructor"));
    assertTrue(e.getMessage().contains(named) && e.getMessage().contains("case.json constructor"), e.getMessage());
  }
}
