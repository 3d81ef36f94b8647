package org.lactspark.model.nn;

import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.LactMode;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.NormPlacement;

/**
 * The hyperparameters of one LaCT layer (lact-spec 1.3): widths, heads, window and chunk, and the
 * switches of the TTT branch. {@code bidirectional} selects the set variant (the TTT branch
 * updates once from every real token and then every token reads the result; attention is not
 * causal); {@code documentRestart} restarts the TTT state, the attention window and the RoPE
 * positions at each document start.
 *
 * @param hiddenSize model width d
 * @param numAttnHeads attention heads H_a (also the RoPE split of the TTT q and k)
 * @param numLactHeads fast-weight heads H_f
 * @param fastHiddenDim hidden width of the fast SwiGLU d_h
 * @param windowSize attention window Wn
 * @param chunkSize TTT chunk size C
 * @param useMuon Newton-Schulz on the updates
 * @param useMomentum momentum on the updates
 * @param lowRank rank of the initial W0 and W2 (0: full-rank parameters)
 * @param baseLr median inner learning rate at initialisation (softplus shift)
 * @param qkvSilu silu on the TTT q, k (and v unless noVSilu)
 * @param noVSilu no silu on the TTT v
 * @param attnQkNorm RMSNorm on q and k before both branches
 * @param learnableTttScale the silu(Linear(x)) gate on the TTT output
 * @param tttPrenorm the op's pre-norm variant
 * @param tttNope no RoPE in the TTT branch
 * @param ropeTheta RoPE base
 * @param bidirectional the set variant
 * @param documentRestart restart at document starts
 * @param tttEnabled the TTT branch is on (false: attention only, the TTT-off baseline)
 */
public record LactLayerSpec(
    int hiddenSize, int numAttnHeads, int numLactHeads, int fastHiddenDim, int windowSize, int chunkSize,
    boolean useMuon, boolean useMomentum, int lowRank, double baseLr, boolean qkvSilu, boolean noVSilu,
    boolean attnQkNorm, boolean learnableTttScale, boolean tttPrenorm, boolean tttNope, double ropeTheta,
    boolean bidirectional, boolean documentRestart, boolean tttEnabled) {

  /** Checks the widths divide, naming the field. */
  public LactLayerSpec {
    require(hiddenSize >= 1, "hiddenSize", hiddenSize, "must be >= 1");
    require(numAttnHeads >= 1 && hiddenSize % numAttnHeads == 0, "numAttnHeads", numAttnHeads,
        "must divide hiddenSize = " + hiddenSize);
    require((hiddenSize / Math.max(1, numAttnHeads)) % 2 == 0, "numAttnHeads", numAttnHeads,
        "must leave an even attention head width for RoPE");
    require(numLactHeads >= 1 && hiddenSize % numLactHeads == 0, "numLactHeads", numLactHeads,
        "must divide hiddenSize = " + hiddenSize);
    require(fastHiddenDim >= 1, "fastHiddenDim", fastHiddenDim, "must be >= 1");
    require(windowSize >= 1, "windowSize", windowSize, "must be >= 1");
    require(chunkSize >= 1, "chunkSize", chunkSize, "must be >= 1");
    require(lowRank >= 0, "lowRank", lowRank, "must be >= 0");
    require(baseLr > 0 && Double.isFinite(baseLr), "baseLr", baseLr, "must be > 0");
    require(ropeTheta > 0, "ropeTheta", ropeTheta, "must be > 0");
  }

  private static void require(boolean ok, String key, Object value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("LaCT layer: " + key + " = " + value + ": " + rule);
    }
  }

  /** The causal language-model layer of a model config. */
  public static LactLayerSpec of(ModelConfig c) {
    return new LactLayerSpec(c.hiddenSize(), c.numAttnHeads(), c.numLactHeads(), c.fastHiddenDim(),
        c.windowSize(), c.chunkSize(), c.useMuon(), c.useMomentum(), c.lowRank(), c.baseLr(), c.qkvSilu(),
        c.noVSilu(), c.attnQkNorm(), c.learnableTttScale(), c.tttPrenorm(), c.tttNope(), c.ropeTheta(),
        false, c.documentRestart(), c.tttEnabled());
  }

  /** This spec as the set variant (or not). */
  public LactLayerSpec withBidirectional(boolean on) {
    return new LactLayerSpec(hiddenSize, numAttnHeads, numLactHeads, fastHiddenDim, windowSize, chunkSize,
        useMuon, useMomentum, lowRank, baseLr, qkvSilu, noVSilu, attnQkNorm, learnableTttScale, tttPrenorm,
        tttNope, ropeTheta, on, documentRestart, tttEnabled);
  }

  /** Attention head width. */
  public int attnHeadDim() {
    return hiddenSize / numAttnHeads;
  }

  /** Fast-weight head width d_f. */
  public int lactHeadDim() {
    return hiddenSize / numLactHeads;
  }

  /**
   * The op this layer runs. The set variant has no momentum (one update, so the buffer would
   * only ever hold zeros) and, like the LM code, lets the gradient flow through the row-norm
   * targets.
   */
  public LactSpec opSpec() {
    NormPlacement norm = tttPrenorm ? NormPlacement.PRENORM : NormPlacement.POSTNORM;
    LactMode mode = bidirectional ? LactMode.BIDIRECTIONAL : LactMode.BLOCK_CAUSAL;
    return new LactSpec(mode, norm, chunkSize, useMuon, useMomentum && !bidirectional,
        NewtonSchulzSchedule.LM_FIVE_STEP, false);
  }

  /** softplus^-1(baseLr) = y + log(-expm1(-y)): the shift that makes a zero projection give baseLr. */
  public double lrShift() {
    return baseLr + Math.log(-Math.expm1(-baseLr));
  }
}
