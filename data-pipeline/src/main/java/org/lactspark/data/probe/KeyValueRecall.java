package org.lactspark.data.probe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.tokenize.ByteTokenizer;
import org.lactspark.data.tokenize.Tokenizer;

/**
 * Multi-query associative recall (MQAR-style), written as text and tokenised with any
 * {@link Tokenizer}: the sequence opens with {@code numPairs} pairs {@code key:value;} (keys of
 * lowercase letters, values of digits), continues with filler (random uppercase letters), and ends
 * with queries {@code ?key=value;} for some of the pairs. Only the value tokens of the queries are
 * scored (the answer spans). The first answer starts at least {@code minDistance} tokens after the
 * last pair's value, so every answer is at least that far from its pair's value, whichever pairs
 * are queried, and a model that sees only a window of that size cannot answer from attention
 * alone; {@code depth} moves the pairs into the filler (0 = at the start, as MQAR has them, 1 = as
 * late as {@code minDistance} allows).
 *
 * <p>Lengths are in tokens of the tokenizer used: filler letters are added until the next would
 * exceed {@code seqLen}. In byte tokens (one per character) the example is exactly {@code seqLen}
 * long, and {@link #generate(long)} gives it in the form the model's learning test trains on; those
 * examples are the ones this class made before it took a tokenizer (same seed, same tokens).
 *
 * <p>Segments ({@code key:}, the value, {@code ;}, a filler letter, {@code ?key=}) are encoded one
 * at a time after their left context ({@link TokenText}), so each answer is an exact token range.
 * Their edges fall where the character class changes (letters, digits, punctuation), which byte-level
 * BPE pre-tokenisers never merge across; where a tokenizer would have merged (a run of filler
 * letters, {@code ;?}) the segment-wise tokens differ from encoding the whole string. That is
 * acceptable here: the filler is noise either way, and the scored values are their own segments.
 *
 * @param seqLen tokens per example at most (exactly, in byte tokens)
 * @param numPairs key-value pairs written
 * @param keyLen letters per key
 * @param valueLen digits per value
 * @param queries pairs queried at the end (at most {@code numPairs})
 * @param minDistance least distance from a pair's value to its query's answer, in tokens
 * @param depth the fraction of the filler placed before the pairs, in {@code [0, 1]}
 */
