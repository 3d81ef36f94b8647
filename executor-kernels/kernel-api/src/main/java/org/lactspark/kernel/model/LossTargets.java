package org.lactspark.kernel.model;

/**
 * Which positions the language-model loss scores and against which token ({@code
 * LaCTForCausalLM}'s shifted cross-entropy): position t is scored against the label at t + 1, the
 * last position never; a label equal to {@link #IGNORE_INDEX} is skipped; padding is neither input
 * nor target; and with document restart a position is not scored against the first token of the
 * next document. The loss is the mean over the scored positions of a batch.
 */
public final class LossTargets {
  /** Labels with this value are not scored (PyTorch's default ignore index). */
  public static final int IGNORE_INDEX = -100;

  private LossTargets() {}

  /**
   * The target of each position of {@code [batch, length]}, row-major, -1 where not scored.
   *
   * @param labels the unshifted labels (usually the token ids themselves)
   * @param documents document numbers (0: padding), or null for no padding and one document per row
   * @throws IllegalArgumentException naming the position of a label outside {@code [0, vocab)}
   *     that is not the ignore index
   */
  public static int[] of(int batch, int length, int[] labels, int[] documents, boolean documentRestart, int vocab) {
    int[] t = new int[batch * length];
    for (int i = 0; i < batch; i++) {
      for (int j = 0; j < length; j++) {
        int at = i * length + j;
        t[at] = -1;
        if (j == length - 1) {
          continue;
        }
        int y = labels[at + 1];
        if (y == IGNORE_INDEX) {
          continue;
        }
        if (y < 0 || y >= vocab) {
          throw new IllegalArgumentException("labels: value " + y + " at [" + i + ", " + (j + 1) + "] is neither "
              + IGNORE_INDEX + " nor a class in [0, " + vocab + ")");
        }
        if (documents != null && (documents[at] <= 0 || documents[at + 1] <= 0
            || (documentRestart && documents[at] != documents[at + 1]))) {
          continue;
        }
        t[at] = y;
      }
    }
    return t;
  }

  /** The targets of a batch whose labels are its own ids. */
  public static int[] of(TokenBatch b, boolean documentRestart, int vocab) {
    return of(b.batch(), b.length(), b.ids(), b.documents(), documentRestart, vocab);
  }

  /** How many positions {@code targets} scores. */
  public static long scored(int[] targets) {
    long n = 0;
    for (int t : targets) {
      if (t >= 0) {
        n++;
      }
    }
    return n;
  }
}
