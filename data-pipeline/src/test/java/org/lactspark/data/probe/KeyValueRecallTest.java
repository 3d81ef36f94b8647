package org.lactspark.data.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The key-value recall task: its layout, its answers, its distances and its validation. */
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
    long labelled = java.util.Arrays.stream(e.labels()).filter(l -> l != KeyValueRecall.IGNORE).count();
    assertEquals(scored, labelled);
    assertEquals(6, scored, "3 queries of 2 digits");
    for (int d : e.distances()) {
      assertTrue(d >= 120, "query " + d + " tokens after its value");
    }
  }

  @Test
  void sameSeedSameExampleOtherSeedOtherExample() {
    assertArrayEquals(task.generate(5).tokens(), task.generate(5).tokens());
    assertTrue(!java.util.Arrays.equals(task.generate(5).tokens(), task.generate(6).tokens()));
  }

  @Test
  void impossibleLayoutsAreRejectedNamingTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KeyValueRecall(64, 6, 3, 2, 3, 120));
    assertTrue(e.getMessage().startsWith("seqLen = 64: must be >= "), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new KeyValueRecall(256, 2, 3, 2, 3, 10));
    assertTrue(e.getMessage().startsWith("queries = 3: must be <= numPairs = 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new KeyValueRecall(256, 20, 1, 2, 3, 10));
    assertTrue(e.getMessage().startsWith("keyLen = 1: too short"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new KeyValueRecall(256, 2, 3, 0, 1, 10));
    assertTrue(e.getMessage().startsWith("valueLen = 0"), e.getMessage());
  }
}
