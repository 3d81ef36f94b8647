package org.lactspark.data.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.tokenize.ByteTokenizer;
import org.lactspark.data.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The key-value recall task: its layout, its answers, its distances, its lengths and its validation. */
class KeyValueRecallTest {
  private final KeyValueRecall task = new KeyValueRecall(256, 6, 3, 2, 3, 120);

  private static String text(int[] tokens) {
    byte[] b = new byte[tokens.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) tokens[i];
    }
    return new String(b, StandardCharsets.US_ASCII);
  }

  @Test
  void everyScoredTokenIsTheValueWrittenForItsKeyFarBack() {
    KeyValueRecall.Example e = task.generate(42);
    String s = text(e.tokens());
    assertEquals(256, s.length());
    int scored = 0;
    for (int q = s.indexOf('?'); q >= 0; q = s.indexOf('?', q + 1)) {
      String key = s.substring(q + 1, q + 4);
      String answer = s.substring(q + 5, q + 7);
      assertEquals('=', s.charAt(q + 4));
      int pair = s.indexOf(key + ":");
      assertTrue(pair >= 0 && pair < q, "the pair " + key + " comes first: " + s);
      assertEquals(s.substring(pair + 4, pair + 6), answer, "the answer is the stored value");
      assertEquals(answer.charAt(0), e.labels()[q + 5]);
      assertEquals(answer.charAt(1), e.labels()[q + 6]);
      assertEquals(KeyValueRecall.IGNORE, e.labels()[q + 4]);
      scored += 2;
    }
    long labelled = Arrays.stream(e.labels()).filter(l -> l != KeyValueRecall.IGNORE).count();
    assertEquals(scored, labelled);
    assertEquals(6, scored, "3 queries of 2 digits");
    for (int d : e.distances()) {
      assertTrue(d >= 120, "query " + d + " tokens after its value");
    }
  }

  /**
   * Byte-token examples are the ones the generator made before it took a tokenizer (SHA-256 of
   * tokens, labels and distances, recorded from that version): the model's learning test and the
   * README's recall numbers were measured on them.
   */
  @ParameterizedTest
  @CsvSource({"64, 1, 1, 1, 1, 24, 1, 35bbae460b593fe7", "64, 1, 1, 1, 1, 24, -1000000000, 8319e45d92c6e0e3",
      "256, 6, 3, 2, 3, 120, 42, c7c16a9cc1fb177d", "1024, 40, 2, 3, 17, 0, 123456789, 8eb67e233b02890f",
      "64, 3, 1, 1, 3, 24, 0, 910d368ade7decdd"})
  void byteExamplesAreTheOnesTheModelTestWasMeasuredOn(int seqLen, int pairs, int keyLen, int valueLen, int queries,
      int distance, long seed, String sha) throws NoSuchAlgorithmException {
    KeyValueRecall.Example e = new KeyValueRecall(seqLen, pairs, keyLen, valueLen, queries, distance).generate(seed);
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (int[] a : new int[][] {e.tokens(), e.labels(), e.distances()}) {
      ByteBuffer b = ByteBuffer.allocate(4 * a.length + 4).putInt(a.length);
      Arrays.stream(a).forEach(b::putInt);
      md.update(b.array());
    }
    assertEquals(sha, HexFormat.of().formatHex(md.digest()).substring(0, 16));
  }

  @Test
  void sameSeedSameExampleOtherSeedOtherExample() {
    assertArrayEquals(task.generate(5).tokens(), task.generate(5).tokens());
    assertTrue(!Arrays.equals(task.generate(5).tokens(), task.generate(6).tokens()));
    Tokenizer words = WordTokenizer.forProbes(false);
    KeyValueRecall mqar = KeyValueRecall.mqar(300, 8, 0.5);
    assertEquals(mqar.generate(words, 5), mqar.generate(words, 5));
    assertTrue(!Arrays.equals(mqar.generate(words, 5).tokens(), mqar.generate(words, 6).tokens()));
  }

  @ParameterizedTest
  @CsvSource({"byte, 0.0", "byte, 0.5", "byte, 1.0", "words, 0.0", "words, 0.5", "words, 1.0", "markers, 0.3"})
  void theQueriesAnswerTheirPairsInAnyTokenizerAtEveryDepth(String kind, double depth) {
    Tokenizer tokenizer = switch (kind) {
      case "byte" -> new ByteTokenizer(false, false);
      case "markers" -> new ByteTokenizer(true, true);
      default -> WordTokenizer.forProbes(false);
    };
    KeyValueRecall probe = new KeyValueRecall(500, 10, 3, 4, 6, 50, depth);
    ProbeExample e = probe.generate(tokenizer, 9);
    int[] t = e.tokens();
    assertEquals(500, t.length, "filler letters are one token each in both tokenizers");
    String text = tokenizer.decode(t);
    assertEquals(6, e.answerSpans().size());
    for (int q = 0; q < 6; q++) {
      PackedSequence.Span span = e.answerSpans().get(q);
      String value = tokenizer.decode(Arrays.copyOfRange(t, span.start(), span.end()));
      assertEquals(e.answers().get(q), value);
      assertTrue(value.matches("[0-9]{4}"), value);
      String key = tokenizer.decode(Arrays.copyOf(t, span.start())).replaceAll("(?s).*\\?([a-z]{3})=$", "$1");
      assertTrue(text.contains(key + ":" + value + ";"), "the pair " + key + ":" + value + " is written: " + text);
      assertEquals(value, tokenizer.decode(Arrays.copyOfRange(t, e.sources()[q], e.sources()[q] + span.length())));
      assertTrue(span.start() - e.sources()[q] >= 50, "distance " + (span.start() - e.sources()[q]));
    }
    int filler = text.replaceAll("[^A-Z]", "").length();
    int before = text.indexOf(':') - 3;
    assertTrue(Math.abs(before - depth * filler) <= 1 || depth == 1.0, before + " of " + filler + " before the pairs");
    if (depth == 1.0) {
      String afterPairs = text.substring(text.lastIndexOf(';', text.indexOf('?')) + 1, text.indexOf('?'));
      assertEquals("A".repeat(40), afterPairs.replaceAll("[A-Z]", "A"),
          "the pairs as late as a distance of 50 from the last value (4 digits, ';') to the first answer ('?abc=')");
    }
  }

  @Test
  void parametersOutOfRangeAndLayoutsThatCannotFitAreRejectedNamingTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new KeyValueRecall(64, 6, 3, 2, 3, 120).generate(1));
    assertEquals("seqLen = 64: must be >= 178 to hold the pairs, the queries and a distance of 120 in tokens of byte",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new KeyValueRecall(256, 2, 3, 2, 3, 10));
    assertTrue(e.getMessage().startsWith("queries = 3: must be <= numPairs = 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new KeyValueRecall(256, 20, 1, 2, 3, 10));
    assertTrue(e.getMessage().startsWith("keyLen = 1: too short"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new KeyValueRecall(256, 2, 3, 0, 1, 10));
    assertTrue(e.getMessage().startsWith("valueLen = 0"), e.getMessage());
    NeedleInHaystackTest.assertMessage("depth = -0.1: must be within [0, 1]",
        () -> new KeyValueRecall(256, 2, 3, 2, 1, 10, -0.1));
    NeedleInHaystackTest.assertMessage("minDistance = -1: must be >= 0", () -> new KeyValueRecall(256, 2, 3, 2, 1, -1));
    e = assertThrows(IllegalArgumentException.class,
        () -> KeyValueRecall.mqar(100, 16, 0).generate(WordTokenizer.forProbes(false), 1));
    assertTrue(e.getMessage().matches("seqLen = 100: must be >= \\d+ to hold the pairs, the queries and a distance "
        + "of 0 in tokens of test-words"), e.getMessage());
  }

  @Test
  void namesSayLengthPairsAndDepth() {
    assertEquals("mqar-L4096-k16", KeyValueRecall.mqar(4096, 16, 0).name());
    assertEquals("mqar-L4096-k16-d0.50", KeyValueRecall.mqar(4096, 16, 0.5).name());
    assertEquals(KeyValueRecall.mqar(4096, 16, 0.5), Probe.parse("mqar-L4096-k16-d0.50"));
    assertEquals(KeyValueRecall.mqar(4096, 16, 0), Probe.parse("mqar-L4096-k16"));
    assertEquals(new NeedleInHaystack(4096, 0.25), Probe.parse("niah-L4096-d0.25"));
    assertEquals(new NeedleInHaystack(8, 1.0), Probe.parse("niah-L8-d1"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Probe.parse("niah-4096"));
    assertTrue(e.getMessage().startsWith("probe 'niah-4096': expected niah-L<length>-d<depth>"), e.getMessage());
    NeedleInHaystackTest.assertMessage("depth = 2.0: must be within [0, 1]", () -> Probe.parse("niah-L8-d2.0"));
  }
}
