package org.lactspark.driver.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lactspark.kernel.model.TokenBatch;

/** A worker's share as the model's input: ids padded to the length, document numbers from the starts. */
class SequencesTest {
  @Test
  void documentsAreNumberedFromEachStartAndPaddingIsZero() {
    Sequences s = new Sequences(6, new int[][] {{5, 6, 7, 8, 9, 10}, {1, 2, 3}, {4, 4, 4, 4}},
        new int[][] {{0, 2, 5}, {1}, {}});
    TokenBatch b = s.batch(0, 3);
    assertEquals(3, b.batch());
    assertEquals(6, b.length());
    assertArrayEquals(new int[] {5, 6, 7, 8, 9, 10, 1, 2, 3, 0, 0, 0, 4, 4, 4, 4, 0, 0}, b.ids());
    // row 0 starts a document at 0, 2 and 5; row 1 continues one from before (1) and starts one at 1;
    // row 2 has no start: one document, continued
    assertArrayEquals(new int[] {1, 1, 2, 2, 2, 3, 1, 2, 2, 0, 0, 0, 1, 1, 1, 1, 0, 0}, b.documents());
    TokenBatch middle = s.batch(1, 2);
    assertArrayEquals(new int[] {1, 2, 3, 0, 0, 0}, middle.ids());
    assertArrayEquals(new int[] {1, 2, 2, 0, 0, 0}, middle.documents());
  }

  @Test
  void aSequenceLongerThanTheLengthIsNamed() {
    Sequences s = new Sequences(2, new int[][] {{1, 2}, {1, 2, 3}}, new int[][] {{0}, {0}});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.batch(0, 2));
    assertTrue(e.getMessage().contains("sequence 1: 3 tokens"), e.getMessage());
  }
}
