package org.lactspark.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * The ordered list of apply and update steps the op performs on a sequence of length {@code L}.
 * Every backend walks this one list forward and in reverse, so the chunk rules live in one place.
 *
 * <p>Block-causal, as the reference loop {@code for s in range(0, L - C, C)}: chunks
 * {@code [s, s + C)} for {@code s < L - C} are applied, then written; the rest {@code [e, L)} is
 * applied only. So there are {@code ceil(L / C) - 1} updates and none when {@code L <= C}.
 * Bidirectional: one update over {@code [0, L)}, then one apply over {@code [0, L)}.
 *
 * @param steps the steps in execution order
 * @param updates how many update steps there are
 */
public record LactSchedule(List<Step> steps, int updates) {

  /** Whether a step reads or writes the fast weights. */
  public enum Kind {
    /** Outputs {@code f_W(q_t)} for the range with the current weights. */
    APPLY,
    /** Writes the range's keys and values into the weights. */
    UPDATE
  }

  /**
   * One step.
   *
   * @param kind apply or update
   * @param start first token (inclusive)
   * @param end last token (exclusive)
   * @param version the weight version read: 0 for the initial weights, i after i updates
   */
  public record Step(Kind kind, int start, int end, int version) {
    /** Tokens in the range. */
    public int length() {
      return end - start;
    }
  }

  /** Copies defensively. */
  public LactSchedule {
    steps = List.copyOf(steps);
  }

  /** Builds the schedule for a sequence of {@code seqLen >= 1} tokens. */
  public static LactSchedule of(LactSpec spec, int seqLen) {
    if (seqLen < 1) {
      throw new IllegalArgumentException("seqLen = " + seqLen + ": must be >= 1");
    }
    List<Step> steps = new ArrayList<>();
    if (spec.mode() == LactMode.BIDIRECTIONAL) {
      steps.add(new Step(Kind.UPDATE, 0, seqLen, 0));
      steps.add(new Step(Kind.APPLY, 0, seqLen, 1));
      return new LactSchedule(steps, 1);
    }
    int c = spec.chunkSize();
    int version = 0;
    int e = 0;
    for (int s = 0; s < seqLen - c; s += c) {
      e = s + c;
      steps.add(new Step(Kind.APPLY, s, e, version));
      steps.add(new Step(Kind.UPDATE, s, e, version));
      version++;
    }
    steps.add(new Step(Kind.APPLY, e, seqLen, version));
    return new LactSchedule(steps, version);
  }
}
