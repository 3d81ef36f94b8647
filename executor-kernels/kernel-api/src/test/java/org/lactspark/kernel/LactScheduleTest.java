package org.lactspark.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The chunk rules of the reference loop {@code for s in range(0, L - C, C)}. */
class LactScheduleTest {

  @ParameterizedTest(name = "L={0} C={1}: {2} updates, last apply [{3}, L)")
  @CsvSource({"5000, 2048, 2, 4096", "4096, 2048, 1, 2048", "2048, 2048, 0, 0", "7, 8, 0, 0",
      "17, 8, 2, 16", "16, 8, 1, 8", "1, 1, 0, 0", "3, 1, 2, 2"})
  void updatesAndTheFinalApplyOnlyChunk(int len, int c, int updates, int lastStart) {
    LactSchedule s = LactSchedule.of(LactSpec.blockCausal(c, false, false), len);
    assertEquals(updates, s.updates());
    List<LactSchedule.Step> steps = s.steps();
    LactSchedule.Step last = steps.get(steps.size() - 1);
    assertEquals(LactSchedule.Kind.APPLY, last.kind());
    assertEquals(lastStart, last.start());
    assertEquals(len, last.end());
    assertEquals(updates, last.version());
    assertEquals(2 * updates + 1, steps.size());
  }

  @ParameterizedTest(name = "bidirectional L={0}: update everything, then apply everything")
  @CsvSource({"1", "10"})
  void bidirectionalIsUpdateThenApply(int len) {
    LactSchedule s = LactSchedule.of(LactSpec.bidirectional(true, NewtonSchulzSchedule.LM_FIVE_STEP), len);
    assertEquals(List.of(new LactSchedule.Step(LactSchedule.Kind.UPDATE, 0, len, 0),
        new LactSchedule.Step(LactSchedule.Kind.APPLY, 0, len, 1)), s.steps());
  }
}
