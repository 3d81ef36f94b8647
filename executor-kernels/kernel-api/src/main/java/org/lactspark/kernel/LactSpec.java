package org.lactspark.kernel;

import java.util.Objects;

/**
 * What the LaCT op computes, independent of the data: the schedule, the norm placement, the chunk
 * size and the optional momentum and Muon. Immutable and validated at construction.
 *
 * @param mode block-causal (apply, then update, per chunk) or bidirectional (update once, then apply)
 * @param norm post-norm or pre-norm row renormalisation
 * @param chunkSize tokens per update in block-causal mode (ignored, but still positive, in
 *     bidirectional mode where all writers form one chunk)
 * @param muon orthogonalise each update with Newton-Schulz
 * @param momentum add the chunk-mean momentum coefficient times the previous update
 * @param nsSchedule Newton-Schulz coefficients used when {@code muon} is on
 * @param normTargetsDetached treat the row norms the weights are renormalised to as constants in
 *     the backward (the NVS code detaches them; the language-model code lets the gradient flow
 *     through them into the initial weights)
 */
public record LactSpec(
    LactMode mode,
    NormPlacement norm,
    int chunkSize,
    boolean muon,
    boolean momentum,
    NewtonSchulzSchedule nsSchedule,
    boolean normTargetsDetached) {

  /** Validates every field, naming it. */
  public LactSpec {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(norm, "norm");
    Objects.requireNonNull(nsSchedule, "nsSchedule");
    if (chunkSize <= 0) {
      throw new IllegalArgumentException("chunkSize = " + chunkSize + ": must be >= 1");
    }
  }

  /** The language-model op: block-causal, post-norm, the five-step Muon schedule, norms not detached. */
  public static LactSpec blockCausal(int chunkSize, boolean muon, boolean momentum) {
    return new LactSpec(LactMode.BLOCK_CAUSAL, NormPlacement.POSTNORM, chunkSize, muon, momentum,
        NewtonSchulzSchedule.LM_FIVE_STEP, false);
  }

  /**
   * The set op of the NVS code: one update from the writer tokens, then every token reads the
   * updated weights; no momentum; target row norms detached, as that code does.
   */
  public static LactSpec bidirectional(boolean muon, NewtonSchulzSchedule schedule) {
    return new LactSpec(LactMode.BIDIRECTIONAL, NormPlacement.POSTNORM, 1, muon, false, schedule, true);
  }

  /** This spec with another norm placement. */
  public LactSpec withNorm(NormPlacement placement) {
    return new LactSpec(mode, placement, chunkSize, muon, momentum, nsSchedule, normTargetsDetached);
  }

  /** This spec with another chunk size. */
  public LactSpec withChunkSize(int size) {
    return new LactSpec(mode, norm, size, muon, momentum, nsSchedule, normTargetsDetached);
  }

  /** This spec with momentum on or off. */
  public LactSpec withMomentum(boolean on) {
    return new LactSpec(mode, norm, chunkSize, muon, on, nsSchedule, normTargetsDetached);
  }

  /** This spec with Muon on or off. */
  public LactSpec withMuon(boolean on) {
    return new LactSpec(mode, norm, chunkSize, on, momentum, nsSchedule, normTargetsDetached);
  }

  /** This spec with another Newton-Schulz schedule. */
  public LactSpec withNsSchedule(NewtonSchulzSchedule schedule) {
    return new LactSpec(mode, norm, chunkSize, muon, momentum, schedule, normTargetsDetached);
  }

  /** This spec with the target row norms detached or not. */
  public LactSpec withNormTargetsDetached(boolean detached) {
    return new LactSpec(mode, norm, chunkSize, muon, momentum, nsSchedule, detached);
  }
}
