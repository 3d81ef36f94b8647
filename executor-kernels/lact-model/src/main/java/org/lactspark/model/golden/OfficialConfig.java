package org.lactspark.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import org.lactspark.conf.ModelConfig;
import org.lactspark.model.nn.LactLayerSpec;

/**
 * Reads the official configuration fields ({@code LaCTSWIGLUConfig}, the layer's constructor
 * arguments) into the project's types. Values the official code accepts but this project does
 * not implement are rejected with the field's name; unused metadata fields are ignored.
 */
public final class OfficialConfig {
  /** The official "mamba" parameterisation's base learning rate. */
  static final double BASE_LR = 0.001;

  private OfficialConfig() {}

  /** The LaCT layer spec of a config or constructor object (causal LM layer). */
  public static LactLayerSpec layerSpec(JsonNode c) {
    requireSupported(c);
    int d = c.path("hidden_size").asInt();
    int hf = c.path("num_lact_heads").asInt();
    return new LactLayerSpec(d, c.path("num_attn_heads").asInt(), hf,
        (int) (d / hf * c.path("inter_multi").asDouble(1.0)), c.path("window_size").asInt(),
        c.path("lact_chunk_size").asInt(), c.path("use_muon").asBoolean(), c.path("use_momentum").asBoolean(),
        Math.max(0, c.path("w0_w2_low_rank").asInt(0)), BASE_LR, c.path("qkv_silu").asBoolean(true),
        c.path("no_v_silu").asBoolean(false), c.path("attn_qk_norm").asBoolean(false),
        c.path("learnable_ttt_scale").asBoolean(false), c.path("ttt_prenorm").asBoolean(false),
        c.path("ttt_nope").asBoolean(false), c.path("rope_theta").asDouble(10000.0), false, false, true);
  }

  /** The model config of an official {@code config.json} object. */
  public static ModelConfig modelConfig(JsonNode c) {
    LactLayerSpec s = layerSpec(c);
    JsonNode inter = c.path("intermediate_size");
    return new ModelConfig(c.path("vocab_size").asInt(), s.hiddenSize(), c.path("num_hidden_layers").asInt(),
        s.numAttnHeads(), s.numLactHeads(), c.path("inter_multi").asDouble(1.0), s.windowSize(), s.chunkSize(),
        c.path("max_position_embeddings").asInt(2048), s.useMuon(), s.useMomentum(), s.lowRank(),
        c.path("fw_init_gain").asDouble(0.5), BASE_LR, s.qkvSilu(), s.noVSilu(), s.attnQkNorm(),
        s.learnableTttScale(), s.tttPrenorm(), s.tttNope(), s.ropeTheta(), c.path("norm_eps").asDouble(1e-6),
        c.path("initializer_range").asDouble(0.006), c.path("tie_word_embeddings").asBoolean(false),
        c.path("hidden_ratio").asDouble(4.0), inter.isNull() || inter.isMissingNode() ? 0 : inter.asInt(), false, true);
  }

  private static void requireSupported(JsonNode c) {
    require(c, "lr_dim", "1");
    require(c, "lr_parameterization", "mamba");
    require(c, "ttt_loss_type", "dot_product");
    require(c, "qkv_bias", "false");
    require(c, "hidden_act", "swish");
  }

  private static void require(JsonNode c, String key, String supported) {
    JsonNode v = c.get(key);
    if (v != null && !v.isNull() && !v.asText().equals(supported)) {
      throw new IllegalArgumentException("official config: " + key + " = " + v + " is not supported (only "
          + supported + ")");
    }
  }
}
