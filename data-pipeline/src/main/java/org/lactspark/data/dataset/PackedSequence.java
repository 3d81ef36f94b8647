package org.lactspark.data.dataset;

import java.util.Arrays;

/**
 * One training sequence of a shard: its token ids (at most the shard's sequence length; a consumer
 * pads the rest) and the positions where a document starts inside it, strictly increasing. The
 * starts feed the model's mask (document numbers) and its document-restart mode.
 *
 * @param tokens token ids, each >= 0
 * @param documentStarts positions {@code p} in {@code [0, tokens.length)} where a document begins
 */
public record PackedSequence(int[] tokens, int[] documentStarts) {
  /** Copies the arrays, so the record stays immutable. */
  public PackedSequence {
    tokens = tokens.clone();
    documentStarts = documentStarts.clone();
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  @Override
  public int[] documentStarts() {
    return documentStarts.clone();
  }

  /** The number of tokens. */
  public int length() {
    return tokens.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackedSequence p && Arrays.equals(tokens, p.tokens)
        && Arrays.equals(documentStarts, p.documentStarts);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(tokens) + Arrays.hashCode(documentStarts);
  }

  @Override
  public String toString() {
    return "PackedSequence[" + tokens.length + " tokens, starts " + Arrays.toString(documentStarts) + "]";
  }
}
