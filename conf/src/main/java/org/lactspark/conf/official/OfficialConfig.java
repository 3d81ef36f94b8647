package org.lactspark.conf.official;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.ModelConfig;

/**
 * The official configuration ({@code LaCTSWIGLUConfig}'s {@code config.json}, and the layer's
 * constructor arguments in the layer fixtures) to and from the project's {@link ModelConfig}.
 *
 * <p>Every field of the official class is listed in {@link #FIELDS} with what happens to it:
 * honoured (mapped to a project key), ignored (kernel choices and metadata with no effect on the
 * maths) or checked (only the one value the official maths here supports is accepted). A missing
 * field takes the official class default; a value of the wrong type, or one this project does not
 * implement, is an {@link IllegalArgumentException} naming the field, its value and the file.
 * Fields the official class does not know (for example {@code transformers_version}) are ignored
 * with a warning, as the official class keeps them as plain attributes.
 */
public final class OfficialConfig {
  /** The official "mamba" parameterisation's base learning rate, fixed in the official code. */
  public static final double BASE_LR = 0.001;

  /** What the importer does with a field. */
  public enum Treatment {
    /** Mapped to a project key; exported back. */
    HONOURED,
    /** Accepted with any value and without effect (kernel choices, metadata). */
    IGNORED,
    /** Only the value in the field's note is supported; any other is rejected. */
    CHECKED
  }

  /**
   * One official field.
   *
   * @param name the official name
   * @param treatment what the importer does with it
   * @param note the project key it maps to, or why it is ignored, or the supported value
   */
  public record Field(String name, Treatment treatment, String note) {}

  /** Every field of {@code LaCTSWIGLUConfig} and the Hugging Face metadata around it. */
  public static final List<Field> FIELDS = List.of(
      honoured("vocab_size", "vocabSize"),
      honoured("hidden_size", "hiddenSize"),
      honoured("num_hidden_layers", "numLayers"),
      honoured("num_attn_heads", "numAttnHeads"),
      honoured("num_lact_heads", "numLactHeads"),
      honoured("inter_multi", "interMulti"),
      honoured("window_size", "windowSize (null: full causal attention, stored as 2147483647)"),
      honoured("lact_chunk_size", "chunkSize"),
      honoured("use_muon", "useMuon"),
      honoured("use_momentum", "useMomentum"),
      honoured("w0_w2_low_rank", "lowRank (<= 0: full-rank W0/W2, stored as 0)"),
      honoured("fw_init_gain", "fwInitGain"),
      honoured("qkv_silu", "qkvSilu"),
      honoured("no_v_silu", "noVSilu"),
      honoured("attn_qk_norm", "attnQkNorm"),
      honoured("learnable_ttt_scale", "learnableTttScale"),
      honoured("ttt_prenorm", "tttPrenorm"),
      honoured("ttt_nope", "tttNope"),
      honoured("rope_theta", "ropeTheta"),
      honoured("max_position_embeddings", "contextLength"),
      honoured("hidden_ratio", "hiddenRatio"),
      honoured("intermediate_size", "intermediateSize (null: derived, stored as 0)"),
      honoured("norm_eps", "normEps"),
      honoured("initializer_range", "initializerRange"),
      honoured("pad_token_id", "padTokenId (null: none, stored as -1)"),
      honoured("tie_word_embeddings", "tieWordEmbeddings (the LM head uses the embedding matrix)"),
      new Field("lr_dim", Treatment.CHECKED, "1"),
      new Field("lr_parameterization", Treatment.CHECKED, "\"mamba\""),
      new Field("ttt_loss_type", Treatment.CHECKED, "\"dot_product\""),
      new Field("qkv_bias", Treatment.CHECKED, "false"),
      new Field("hidden_act", Treatment.CHECKED, "\"swish\" (or its other name \"silu\")"),
      new Field("model_type", Treatment.CHECKED, "\"lact_swiglu\""),
      ignored("fuse_norm", "kernel choice, same maths"),
      ignored("last_layer_fuse_norm", "kernel choice, same maths"),
      ignored("fuse_swiglu", "kernel choice, same maths"),
      ignored("fuse_cross_entropy", "kernel choice, same maths"),
      ignored("use_fused_kernel", "Triton op, same maths"),
      ignored("fp32_states", "fp32 fast weights: the project's fast weights are float32 or float64 already"),
      ignored("use_cache", "inference cache, unused by the forward pass"),
      ignored("elementwise_affine", "unused by the official forward pass"),
      ignored("bos_token_id", "tokenizer metadata"),
      ignored("eos_token_id", "tokenizer metadata"),
      ignored("attention_bias", "extra key of the released files, unused"),
      ignored("architectures", "Hugging Face metadata"),
      ignored("torch_dtype", "Hugging Face metadata; the weights' own dtypes are read"),
      ignored("transformers_version", "Hugging Face metadata"));

