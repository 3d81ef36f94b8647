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
    int b = to - from;
    int[] ids = new int[b * length];
    int[] docs = new int[b * length];
    for (int i = 0; i < b; i++) {
      int[] t = tokens[from + i];
      int[] st = starts[from + i];
      if (t.length > length) {
        throw new IllegalArgumentException("sequence " + (from + i) + ": " + t.length + " tokens, more than the length "
            + length + " of its batch");
      }
      int doc = 1;
      int next = 0;
      if (st.length > 0 && st[0] == 0) {
        next = 1;
      }
      for (int p = 0; p < t.length; p++) {
        if (next < st.length && st[next] == p) {
          doc++;
          next++;
        }
        ids[i * length + p] = t[p];
        docs[i * length + p] = doc;
      }
    }
    return new TokenBatch(b, length, ids, docs);
  }
}
