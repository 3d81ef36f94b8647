package org.lactspark.conf;

import java.util.LinkedHashMap;
import java.util.Map;
import org.lactspark.conf.keys.ConfigKey;
import org.lactspark.conf.keys.ModelKeys;

/**
 * The configuration of a LaCT language model (lact-spec 1.1 to 1.10): every key of {@link
 * ModelKeys}, immutable and validated at construction. A violated rule is a {@link
 * ConfigException} naming the key and its value; loaders ({@code org.lactspark.conf.load}) add
 * where the value came from.
 *
 * @param vocabSize vocabulary size
 * @param hiddenSize model width d
 * @param numLayers number of blocks
 * @param numAttnHeads attention heads
 * @param numLactHeads fast-weight heads
 * @param interMulti fast-weight hidden width multiplier
 * @param windowSize sliding-window size
 * @param chunkSize TTT chunk size
 * @param contextLength training context length
 * @param useMuon Newton-Schulz on updates
 * @param useMomentum momentum on updates
 * @param lowRank rank of the initial W0/W2 (0: full rank)
 * @param fwInitGain gain of the low-rank initial fast weights
 * @param baseLr median inner learning rate
 * @param qkvSilu silu on the TTT q, k, v
 * @param noVSilu no silu on the TTT v
 * @param attnQkNorm RMSNorm on q and k
 * @param learnableTttScale silu(Linear(x)) gate on the TTT output
 * @param tttPrenorm pre-norm op variant
 * @param tttNope no RoPE in the TTT branch
 * @param ropeTheta RoPE base
 * @param normEps block and final RMSNorm eps
 * @param initializerRange init std
 * @param tieWordEmbeddings LM head shares the embedding
 * @param hiddenRatio MLP ratio when intermediateSize is 0
 * @param intermediateSize MLP width, 0 to derive it
 * @param documentRestart restart fast weights at document starts
 * @param tttEnabled the TTT branch is on (false: the attention-only baseline)
 * @param padTokenId the token whose embedding row gets no gradient, or -1
 */