  private static final Set<String> KNOWN = FIELDS.stream().map(Field::name).collect(Collectors.toUnmodifiableSet());

  /** The window size that stands for the official {@code window_size: null} (full causal attention). */
  public static final int FULL_WINDOW = Integer.MAX_VALUE;

  /** The vocabulary of {@link #layerConfig}'s one-layer model: a lone layer has none, and 1 is the least valid. */
  public static final int LAYER_VOCAB = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  private OfficialConfig() {}

  private static Field honoured(String name, String key) {
    return new Field(name, Treatment.HONOURED, key);
  }

  private static Field ignored(String name, String why) {
    return new Field(name, Treatment.IGNORED, why);
  }

  /**
   * Reads an official {@code config.json}.
   *
   * @throws IOException if the file cannot be read or is not a JSON object
   * @throws IllegalArgumentException naming the field of a bad or unsupported value
   */
  public static ModelConfig read(Path configJson) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(configJson));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(configJson + ": not JSON (" + e.getOriginalMessage() + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(configJson + ": expected a JSON object");
    }
    return read(root, configJson.toString());
  }

  /** Whether a JSON object looks like an official config (snake_case fields) rather than a project one. */
  public static boolean isOfficial(JsonNode root) {
    return root.has("hidden_size") || root.has("model_type") || root.has("num_hidden_layers");
  }

  /**
   * The project config of an official config object.
   *
   * @param source where the object came from, for messages
   * @throws IllegalArgumentException naming the field of a bad or unsupported value
   */
  public static ModelConfig read(JsonNode c, String source) {
    FieldReader r = new FieldReader(c, source);
    r.warnUnknown(KNOWN);
    r.check("lr_dim", 1);
    r.check("lr_parameterization", "mamba");
    r.check("ttt_loss_type", "dot_product");
    r.check("qkv_bias", false);
    r.check("model_type", "lact_swiglu");
    String act = r.string("hidden_act", "swish");
    if (!act.equals("swish") && !act.equals("silu")) {
      throw r.bad("hidden_act", "only \"swish\" (silu) is supported");
    }
    Integer window = r.nullableInt("window_size", 2048);
    Integer inter = r.nullableInt("intermediate_size", null);
    Integer pad = r.nullableInt("pad_token_id", null);
    double ratio = r.nullableDouble("hidden_ratio", 4.0, inter == null);
    try {
      return new ModelConfig(r.integer("vocab_size", 32000), r.integer("hidden_size", 2048),
          r.integer("num_hidden_layers", 24), r.integer("num_attn_heads", 32), r.integer("num_lact_heads", 4),
          r.number("inter_multi", 1.0), window == null ? FULL_WINDOW : window, r.integer("lact_chunk_size", 2048),
          r.integer("max_position_embeddings", 2048), r.bool("use_muon", false), r.bool("use_momentum", true),
          Math.max(0, r.integer("w0_w2_low_rank", -1)), r.number("fw_init_gain", 0.5), BASE_LR,
          r.bool("qkv_silu", true), r.bool("no_v_silu", false), r.bool("attn_qk_norm", false),
          r.bool("learnable_ttt_scale", true), r.bool("ttt_prenorm", false), r.bool("ttt_nope", false),
          r.number("rope_theta", 10000.0), r.number("norm_eps", 1e-6), r.number("initializer_range", 0.006),
          r.bool("tie_word_embeddings", false), ratio, inter == null ? 0 : inter, false, true, pad == null ? -1 : pad);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  /**
   * A one-layer model config holding a layer fixture's constructor arguments (the official
   * layer's keyword arguments, which share the config's names), so that {@code
   * LactLayerSpec.of(layerConfig(...))} is the layer. A missing argument takes the official
   * layer's default, which differs from the config class's for {@code attn_qk_norm} (true) and
   * {@code learnable_ttt_scale} (false). What a lone layer does not have takes a fixed value: the
   * smallest vocabulary ({@value #LAYER_VOCAB} token), the config class's MLP and init defaults,
   * no document restart, TTT on.
   *
   * @param source where the object came from, for messages
   * @throws IllegalArgumentException naming the field of a bad or unsupported value
   */
  public static ModelConfig layerConfig(JsonNode constructor, String source) {
    FieldReader r = new FieldReader(constructor, source);
    r.check("lr_dim", 1);
    r.check("lr_parameterization", "mamba");
    r.check("ttt_loss_type", "dot_product");
    r.check("qkv_bias", false);
    Integer window = r.nullableInt("window_size", 2048);
    // no lact-model types here (conf must load without ND4J): the layer's settings travel as a
    // ModelConfig, and the keys a layer has no argument for take the config class's defaults
    try {
      return new ModelConfig(LAYER_VOCAB, r.integer("hidden_size", 2048), 1, r.integer("num_attn_heads", 32),
          r.integer("num_lact_heads", 4), r.number("inter_multi", 1.0), window == null ? FULL_WINDOW : window,
          r.integer("lact_chunk_size", 2048), r.integer("max_position_embeddings", 2048), r.bool("use_muon", false),
          r.bool("use_momentum", true), Math.max(0, r.integer("w0_w2_low_rank", -1)), r.number("fw_init_gain", 0.5),
          BASE_LR, r.bool("qkv_silu", true), r.bool("no_v_silu", false), r.bool("attn_qk_norm", true),
          r.bool("learnable_ttt_scale", false), r.bool("ttt_prenorm", false), r.bool("ttt_nope", false),
          r.number("rope_theta", 10000.0), 1e-6, 0.006, false, 4.0, 0, false, true, -1);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  /**
   * The official {@code config.json} object of a project config: every field of the official
   * class, so the Hugging Face loader needs no defaults.
   *
   * @param torchDtype the dtype the weights are written in ({@code float32}, {@code bfloat16})
   * @throws IllegalArgumentException if the config uses something the official model cannot express
   */
  public static ObjectNode write(ModelConfig m, String torchDtype) {
    if (m.baseLr() != BASE_LR) {
      throw new IllegalArgumentException("baseLr = " + m.baseLr() + " cannot be exported: the official model fixes "
          + BASE_LR);
    }
    if (!m.tttEnabled()) {
      throw new IllegalArgumentException("tttEnabled = false cannot be exported: the official model has no TTT-off switch");
    }
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add("LaCTForCausalLM");
    o.put("attention_bias", false);
    o.put("attn_qk_norm", m.attnQkNorm());
    o.put("bos_token_id", 1);
    o.put("elementwise_affine", true);
    o.put("eos_token_id", 2);
    o.put("fp32_states", false);
    o.put("fuse_cross_entropy", true);
    o.put("fuse_norm", true);
    o.put("fuse_swiglu", true);
    o.put("fw_init_gain", m.fwInitGain());
    o.put("hidden_act", "swish");
    putNumber(o, "hidden_ratio", m.hiddenRatio());
    o.put("hidden_size", m.hiddenSize());
    o.put("initializer_range", m.initializerRange());
    putNumber(o, "inter_multi", m.interMulti());
    if (m.intermediateSize() > 0) {
      o.put("intermediate_size", m.intermediateSize());
    } else {
      o.putNull("intermediate_size");
    }
    o.put("lact_chunk_size", m.chunkSize());
    o.put("last_layer_fuse_norm", true);
    o.put("learnable_ttt_scale", m.learnableTttScale());
    o.put("lr_dim", 1);
    o.put("lr_parameterization", "mamba");
    o.put("max_position_embeddings", m.contextLength());
    o.put("model_type", "lact_swiglu");
    o.put("no_v_silu", m.noVSilu());
    o.put("norm_eps", m.normEps());
    o.put("num_attn_heads", m.numAttnHeads());
    o.put("num_hidden_layers", m.numLayers());
    o.put("num_lact_heads", m.numLactHeads());
    if (m.padTokenId() >= 0) {
      o.put("pad_token_id", m.padTokenId());
    } else {
      o.putNull("pad_token_id");
    }
    o.put("qkv_bias", false);
    o.put("qkv_silu", m.qkvSilu());
    putNumber(o, "rope_theta", m.ropeTheta());
    o.put("tie_word_embeddings", m.tieWordEmbeddings());
    o.put("torch_dtype", torchDtype);
    o.put("ttt_loss_type", "dot_product");
    o.put("ttt_nope", m.tttNope());
    o.put("ttt_prenorm", m.tttPrenorm());
    o.put("use_cache", true);
    o.put("use_fused_kernel", false);
    o.put("use_momentum", m.useMomentum());
    o.put("use_muon", m.useMuon());
    o.put("vocab_size", m.vocabSize());
    o.put("w0_w2_low_rank", m.lowRank() > 0 ? m.lowRank() : -1);
    if (m.windowSize() == FULL_WINDOW) {
      o.putNull("window_size");
    } else {
      o.put("window_size", m.windowSize());
    }
    return o;
  }

  /** Integral values as JSON integers (the official types are int), others as doubles. */
  private static void putNumber(ObjectNode o, String name, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      o.put(name, (long) v);
    } else {
      o.put(name, v);
    }
  }
}
