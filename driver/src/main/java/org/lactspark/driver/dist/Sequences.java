package org.lactspark.driver.dist;

import java.io.Serializable;
import java.util.List;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.kernel.model.TokenBatch;

/**
 * One worker's share of a step: sequences of at most {@code length} tokens with their document
 * starts, as plain arrays (what travels to an executor).
 *
 * @param length the dataset's sequence length L (shorter sequences are padded to it)
 * @param tokens per sequence, its token ids
 * @param starts per sequence, the positions where a document begins
 */
public record Sequences(int length, int[][] tokens, int[][] starts) implements Serializable {
  /** The share of {@code seqs}. */
  public static Sequences of(int length, List<PackedSequence> seqs) {
    int[][] t = new int[seqs.size()][];
    int[][] s = new int[seqs.size()][];
    for (int i = 0; i < t.length; i++) {
      t[i] = seqs.get(i).tokens();
      s[i] = seqs.get(i).documentStarts();
    }
    return new Sequences(length, t, s);
  }

  /** Sequences held. */
  public int count() {
    return tokens.length;
  }

  /** Sequences {@code from..to-1}. */
  public Sequences slice(int from, int to) {
    return new Sequences(length, java.util.Arrays.copyOfRange(tokens, from, to),
        java.util.Arrays.copyOfRange(starts, from, to));
  }

  /**
   * The model's input for sequences {@code from..to-1}: token ids {@code [b, L]} and the document
   * number of each position (1, 2, ... from each start; tokens before a sequence's first start
   * continue a document from before and count as the first), 0 on padding (id 0).
   *
   * @throws IllegalArgumentException naming a sequence longer than {@code length}
   */
  public TokenBatch batch(int from, int to) {
    return TokenBatch.ofSequences(length, tokens, starts, from, to);
  }

}