public record ModelConfig(
    int vocabSize, int hiddenSize, int numLayers, int numAttnHeads, int numLactHeads, double interMulti,
    int windowSize, int chunkSize, int contextLength, boolean useMuon, boolean useMomentum, int lowRank,
    double fwInitGain, double baseLr, boolean qkvSilu, boolean noVSilu, boolean attnQkNorm,
    boolean learnableTttScale, boolean tttPrenorm, boolean tttNope, double ropeTheta, double normEps,
    double initializerRange, boolean tieWordEmbeddings, double hiddenRatio, int intermediateSize,
    boolean documentRestart, boolean tttEnabled, int padTokenId) implements java.io.Serializable {

  /** Where values come from when the record is built directly. */
  static final String DIRECT = "model config";

  /** Validates every key's own rule, then the rules between keys. */
  public ModelConfig {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("vocabSize", vocabSize);
    v.put("hiddenSize", hiddenSize);
    v.put("numLayers", numLayers);
    v.put("numAttnHeads", numAttnHeads);
    v.put("numLactHeads", numLactHeads);
    v.put("interMulti", interMulti);
    v.put("windowSize", windowSize);
    v.put("chunkSize", chunkSize);
    v.put("contextLength", contextLength);
    v.put("lowRank", lowRank);
    v.put("fwInitGain", fwInitGain);
    v.put("baseLr", baseLr);
    v.put("ropeTheta", ropeTheta);
    v.put("normEps", normEps);
    v.put("initializerRange", initializerRange);
    v.put("hiddenRatio", hiddenRatio);
    v.put("intermediateSize", intermediateSize);
    v.put("padTokenId", padTokenId);
    for (Map.Entry<String, Object> e : v.entrySet()) {
      ConfigKey k = ModelKeys.byName(e.getKey()).orElseThrow();
      if (!k.valid().test(e.getValue())) {
        throw new ConfigException(k.name(), e.getValue(), DIRECT, k.rule());
      }
    }
    if (padTokenId >= vocabSize) {
      throw new ConfigException("padTokenId", padTokenId, DIRECT, "must be -1 or a token below vocabSize = " + vocabSize);
    }
    if (hiddenSize % numAttnHeads != 0) {
      throw new ConfigException("numAttnHeads", numAttnHeads, DIRECT, "must divide hiddenSize = " + hiddenSize);
    }
    if ((hiddenSize / numAttnHeads) % 2 != 0) {
      throw new ConfigException("numAttnHeads", numAttnHeads, DIRECT,
          "must leave an even head width for RoPE (hiddenSize / numAttnHeads = " + hiddenSize / numAttnHeads + ")");
    }
    if (hiddenSize % numLactHeads != 0) {
      throw new ConfigException("numLactHeads", numLactHeads, DIRECT, "must divide hiddenSize = " + hiddenSize);
    }
    if ((int) (hiddenSize / numLactHeads * interMulti) < 1) {
      throw new ConfigException("interMulti", interMulti, DIRECT,
          "gives a fast-weight hidden width below 1 (head width " + hiddenSize / numLactHeads + ")");
    }
  }

  /** Attention head width d / H_a. */
  public int attnHeadDim() {
    return hiddenSize / numAttnHeads;
  }

  /** Fast-weight head width d_f = d / H_f. */
  public int lactHeadDim() {
    return hiddenSize / numLactHeads;
  }

  /** Fast-weight hidden width d_h = int(d_f * interMulti). */
  public int fastHiddenDim() {
    return (int) (lactHeadDim() * interMulti);
  }

  /** The MLP width: intermediateSize, or 256 * ceil(int(d * hiddenRatio * 2 / 3) / 256). */
  public int mlpWidth() {
    if (intermediateSize > 0) {
      return intermediateSize;
    }
    int raw = (int) (hiddenSize * hiddenRatio * 2 / 3);
    return 256 * ((raw + 255) / 256);
  }

  /** Every key's value, in {@link ModelKeys#ALL} order. */
  public Map<String, Object> values() {
    Map<String, Object> m = new LinkedHashMap<>();
    Object[] all = {vocabSize, hiddenSize, numLayers, numAttnHeads, numLactHeads, interMulti, windowSize,
        chunkSize, contextLength, useMuon, useMomentum, lowRank, fwInitGain, baseLr, qkvSilu, noVSilu,
        attnQkNorm, learnableTttScale, tttPrenorm, tttNope, ropeTheta, normEps, initializerRange,
        tieWordEmbeddings, hiddenRatio, intermediateSize, documentRestart, tttEnabled, padTokenId};
    for (int i = 0; i < all.length; i++) {
      m.put(ModelKeys.ALL.get(i).name(), all[i]);
    }
    return m;
  }

  /** Builds a config from values by key name (every key present, typed as its {@link ConfigKey}). */
  public static ModelConfig fromValues(Map<String, Object> v) {
    return new ModelConfig((Integer) v.get("vocabSize"), (Integer) v.get("hiddenSize"),
        (Integer) v.get("numLayers"), (Integer) v.get("numAttnHeads"), (Integer) v.get("numLactHeads"),
        (Double) v.get("interMulti"), (Integer) v.get("windowSize"), (Integer) v.get("chunkSize"),
        (Integer) v.get("contextLength"), (Boolean) v.get("useMuon"), (Boolean) v.get("useMomentum"),
        (Integer) v.get("lowRank"), (Double) v.get("fwInitGain"), (Double) v.get("baseLr"),
        (Boolean) v.get("qkvSilu"), (Boolean) v.get("noVSilu"), (Boolean) v.get("attnQkNorm"),
        (Boolean) v.get("learnableTttScale"), (Boolean) v.get("tttPrenorm"), (Boolean) v.get("tttNope"),
        (Double) v.get("ropeTheta"), (Double) v.get("normEps"), (Double) v.get("initializerRange"),
        (Boolean) v.get("tieWordEmbeddings"), (Double) v.get("hiddenRatio"),
        (Integer) v.get("intermediateSize"), (Boolean) v.get("documentRestart"), (Boolean) v.get("tttEnabled"),
        (Integer) v.get("padTokenId"));
  }
}
