package org.lactspark.kernel.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The loss's scoring rule: shifted targets, the last position, ignore index, padding, document restart. */
class LossTargetsTest {
  private static final int VOCAB = 10;

  @Test
  void eachPositionIsScoredAgainstTheNextTokenAndTheLastNever() {
    int[] t = LossTargets.of(2, 4, new int[] {1, 2, 3, 4, 5, 6, 7, 8}, null, false, VOCAB);
    assertArrayEquals(new int[] {2, 3, 4, -1, 6, 7, 8, -1}, t);
    assertEquals(6, LossTargets.scored(t));
  }

  @Test
  void aLengthOneRowScoresNothing() {
    int[] t = LossTargets.of(3, 1, new int[] {1, 2, 3}, null, true, VOCAB);
    assertArrayEquals(new int[] {-1, -1, -1}, t);
    assertEquals(0, LossTargets.scored(t));
  }

  @Test
  void theIgnoreIndexIsSkippedAsATargetOnly() {
    int[] labels = {LossTargets.IGNORE_INDEX, 2, LossTargets.IGNORE_INDEX, 4};
    // the first label is never a target; the third is skipped, so position 1 is not scored
    assertArrayEquals(new int[] {2, -1, 4, -1}, LossTargets.of(1, 4, labels, null, false, VOCAB));
  }

  @Test
  void paddingIsNeitherInputNorTarget() {
    int[] ids = {1, 2, 3, 0, 0};
    int[] docs = {1, 1, 1, 0, 0};
    // position 2 would predict padding, positions 3 and 4 are padding
    assertArrayEquals(new int[] {2, 3, -1, -1, -1}, LossTargets.of(1, 5, ids, docs, false, VOCAB));
  }

  @Test
  void leadingPaddingIsNotScoredEither() {
    int[] ids = {0, 5, 6, 7};
    int[] docs = {0, 1, 1, 1};
    assertArrayEquals(new int[] {-1, 6, 7, -1}, LossTargets.of(1, 4, ids, docs, true, VOCAB));
  }

  @Test
  void documentRestartStopsScoringAcrossADocumentStart() {
    int[] ids = {1, 2, 3, 4, 5, 6};
    int[] docs = {1, 1, 2, 2, 2, 3};
    assertArrayEquals(new int[] {2, -1, 4, 5, -1, -1}, LossTargets.of(1, 6, ids, docs, true, VOCAB));
    // without restart the documents run on: only the last position is left out
    assertArrayEquals(new int[] {2, 3, 4, 5, 6, -1}, LossTargets.of(1, 6, ids, docs, false, VOCAB));
  }

  @Test
  void rowsAreIndependent() {
    // the last position of row 0 is not scored against the first token of row 1
    int[] ids = {1, 2, 3, 4};
    int[] docs = {1, 1, 1, 1};
    assertArrayEquals(new int[] {2, -1, 4, -1}, LossTargets.of(2, 2, ids, docs, true, VOCAB));
  }

  @Test
  void aBadLabelIsNamedByItsPosition() {
    int[] labels = {1, 2, 3, 4, 5, VOCAB};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LossTargets.of(2, 3, labels, null, false, VOCAB));
    assertTrue(e.getMessage().contains("value " + VOCAB + " at [1, 2]"), e.getMessage());
    assertTrue(e.getMessage().contains("[0, " + VOCAB + ")"), e.getMessage());
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> LossTargets.of(1, 3, new int[] {1, -7, 2}, null, false, VOCAB));
    assertTrue(negative.getMessage().contains("value -7 at [0, 1]"), negative.getMessage());
  }

  @Test
  void aBadLabelIsRefusedEvenOnPadding() {
    // a wrong id is a data error wherever it sits, not something padding may hide
    assertThrows(IllegalArgumentException.class,
        () -> LossTargets.of(1, 3, new int[] {1, 2, 99}, new int[] {1, 1, 0}, false, VOCAB));
  }

  @Test
  void aTokenBatchIsScoredByItsOwnIds() {
    TokenBatch b = new TokenBatch(1, 5, new int[] {3, 4, 5, 6, 0}, new int[] {1, 1, 2, 2, 0});
    assertArrayEquals(new int[] {4, -1, 6, -1, -1}, LossTargets.of(b, true, VOCAB));
    assertArrayEquals(new int[] {4, 5, 6, -1, -1}, LossTargets.of(b, false, VOCAB));
  }
}
