package org.lactspark.kernel.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.NormPlacement;

/** The kernel API's values in {@link NativeLact}'s codes. */
class NativeArgsTest {

  @Test
  void specCodesFollowTheJniContract() {
    assertArrayEquals(new int[] {0, 0, 16, 1, 0, 0}, NativeArgs.spec(LactSpec.blockCausal(16, true, false)));
    assertArrayEquals(new int[] {0, 1, 8, 0, 1, 0},
        NativeArgs.spec(LactSpec.blockCausal(8, false, true).withNorm(NormPlacement.PRENORM)));
    assertArrayEquals(new int[] {1, 0, 1, 1, 0, 1},
        NativeArgs.spec(LactSpec.bidirectional(true, NewtonSchulzSchedule.fixed(2))));
  }

  @Test
  void theScheduleIsFlattenedAsTriples() {
    double[] ns = NativeArgs.ns(NewtonSchulzSchedule.LM_FIVE_STEP);
    assertEquals(15, ns.length);
    assertArrayEquals(new double[] {4.0848, -6.8946, 2.9270}, java.util.Arrays.copyOf(ns, 3));
    assertArrayEquals(new double[] {2.8366, -3.0525, 1.2012}, java.util.Arrays.copyOfRange(ns, 12, 15));
    assertEquals(0, NativeArgs.ns(NewtonSchulzSchedule.fixed(0)).length);
  }

  @Test
  void precisionCodes() {
    assertEquals(NativeLact.FLOAT64, NativeArgs.precision(DType.FLOAT64));
    assertEquals(NativeLact.FLOAT32, NativeArgs.precision(DType.FLOAT32));
    assertEquals(NativeLact.BFLOAT16, NativeArgs.precision(DType.BFLOAT16));
  }
}