public record KeyValueRecall(
    int seqLen, int numPairs, int keyLen, int valueLen, int queries, int minDistance, double depth)
    implements Probe {

  /** The label of positions that are not scored. */
  public static final int IGNORE = -100;

  private static final Tokenizer BYTES = new ByteTokenizer(false, false);
  private static final int KEY_LETTERS = 26;

  /**
   * One example in byte tokens, as the model's learning test uses it.
   *
   * <p>Labels are aligned with positions: the model predicting token {@code t} from tokens before it
   * is scored at position {@code t - 1} against {@code labels[t]} (the usual shifted loss).
   *
   * @param tokens byte tokens, {@code seqLen} of them
   * @param labels the token at scored positions, {@link #IGNORE} elsewhere
   * @param distances for each query, tokens from its pair's value to its answer
   */
  public record Example(int[] tokens, int[] labels, int[] distances) {}

  /** Validates every field, naming it. Whether the layout fits in {@code seqLen} depends on the tokenizer. */
  public KeyValueRecall {
    Params.atLeast("seqLen", seqLen, 1);
    Params.atLeast("numPairs", numPairs, 1);
    Params.atLeast("keyLen", keyLen, 1);
    Params.atLeast("valueLen", valueLen, 1);
    Params.atLeast("queries", queries, 1);
    Params.atLeast("minDistance", minDistance, 0);
    Params.fraction("depth", depth);
    if (queries > numPairs) {
      throw new IllegalArgumentException("queries = " + queries + ": must be <= numPairs = " + numPairs);
    }
    if (Math.pow(KEY_LETTERS, keyLen) < 2.0 * numPairs) {
      throw new IllegalArgumentException("keyLen = " + keyLen + ": too short for " + numPairs + " distinct keys");
    }
  }

  /** The task with its pairs at the start of the sequence ({@code depth} 0), as MQAR has them. */
  public KeyValueRecall(int seqLen, int numPairs, int keyLen, int valueLen, int queries, int minDistance) {
    this(seqLen, numPairs, keyLen, valueLen, queries, minDistance, 0.0);
  }

  /**
   * MQAR's usual shape: {@code numPairs} pairs of 4-letter keys and 4-digit values, every pair
   * queried, no least distance beyond what the filler gives.
   */
  public static KeyValueRecall mqar(int seqLen, int numPairs, double depth) {
    return new KeyValueRecall(seqLen, numPairs, 4, 4, numPairs, 0, depth);
  }

  /** {@code mqar-L<seqLen>-k<numPairs>}, with {@code -d<depth>} when the pairs are not at the start. */
  @Override
  public String name() {
    return "mqar-L" + seqLen + "-k" + numPairs + (depth == 0.0 ? "" : "-d" + Params.depth(depth));
  }

  @Override
  public int length() {
    return seqLen;
  }

  /** The example for {@code seed} in byte tokens, {@code seqLen} of them. */
  public Example generate(long seed) {
    ProbeExample e = generate(BYTES, seed);
    int[] tokens = e.tokens();
    int[] labels = new int[tokens.length];
    Arrays.fill(labels, IGNORE);
    int[] sources = e.sources();
    int[] distances = new int[queries];
    for (int q = 0; q < queries; q++) {
      PackedSequence.Span span = e.answerSpans().get(q);
      System.arraycopy(tokens, span.start(), labels, span.start(), span.length());
      distances[q] = span.start() - sources[q];
    }
    return new Example(tokens, labels, distances);
  }

  @Override
  public ProbeExample generate(Tokenizer tokenizer, long seed) {
    Random rnd = new Random(seed);
    List<String> keys = distinctKeys(rnd);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < numPairs; i++) {
      values.add(digits(rnd));
    }
    // As many filler letters as byte tokens need, drawn before the shuffle as this task always drew
    // them, so byte-token examples stay the same for a seed; Layout draws more if a tokenizer needs them.
    List<String> filler = new ArrayList<>();
    int markers = (tokenizer.bosId() >= 0 ? 1 : 0) + (tokenizer.eosId() >= 0 ? 1 : 0);
    int byteFiller = seqLen - markers - numPairs * (keyLen + valueLen + 2) - queries * (keyLen + valueLen + 3);
    while (filler.size() < byteFiller) {
      filler.add(letter(rnd));
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < numPairs; i++) {
      order.add(i);
    }
    Collections.shuffle(order, rnd);
    return new Layout(new TokenText(tokenizer), keys, values, order.subList(0, queries), filler, rnd).fit();
  }

  private List<String> distinctKeys(Random rnd) {
    Set<String> seen = new HashSet<>();
    List<String> keys = new ArrayList<>();
    while (keys.size() < numPairs) {
      StringBuilder k = new StringBuilder(keyLen);
      for (int j = 0; j < keyLen; j++) {
        k.append((char) ('a' + rnd.nextInt(KEY_LETTERS)));
      }
      if (seen.add(k.toString())) {
        keys.add(k.toString());
      }
    }
    return keys;
  }

  private String digits(Random rnd) {
    StringBuilder v = new StringBuilder(valueLen);
    for (int j = 0; j < valueLen; j++) {
      v.append((char) ('0' + rnd.nextInt(10)));
    }
    return v.toString();
  }

  private static String letter(Random rnd) {
    return String.valueOf((char) ('A' + rnd.nextInt(26)));
  }

  /**
   * One example's text laid out in tokens: {@code before} filler letters, the pairs, the rest of
   * the {@code used} letters, the queries. {@link #fit} chooses the two counts.
   */
  private final class Layout {
    private final TokenText text;
    private final List<String> keys;
    private final List<String> values;
    private final List<Integer> queried;
    private final List<String> filler;
    private final Random rnd;
    private final int[] sources;
    private int distance;

    Layout(TokenText text, List<String> keys, List<String> values, List<Integer> queried, List<String> filler,
        Random rnd) {
      this.text = text;
      this.keys = keys;
      this.values = values;
      this.queried = queried;
      this.filler = filler;
      this.rnd = rnd;
      this.sources = new int[queried.size()];
    }

    /**
     * The longest layout within {@code seqLen} whose every answer keeps {@code minDistance}, the
     * pairs as near {@code depth} of the filler as that allows.
     */
    ProbeExample fit() {
      int least = assemble(0, 0) + Math.max(0, minDistance - distance);
      if (least > seqLen) {
        throw tooShort(least);
      }
      int used = seqLen - text.length(); // every letter takes at least one token
      for (int over = assemble(used, 0) - seqLen; over > 0; over = assemble(used, 0) - seqLen) {
        used = Math.max(0, used - over);
      }
      int before = (int) Math.round(depth * used);
      while (true) {
        int over = assemble(used, before) - seqLen;
        if (over > 0) { // only where a tokenizer merges across an edge that moved
          used = Math.max(0, used - over);
          before = Math.min(before, used);
        } else if (distance >= minDistance) {
          return text.example(sources);
        } else if (before == 0) {
          throw tooShort(text.length() + minDistance - distance);
        } else {
          before = Math.max(0, before - (minDistance - distance));
        }
      }
    }

    private IllegalArgumentException tooShort(int least) {
      return new IllegalArgumentException("seqLen = " + seqLen + ": must be >= " + least
          + " to hold the pairs, the queries and a distance of " + minDistance + " in tokens of "
          + text.tokenizerName());
    }

    /** Lays the example out with {@code used} filler letters, {@code before} of them first; its length. */
    private int assemble(int used, int before) {
      while (filler.size() < used) {
        filler.add(letter(rnd));
      }
      text.clear().begin();
      fill(0, before);
      int[] valueAt = new int[keys.size()];
      for (int i = 0; i < keys.size(); i++) {
        text.add(keys.get(i) + ":");
        valueAt[i] = text.add(values.get(i));
        text.add(";");
      }
      fill(before, used);
      for (int q = 0; q < queried.size(); q++) {
        int pair = queried.get(q);
        text.add("?" + keys.get(pair) + "=");
        sources[q] = valueAt[pair];
        int answer = text.addAnswer(values.get(pair)).start();
        if (q == 0) { // the least distance any shuffle could give: last value to first answer
          distance = answer - valueAt[keys.size() - 1];
        }
        text.add(";");
      }
      text.end();
      return text.length();
    }

    private void fill(int from, int to) {
      for (int i = from; i < to; i++) {
        text.add(filler.get(i));
      }
    }
  }
}
