package org.lactspark.conf.keys;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every key of the model configuration, once. Names follow the project; the matching field of the
 * official {@code LaCTSWIGLUConfig} is given in each doc (lact-spec 1.1).
 */
public final class ModelKeys {
  private ModelKeys() {}

  /** The keys in documentation order. */
  public static final List<ConfigKey> ALL = List.of(
      ConfigKey.intAtLeast("vocabSize", null, 1, "vocabulary size V (vocab_size)"),
      ConfigKey.intAtLeast("hiddenSize", null, 1, "model width d (hidden_size)"),
      ConfigKey.intAtLeast("numLayers", null, 1, "number of blocks (num_hidden_layers)"),
      ConfigKey.intAtLeast("numAttnHeads", null, 1,
          "sliding-window attention heads H_a; also the RoPE split of the TTT q/k (num_attn_heads)"),
      ConfigKey.intAtLeast("numLactHeads", null, 1, "fast-weight heads H_f (num_lact_heads)"),
      ConfigKey.positive("interMulti", 1.0, "fast-weight hidden width d_h = int(d/H_f * interMulti) (inter_multi)"),
      ConfigKey.intAtLeast("windowSize", null, 1, "attention window Wn: query t sees keys t-Wn+1..t (window_size)"),
      ConfigKey.intAtLeast("chunkSize", null, 1, "TTT chunk size C (lact_chunk_size)"),
      ConfigKey.intAtLeast("contextLength", null, 1,
          "training context length; sizes the RoPE tables (max_position_embeddings)"),
      ConfigKey.flag("useMuon", true, "Newton-Schulz on every fast-weight update (use_muon)"),
      ConfigKey.flag("useMomentum", true, "chunk-mean momentum on the updates (use_momentum)"),
      ConfigKey.intAtLeast("lowRank", 32, 0,
          "rank r of the initial W0/W2 as L R + 0.5 I; 0 for full-rank parameters (w0_w2_low_rank)"),
      ConfigKey.positive("fwInitGain", 0.5, "gain of the low-rank initial fast weights (fw_init_gain)"),
      ConfigKey.positive("baseLr", 1e-3, "median inner learning rate: softplus(x + softplus^-1(baseLr))"),
      ConfigKey.flag("qkvSilu", true, "silu on the TTT q, k (and v unless noVSilu) (qkv_silu)"),
      ConfigKey.flag("noVSilu", false, "no silu on the TTT v (no_v_silu)"),
      ConfigKey.flag("attnQkNorm", false, "RMSNorm on q and k before both branches (attn_qk_norm)"),
      ConfigKey.flag("learnableTttScale", true, "gate the TTT output by silu(Linear(x)) (learnable_ttt_scale)"),
      ConfigKey.flag("tttPrenorm", false, "pre-norm variant of the op (ttt_prenorm)"),
      ConfigKey.flag("tttNope", false, "no RoPE on the TTT q/k (ttt_nope)"),
      ConfigKey.positive("ropeTheta", 1e6, "RoPE base (rope_theta)"),
      ConfigKey.positive("normEps", 1e-6, "eps of the block and final RMSNorms (norm_eps)"),
      ConfigKey.positive("initializerRange", 0.02, "std of the Linear and embedding init (initializer_range)"),
      ConfigKey.flag("tieWordEmbeddings", false, "LM head shares the embedding matrix (tie_word_embeddings)"),
      ConfigKey.positive("hiddenRatio", 4.0,
          "MLP width 256*ceil(int(d*hiddenRatio*2/3)/256) when intermediateSize is 0 (hidden_ratio)"),
      ConfigKey.intAtLeast("intermediateSize", 0, 0, "MLP width; 0 derives it from hiddenRatio (intermediate_size)"),
      ConfigKey.flag("documentRestart", false,
          "restart the fast weights at each document start instead of letting packed documents share them"),
      ConfigKey.flag("tttEnabled", true,
          "false switches the TTT branch off: each layer is sliding-window attention only (the TTT-off baseline)"),
      ConfigKey.intAtLeast("padTokenId", -1, -1,
          "token whose embedding row gets no gradient (nn.Embedding padding_idx; pad_token_id); -1 for none"));

  private static final Map<String, ConfigKey> BY_NAME = index();

  private static Map<String, ConfigKey> index() {
    Map<String, ConfigKey> m = new LinkedHashMap<>();
    for (ConfigKey k : ALL) {
      m.put(k.name(), k);
    }
    return m;
  }

  /** The key named {@code name}, if any. */
  public static Optional<ConfigKey> byName(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }
}
