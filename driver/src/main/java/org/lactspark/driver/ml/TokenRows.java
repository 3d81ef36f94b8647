package org.lactspark.driver.ml;

import java.util.List;

/**
 * Reads a row's token ids and document starts (array&lt;int&gt; or array&lt;bigint&gt;) and
 * checks them, naming the param and column, before they reach the model.
 */
final class TokenRows {
  private final ScoringSetup setup;

  TokenRows(ScoringSetup setup) {
    this.setup = setup;
  }

  /** The row's token ids, null when the column is null. */
  int[] tokens(org.apache.spark.sql.Row row) {
    if (row.isNullAt(setup.inputIndex())) {
      return null;
    }
    int[] t = ints(row.getList(setup.inputIndex()), "inputCol", setup.columns().input());
    int vocab = setup.model().vocabSize();
    for (int p = 0; p < t.length; p++) {
      if (t[p] < 0 || t[p] >= vocab) {
        throw new IllegalArgumentException(prefix("inputCol", setup.columns().input()) + "token id " + t[p]
            + " at position " + p + " is outside the model's vocabulary [0, " + vocab + ")");
      }
    }
    if (setup.maxLength() > 0 && t.length > setup.maxLength()) {
      throw new IllegalArgumentException("SequenceLossScorer: param maxLength = " + setup.maxLength()
          + ": column '" + setup.columns().input() + "' holds a sequence of " + t.length + " tokens");
    }
    return t;
  }

  /**
   * The row's document starts (ascending positions inside the sequence); none (the row is one
   * document) without a starts column or when it is null.
   */
  int[] starts(org.apache.spark.sql.Row row, int length) {
    if (setup.startsIndex() < 0 || row.isNullAt(setup.startsIndex())) {
      return new int[0];
    }
    int[] s = ints(row.getList(setup.startsIndex()), "documentStartsCol", setup.columns().starts());
    for (int i = 0; i < s.length; i++) {
      if (s[i] < 0 || s[i] >= length || (i > 0 && s[i] <= s[i - 1])) {
        throw new IllegalArgumentException(prefix("documentStartsCol", setup.columns().starts())
            + "document starts " + java.util.Arrays.toString(s)
            + " are not ascending positions inside the sequence of " + length + " tokens");
      }
    }
    return s;
  }

  private static int[] ints(List<Object> list, String param, String column) {
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = list.get(i);
      if (v == null) {
        throw new IllegalArgumentException(prefix(param, column) + "null element at index " + i);
      }
      long x = ((Number) v).longValue();
      if (x != (int) x) {
        throw new IllegalArgumentException(prefix(param, column) + "value " + x + " at index " + i
            + " does not fit an int");
      }
      out[i] = (int) x;
    }
    return out;
  }

  private static String prefix(String param, String column) {
    return "SequenceLossScorer: param " + param + ", column '" + column + "': ";
  }
}
