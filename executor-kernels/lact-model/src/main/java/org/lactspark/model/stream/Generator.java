package org.lactspark.model.stream;

import java.util.Arrays;
import org.lactspark.kernel.nd4j.Tape;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Greedy decoding on a {@link StreamingModel}: the prompt is fed as one piece, then each argmax
 * token is fed back alone, so a step costs one token's work, not the whole prefix's.
 */
public final class Generator {
  private Generator() {}

  /**
   * Starts a new sequence on {@code m} ({@link StreamingModel#reset()}), feeds {@code prompt} and
   * generates up to {@code maxNewTokens} tokens, each the argmax of the last logits (the lowest id
   * on a tie).
   *
   * @param prompt at least one token
   * @param maxNewTokens how many tokens at most, {@code >= 0}
   * @param stopId generation ends after this token is produced (it is included); -1 for none
   * @return the generated tokens (without the prompt)
   * @throws IllegalArgumentException for an empty prompt or a negative count
   */
  public static int[] greedy(StreamingModel m, int[] prompt, int maxNewTokens, int stopId) {
    if (prompt == null || prompt.length == 0) {
      throw new IllegalArgumentException("prompt: at least one token is needed");
    }
    if (maxNewTokens < 0) {
      throw new IllegalArgumentException("maxNewTokens = " + maxNewTokens + ": must be >= 0");
    }
    m.reset();
    int[] out = new int[maxNewTokens];
    int n = 0;
    if (maxNewTokens == 0) {
      return out;
    }
    INDArray logits = m.feed(prompt);
    while (true) {
      int next = argmaxOfLastRow(logits);
      Tape.free(logits);
      out[n++] = next;
      if (n == maxNewTokens || next == stopId) {
        break;
      }
      logits = m.feed(new int[] {next});
    }
    return Arrays.copyOf(out, n);
  }

  /** The index of the largest value of the last row of {@code logits [t, V]}; the first on a tie. */
  static int argmaxOfLastRow(INDArray logits) {
    INDArray last = logits.getRow(logits.size(0) - 1).dup();
    double[] row = last.data().asDouble();
    Tape.free(last);
    int best = 0;
    for (int i = 1; i < row.length; i++) {
      if (row[i] > row[best]) {
        best = i;
      }
    }
    return best;
  }
}
