package org.lactspark.kernel.model;

import java.util.Arrays;

/**
 * Sequences of one length as a model's input, row-major {@code [batch, length]}: token ids and the
 * document number of each position (0: padding; a positive number names the document, and a new
 * document starts wherever the number changes, so a plain 1/0 mask is one document per row).
 *
 * @param batch rows
 * @param length positions per row
 * @param ids token ids, {@code batch * length}
 * @param documents document numbers, {@code batch * length}
 */
public record TokenBatch(int batch, int length, int[] ids, int[] documents) {
  /**
   * Checks the shape and the values, naming the first bad position.
   *
   * @throws IllegalArgumentException if an array's length is not {@code batch * length} or a
   *     document number is negative
   */
  public TokenBatch {
    if (batch < 1 || length < 1) {
      throw new IllegalArgumentException("token batch: batch = " + batch + ", length = " + length + ": both must be >= 1");
    }
    long n = (long) batch * length;
    if (ids.length != n || documents.length != n) {
      throw new IllegalArgumentException("token batch [" + batch + ", " + length + "]: ids hold " + ids.length
          + " values and documents " + documents.length + ", expected " + n);
    }
    for (int i = 0; i < documents.length; i++) {
      if (documents[i] < 0) {
        throw new IllegalArgumentException("token batch: document number " + documents[i] + " at [" + i / length
            + ", " + i % length + "] is negative (0 is padding)");
      }
    }
  }

  /** Rows of full, unpadded single documents. */
  public static TokenBatch of(int batch, int length, int[] ids) {
    int[] docs = new int[ids.length];
    Arrays.fill(docs, 1);
    return new TokenBatch(batch, length, ids, docs);
  }

  /**
   * Rows {@code from..to-1} of packed sequences as a batch of {@code length} positions: a row's
   * documents are numbered 1, 2, ... from its starts (tokens before the first start continue a
   * document from before and count as the first); positions past a shorter row are padding (0).
   *
   * @throws IllegalArgumentException if a row is longer than {@code length}
   */
  public static TokenBatch ofSequences(int length, int[][] rows, int[][] starts, int from, int to) {
    int b = to - from;
    int[] ids = new int[b * length];
    int[] docs = new int[b * length];
    for (int i = 0; i < b; i++) {
      int[] t = rows[from + i];
      int[] st = starts[from + i];
      if (t.length > length) {
        throw new IllegalArgumentException("sequence " + (from + i) + ": " + t.length + " tokens, more than the length "
            + length + " of its batch");
      }
      int doc = 1;
      int next = st.length > 0 && st[0] == 0 ? 1 : 0;
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

  /**
   * Checks every id is a token of a {@code vocab}-sized vocabulary.
   *
   * @throws IllegalArgumentException naming the position of the first id outside {@code [0, vocab)}
   */
  public void requireIds(int vocab) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocab) {
        throw new IllegalArgumentException("token ids: value " + ids[i] + " at [" + i / length + ", " + i % length
            + "] is not an integer in [0, " + vocab + ")");
      }
    }
  }

  /** Whether any position is padding. */
  public boolean hasPadding() {
    for (int d : documents) {
      if (d == 0) {
        return true;
      }
    }
    return false;
  }

  /** Whether any row holds more than one document. */
  public boolean hasSeveralDocuments() {
    for (int b = 0; b < batch; b++) {
      for (int t = 1; t < length; t++) {
        int at = b * length + t;
        if (documents[at] > 0 && documents[at - 1] > 0 && documents[at] != documents[at - 1]) {
          return true;
        }
      }
    }
    return false;
  }
}
