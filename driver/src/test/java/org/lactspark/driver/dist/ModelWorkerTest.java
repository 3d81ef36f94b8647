package org.lactspark.driver.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.spi.BackendUnavailableException;

/** The worker's training steps on an engine, its evaluation on the graph, each built only when used. */
class ModelWorkerTest {
  private static final ModelConfig TINY = Presets.load("tiny", java.util.List.of("documentRestart=true"));

  /** Four sequences of up to 40 tokens, packed documents and padding. */
  static Sequences sequences(long seed) {
    Random r = new Random(seed);
    int[][] tokens = new int[4][];
    int[] lengths = {40, 33, 40, 21};
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = new int[lengths[i]];
      for (int p = 0; p < lengths[i]; p++) {
        tokens[i][p] = r.nextInt(TINY.vocabSize());
      }
    }
    return new Sequences(40, tokens, new int[][] {{0, 12}, {5, 20}, {}, {0}});
  }

  private static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  @Test
  void trainingRunsOnTheEngineAndMicroBatchesSumToTheSame() {
    float[] params = ModelWorker.initialParams(TINY, 3);
    ModelWorker w = new ModelWorker(TINY);
    w.setParams(1, params);
    Gradients whole = w.gradients(sequences(1), 4);
    Gradients ones = w.gradients(sequences(1), 1);
    assertEquals("nd4j", w.backend(), "auto without a GPU: the absent cuda engine is passed over");
    assertTrue(w.hasEngine());
    assertFalse(w.hasGraph(), "a training worker builds no evaluation graph");
    assertEquals(whole.scored(), ones.scored());
    assertEquals(4, whole.sequences());
    assertEquals(whole.lossSum(), ones.lossSum(), 1e-5 * whole.lossSum());
    double scale = maxAbs(whole.grad());
    for (int i = 0; i < whole.grad().length; i++) {
      assertEquals(whole.grad()[i], ones.grad()[i], 1e-4 * scale, "gradient at " + i);
    }
    Gradients loss = w.loss(sequences(1), 3);
    assertNull(loss.grad());
    assertEquals(whole.lossSum(), loss.lossSum(), 1e-5 * whole.lossSum(), "validation scores what training scores");
  }

  @Test
  void evaluationOpensNoEngineAndScoresWhatTrainingScores() {
    ModelWorker w = new ModelWorker(TINY);
    w.setParams(1, ModelWorker.initialParams(TINY, 3));
    Sequences s = sequences(2);
    ModelWorker.Scored scored = w.score(s, 0, s.count());
    assertTrue(w.hasGraph());
    assertFalse(w.hasEngine(), "an evaluation worker opens no engine");
    double sum = 0;
    long n = 0;
    for (int r = 0; r < scored.targets().length; r++) {
      if (scored.targets()[r] >= 0) {
        sum += scored.scores().loss()[r];
        n++;
      }
    }
    Gradients loss = w.loss(s, 4);
    assertEquals(n, loss.scored());
    assertEquals(sum, loss.lossSum(), 1e-4 * sum, "the engine gets the parameters the graph holds");
  }

  @Test
  void aNonFiniteStepGivesNoGradientAndTheNextStartsAfresh() {
    float[] params = ModelWorker.initialParams(TINY, 3);
    ModelWorker w = new ModelWorker(TINY);
    w.setParams(1, params);
    Gradients good = w.gradients(sequences(1), 2);
    float[] bad = params.clone();
    Arrays.fill(bad, Float.NaN);
    w.setParams(2, bad);
    Gradients nan = w.gradients(sequences(1), 2);
    assertNull(nan.grad());
    assertTrue(Double.isNaN(nan.lossSum()));
    w.setParams(3, params);
    Gradients again = w.gradients(sequences(1), 2);
    assertEquals(good.lossSum(), again.lossSum(), 1e-9 * good.lossSum());
    for (int i = 0; i < good.grad().length; i++) {
      assertEquals(good.grad()[i], again.grad()[i], 1e-6 * maxAbs(good.grad()), "gradient at " + i);
    }
  }

  @Test
  void parametersAreCheckedAndTheEngineChoiceFailsNamingWhy() {
    ModelWorker w = new ModelWorker(TINY, "cuda", -1);
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
        () -> w.setParams(1, new float[][] {new float[3], new float[4]}));
    assertTrue(size.getMessage().contains("7 values"), size.getMessage());
    w.setParams(1, ModelWorker.initialParams(TINY, 3));
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> w.gradients(sequences(1), 2));
    assertTrue(e.getMessage().contains("engine = cuda") && e.getMessage().contains("no GPU assigned"), e.getMessage());
  }
}
