package org.lactspark.data.dataset;

import java.util.Arrays;
import java.util.List;

/**
 * One sequence of a shard: its token ids (at most the shard's sequence length; a consumer pads the
 * rest), the positions where a document starts inside it, strictly increasing, and the answer spans
 * an evaluator scores. The starts feed the model's mask (document numbers) and its document-restart
 * mode. Training data has no answer spans; an evaluation probe marks the tokens it scores with them.
 *
 * @param tokens token ids, each >= 0
 * @param documentStarts positions {@code p} in {@code [0, tokens.length)} where a document begins
 * @param answerSpans the scored token ranges, sorted and not overlapping (see {@link Span})
 */
public record PackedSequence(int[] tokens, int[] documentStarts, List<Span> answerSpans) {
  /**
   * A half-open token range {@code [start, end)} whose tokens are answers: an evaluator scores the
   * model predicting each token {@code t} of it from the tokens before {@code t} (the usual shifted
   * loss, so position {@code t - 1} predicts token {@code t}).
   *
   * @param start the first answer token
   * @param end one past the last answer token
   */
  public record Span(int start, int end) {
    /** The number of tokens in the span. */
    public int length() {
      return end - start;
    }

    @Override
    public String toString() {
      return "[" + start + ", " + end + ")";
    }
  }

  /** Copies the arrays and the list, so the record stays immutable. */
  public PackedSequence {
    tokens = tokens.clone();
    documentStarts = documentStarts.clone();
    answerSpans = List.copyOf(answerSpans);
  }

  /** A sequence without answer spans (training data). */
  public PackedSequence(int[] tokens, int[] documentStarts) {
    this(tokens, documentStarts, List.of());
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  @Override
  public int[] documentStarts() {
    return documentStarts.clone();
  }

  /** The answer spans, an unmodifiable list (so handing it out needs no copy). */
  @Override
  public List<Span> answerSpans() {
    return answerSpans;
  }

  /** The number of tokens. */
  public int length() {
    return tokens.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackedSequence p && Arrays.equals(tokens, p.tokens)
        && Arrays.equals(documentStarts, p.documentStarts) && answerSpans.equals(p.answerSpans);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(tokens) + Arrays.hashCode(documentStarts)) + answerSpans.hashCode();
  }

  @Override
  public String toString() {
    return "PackedSequence[" + tokens.length + " tokens, starts " + Arrays.toString(documentStarts)
        + (answerSpans.isEmpty() ? "" : ", answers " + answerSpans) + "]";
  }
}
