package org.lactspark.data.probe;

import java.util.Arrays;
import java.util.List;
import org.lactspark.data.dataset.PackedSequence;

/**
 * One generated probe example: its tokens (one whole document, with the tokenizer's markers), the
 * answer spans an evaluator scores, the text of each answer, and where the evidence for each answer
 * sits earlier in the sequence (so results can be broken down by distance or depth).
 *
 * @param tokens token ids, the document's markers included
 * @param answerSpans the scored token ranges, in order
 * @param answers the text each span encodes, in order (decoding a span's tokens gives it back for a
 *     tokenizer that decodes exactly)
 * @param sources for each answer, the first token of the text earlier in the sequence that holds it
 *     (a pair's value, the needle's number)
 */
public record ProbeExample(int[] tokens, List<PackedSequence.Span> answerSpans, List<String> answers,
    int[] sources) {
  /** Copies the arrays and lists, so the record stays immutable. */
  public ProbeExample {
    tokens = tokens.clone();
    answerSpans = List.copyOf(answerSpans);
    answers = List.copyOf(answers);
    sources = sources.clone();
    if (answers.size() != answerSpans.size() || sources.length != answerSpans.size()) {
      throw new IllegalArgumentException(answerSpans.size() + " answer spans but " + answers.size()
          + " answers and " + sources.length + " sources");
    }
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  @Override
  public int[] sources() {
    return sources.clone();
  }

  /** The number of tokens. */
  public int length() {
    return tokens.length;
  }

  /** The example in the dataset format: one document starting at 0, with its answer spans. */
  public PackedSequence toSequence() {
    return new PackedSequence(tokens, new int[] {0}, answerSpans);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProbeExample e && Arrays.equals(tokens, e.tokens) && answerSpans.equals(e.answerSpans)
        && answers.equals(e.answers) && Arrays.equals(sources, e.sources);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(tokens) + answerSpans.hashCode()) + Arrays.hashCode(sources);
  }

  @Override
  public String toString() {
    return "ProbeExample[" + tokens.length + " tokens, answers " + answerSpans + " " + answers + ", sources "
        + Arrays.toString(sources) + "]";
  }
}
