package org.lactspark.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lactspark.kernel.model.LossTargets;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The head's targets are LossTargets' rule read from the graph's arrays. */
class ShiftedCrossEntropyTargetsTest {
  private static INDArray floats(double... v) {
    return Nd4j.create(v, new long[] {2, v.length / 2}, DataType.DOUBLE).castTo(DataType.FLOAT);
  }

  @Test
  void theGraphsArraysGiveLossTargetsRule() {
    int[] ids = {3, 4, 5, 6, 0, 7, 8, 9, 1, 2};
    int[] docs = {1, 1, 2, 2, 0, 1, 1, 1, 2, 2};
    INDArray labels = floats(3, 4, 5, 6, 0, 7, 8, 9, 1, 2);
    INDArray mask = floats(1, 1, 2, 2, 0, 1, 1, 1, 2, 2);
    for (boolean restart : new boolean[] {false, true}) {
      assertArrayEquals(LossTargets.of(2, 5, ids, docs, restart, 10),
          ShiftedCrossEntropy.targets(labels, mask, restart, 10), "restart " + restart);
    }
    assertArrayEquals(LossTargets.of(2, 5, ids, null, false, 10),
        ShiftedCrossEntropy.targets(labels, null, false, 10), "no mask");
  }

  @Test
  void aFractionalLabelOrMaskValueIsNamedByPosition() {
    IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
        () -> ShiftedCrossEntropy.targets(floats(1, 2, 3, 4, 2.5, 6), null, false, 10));
    assertTrue(label.getMessage().contains("2.5 at [1, 1]"), label.getMessage());
    IllegalArgumentException mask = assertThrows(IllegalArgumentException.class,
        () -> ShiftedCrossEntropy.targets(floats(1, 2, 3, 4, 5, 6), floats(1, 1, 1, 1, 0.5, 1), false, 10));
    assertTrue(mask.getMessage().contains("mask: value 0.5 at [1, 1]"), mask.getMessage());
  }

  @Test
  void theFirstColumnIsNeverATargetSoNeverChecked() {
    // a label only ever scored as the next token of something: column 0 never is
    assertArrayEquals(new int[] {2, 3, -1, 5, 6, -1},
        ShiftedCrossEntropy.targets(floats(-7.5, 2, 3, 99, 5, 6), null, false, 10));
  }
}
