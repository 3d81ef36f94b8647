package org.lactspark.kernel.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** TokenBatch's shape and value checks and what it says about its rows. */
class TokenBatchTest {
  @Test
  void theShapeMustMatchTheArrays() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TokenBatch(2, 3, new int[5], new int[6]));
    assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("ids hold 5"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TokenBatch(2, 3, new int[6], new int[7]));
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> new TokenBatch(0, 3, new int[0], new int[0]));
    assertTrue(empty.getMessage().contains("batch = 0"), empty.getMessage());
  }

  @Test
  void aNegativeDocumentNumberIsNamedByPosition() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TokenBatch(2, 2, new int[4], new int[] {1, 1, 1, -1}));
    assertTrue(e.getMessage().contains("-1 at [1, 1]"), e.getMessage());
  }

  @Test
  void idsOutsideTheVocabularyAreNamedByPosition() {
    TokenBatch b = TokenBatch.of(2, 3, new int[] {0, 1, 2, 3, 9, 4});
    b.requireIds(10);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.requireIds(9));
    assertTrue(e.getMessage().contains("value 9 at [1, 1]") && e.getMessage().contains("[0, 9)"), e.getMessage());
    TokenBatch negative = TokenBatch.of(1, 2, new int[] {1, -3});
    assertThrows(IllegalArgumentException.class, () -> negative.requireIds(9));
  }

  @Test
  void ofMakesFullSingleDocumentRows() {
    TokenBatch b = TokenBatch.of(2, 2, new int[] {5, 6, 7, 8});
    assertArrayEquals(new int[] {1, 1, 1, 1}, b.documents());
    assertFalse(b.hasPadding());
    assertFalse(b.hasSeveralDocuments());
  }

  @Test
  void paddingAndSeveralDocumentsAreSeen() {
    TokenBatch padded = new TokenBatch(2, 3, new int[6], new int[] {1, 1, 1, 1, 1, 0});
    assertTrue(padded.hasPadding());
    assertFalse(padded.hasSeveralDocuments());
    TokenBatch packed = new TokenBatch(2, 3, new int[6], new int[] {1, 1, 1, 1, 2, 2});
    assertFalse(packed.hasPadding());
    assertTrue(packed.hasSeveralDocuments());
    // a document change across padding, or from one row to the next, is no second document in a row
    assertFalse(new TokenBatch(1, 3, new int[3], new int[] {1, 0, 2}).hasSeveralDocuments());
    assertFalse(new TokenBatch(2, 1, new int[2], new int[] {1, 2}).hasSeveralDocuments());
  }
}
