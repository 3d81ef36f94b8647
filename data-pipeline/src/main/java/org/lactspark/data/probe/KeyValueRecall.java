package org.lactspark.data.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Key-value recall in byte tokens, readable as text: the sequence opens with {@code numPairs}
 * pairs {@code key:value;} (keys of lowercase letters, values of digits), continues with filler
 * (uppercase letters), and ends with queries {@code ?key=value;} for some of the pairs. Only the
 * value tokens of the queries are scored: their labels are the tokens themselves, every other label
 * is {@link #IGNORE}. Each query is at least {@code minDistance} tokens after its pair, so a model
 * that sees only a window of that size cannot answer from attention alone.
 *
 * <p>Labels are aligned with positions: the model predicting token {@code t} from tokens before it
 * is scored at position {@code t - 1} against {@code labels[t]} (the usual shifted loss).
 *
 * @param seqLen tokens per example
 * @param numPairs key-value pairs written at the start
 * @param keyLen letters per key
 * @param valueLen digits per value
 * @param queries pairs queried at the end (at most {@code numPairs})
 * @param minDistance least distance from a pair to its query, in tokens
 */
public record KeyValueRecall(
    int seqLen, int numPairs, int keyLen, int valueLen, int queries, int minDistance) {

  /** The label of positions that are not scored. */
  public static final int IGNORE = -100;

  private static final int KEY_FIRST = 'a';
  private static final int KEY_LETTERS = 26;
  private static final int VALUE_FIRST = '0';
  private static final int FILLER_FIRST = 'A';

  /** Validates every field, naming it, and that the layout fits in {@code seqLen}. */
  public KeyValueRecall {
    check("seqLen", seqLen, 1);
    check("numPairs", numPairs, 1);
    check("keyLen", keyLen, 1);
    check("valueLen", valueLen, 1);
    check("queries", queries, 1);
    check("minDistance", minDistance, 0);
    if (queries > numPairs) {
      throw new IllegalArgumentException("queries = " + queries + ": must be <= numPairs = " + numPairs);
    }
    if (Math.pow(KEY_LETTERS, keyLen) < 2.0 * numPairs) {
      throw new IllegalArgumentException("keyLen = " + keyLen + ": too short for " + numPairs + " distinct keys");
    }
    int pairs = numPairs * (keyLen + valueLen + 2);
    int tail = queries * (keyLen + valueLen + 3);
    // the last pair must lie minDistance before the first query
    int needed = Math.max(pairs + tail, pairs + Math.max(0, minDistance - (keyLen + valueLen + 2)) + tail);
    if (needed > seqLen) {
      throw new IllegalArgumentException("seqLen = " + seqLen + ": must be >= " + needed
          + " to hold the pairs, the queries and a distance of " + minDistance);
    }
  }

  private static void check(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " = " + value + ": must be >= " + min);
    }
  }

  /**
   * One example.
   *
   * @param tokens byte tokens, {@code seqLen} of them
   * @param labels the token at scored positions, {@link #IGNORE} elsewhere
   * @param distances for each query, tokens from its pair's value to its answer
   */
  public record Example(int[] tokens, int[] labels, int[] distances) {}

  /** The example for {@code seed} (the same seed always gives the same example). */
  public Example generate(long seed) {
    Random rnd = new Random(seed);
    int[] tokens = new int[seqLen];
    int[] labels = new int[seqLen];
    java.util.Arrays.fill(labels, IGNORE);
    List<int[]> keys = distinctKeys(rnd);
    List<int[]> values = new ArrayList<>();
    int pos = 0;
    int[] valueAt = new int[numPairs];
    for (int i = 0; i < numPairs; i++) {
      pos = put(tokens, pos, keys.get(i));
      tokens[pos++] = ':';
      int[] v = new int[valueLen];
      for (int j = 0; j < valueLen; j++) {
        v[j] = VALUE_FIRST + rnd.nextInt(10);
      }
      values.add(v);
      valueAt[i] = pos;
      pos = put(tokens, pos, v);
      tokens[pos++] = ';';
    }
    int tail = queries * (keyLen + valueLen + 3);
    while (pos < seqLen - tail) {
      tokens[pos++] = FILLER_FIRST + rnd.nextInt(26);
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < numPairs; i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, rnd);
    int[] distances = new int[queries];
    for (int q = 0; q < queries; q++) {
      int i = order.get(q);
      tokens[pos++] = '?';
      pos = put(tokens, pos, keys.get(i));
      tokens[pos++] = '=';
      distances[q] = pos - valueAt[i];
      for (int j = 0; j < valueLen; j++) {
        labels[pos] = values.get(i)[j];
        tokens[pos++] = values.get(i)[j];
      }
      tokens[pos++] = ';';
    }
    return new Example(tokens, labels, distances);
  }

  private List<int[]> distinctKeys(Random rnd) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    List<int[]> keys = new ArrayList<>();
    while (keys.size() < numPairs) {
      int[] k = new int[keyLen];
      for (int j = 0; j < keyLen; j++) {
        k[j] = KEY_FIRST + rnd.nextInt(KEY_LETTERS);
      }
      if (seen.add(java.util.Arrays.toString(k))) {
        keys.add(k);
      }
    }
    return keys;
  }

  private static int put(int[] tokens, int pos, int[] what) {
    System.arraycopy(what, 0, tokens, pos, what.length);
    return pos + what.length;
  }
}
