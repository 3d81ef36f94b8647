package org.lactspark.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.ModelEngines;
import org.lactspark.kernel.model.TokenBatch;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.nn.ShiftedCrossEntropy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The nd4j engine against the training step the driver's ModelWorker ran before engines (the
 * graph's mean loss and gradient times the scored count, per micro-batch), on the tiny preset with
 * padding and several documents per row.
 */
class Nd4jModelEngineTest {
  /** Rows of 96 tokens (one and a half of tiny's 64-token chunks). */
  private static final int LENGTH = 96;

  private static ModelConfig tiny(boolean restart) {
    return Presets.load("tiny", List.of("documentRestart=" + restart));
  }

  /**
   * Three rows: one whole document; three documents then padding; a document continued from
   * before, a second one, then padding.
   */
  private static TokenBatch batch(int vocab) {
    Random r = new Random(11);
    int[] ids = new int[3 * LENGTH];
    int[] docs = new int[3 * LENGTH];
    int[][] runs = {{LENGTH}, {20, 30, 30}, {15, 60}};
    for (int row = 0; row < 3; row++) {
      int p = 0;
      for (int d = 0; d < runs[row].length; d++) {
        for (int k = 0; k < runs[row][d]; k++, p++) {
          ids[row * LENGTH + p] = r.nextInt(vocab);
          docs[row * LENGTH + p] = d + 1;
        }
      }
    }
    TokenBatch b = new TokenBatch(3, LENGTH, ids, docs);
    assertTrue(b.hasPadding() && b.hasSeveralDocuments());
    return b;
  }

  private static TokenBatch rows(TokenBatch b, int from, int to) {
    int n = b.length();
    return new TokenBatch(to - from, n, Arrays.copyOfRange(b.ids(), from * n, to * n),
        Arrays.copyOfRange(b.documents(), from * n, to * n));
  }

  /** What ModelWorker computed before engines, verbatim: double arrays cast to float, mean times count. */
  private static double referenceStep(ComputationGraph graph, ModelConfig c, TokenBatch b, int microBatch,
      double[] gradSum) {
    double loss = 0;
    for (int from = 0; from < b.batch(); from += microBatch) {
      TokenBatch m = rows(b, from, Math.min(b.batch(), from + microBatch));
      long[] shape = {m.batch(), m.length()};
      INDArray ids = Nd4j.create(Arrays.stream(m.ids()).asDoubleStream().toArray(), shape, DataType.DOUBLE)
          .castTo(DataType.FLOAT);
      INDArray mask = Nd4j.create(Arrays.stream(m.documents()).asDoubleStream().toArray(), shape, DataType.DOUBLE)
          .castTo(DataType.FLOAT);
      graph.setInputs(ids);
      graph.setLabels(ids);
      graph.setLayerMaskArrays(new INDArray[] {mask}, null);
      graph.computeGradientAndScore();
      long n = Arrays.stream(ShiftedCrossEntropy.targets(ids, mask, c.documentRestart(), c.vocabSize()))
          .filter(t -> t >= 0).count();
      float[] g = graph.gradient().gradient().dup('c').data().asFloat();
      for (int i = 0; i < gradSum.length; i++) {
        gradSum[i] += (double) g[i] * n;
      }
      loss += graph.score() * n;
      graph.clearLayerMaskArrays();
    }
    return loss;
  }

  private static ModelEngine.LossSum accumulate(ModelEngine e, TokenBatch b, int microBatch) {
    ModelEngine.LossSum sum = new ModelEngine.LossSum(0, 0);
    for (int from = 0; from < b.batch(); from += microBatch) {
      sum = sum.plus(e.accumulate(rows(b, from, Math.min(b.batch(), from + microBatch))));
    }
    return sum;
  }

  private static float[] seeded(ModelConfig c) {
    return LactModels.build(c, LactModels.Options.defaults().withSeed(5)).params().dup('c').data().asFloat();
  }

  private static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  private static void assertClose(float[] expected, float[] actual, double relative, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    double scale = maxAbs(expected);
    assertTrue(scale > 0, what + ": an all-zero gradient tests nothing");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], relative * scale, what + " at " + i);
    }
  }

  @ParameterizedTest(name = "documentRestart={0}")
  @ValueSource(booleans = {false, true})
  void theEngineSumsWhatTheGraphPathSummed(boolean restart) {
    ModelConfig c = tiny(restart);
    float[] params = seeded(c);
    TokenBatch b = batch(c.vocabSize());
    ComputationGraph ref = LactModels.build(c, LactModels.Options.defaults());
    ref.params().assign(Nd4j.create(params, ref.params().shape(), 'c'));
    try (ModelEngine e = new Nd4jEngineProvider().open(c, -1)) {
      e.setParams(new float[][] {params});
      for (int micro : new int[] {1, 3}) {
        double[] refSum = new double[params.length];
        double refLoss = referenceStep(ref, c, b, micro, refSum);
        ModelEngine.LossSum got = accumulate(e, b, micro);
        float[] grad = e.takeGradientSum();
        float[] want = new float[refSum.length];
        for (int i = 0; i < want.length; i++) {
          want[i] = (float) refSum[i];
        }
        assertEquals(refLoss, got.sum(), 1e-9 * Math.abs(refLoss), "summed loss, micro-batch " + micro);
        assertClose(want, grad, 1e-6, "summed gradient, micro-batch " + micro);
      }
    }
  }

  @ParameterizedTest(name = "documentRestart={0}")
  @ValueSource(booleans = {false, true})
  void microBatchesOfOneRowSumToTheWholeBatch(boolean restart) {
    ModelConfig c = tiny(restart);
    TokenBatch b = batch(c.vocabSize());
    try (ModelEngine e = new Nd4jEngineProvider().open(c, -1)) {
      e.setParams(new float[][] {seeded(c)});
      ModelEngine.LossSum whole = accumulate(e, b, 3);
      float[] wholeGrad = e.takeGradientSum();
      ModelEngine.LossSum ones = accumulate(e, b, 1);
      float[] onesGrad = e.takeGradientSum();
      // row 0 scores 95, row 1 scores 79 (77 with restart), row 2 scores 74 (73)
      assertEquals(restart ? 95 + 77 + 73 : 95 + 79 + 74, whole.scored());
      assertEquals(whole.scored(), ones.scored());
      assertEquals(whole.sum(), ones.sum(), 1e-5 * whole.sum(), "summed loss");
      assertClose(wholeGrad, onesGrad, 1e-4, "summed gradient");
      assertEquals(whole.sum(), e.loss(b).sum(), 1e-5 * whole.sum(), "loss without gradients");
    }
  }

  @Test
  void takingTheSumRestartsIt() {
    ModelConfig c = tiny(true);
    TokenBatch b = batch(c.vocabSize());
    try (ModelEngine e = new Nd4jEngineProvider().open(c, -1)) {
      float[] none = e.takeGradientSum();
      assertEquals(e.size(), none.length);
      assertEquals(0.0, maxAbs(none), "nothing accumulated: zeros");
      e.accumulate(b);
      float[] once = e.takeGradientSum();
      e.accumulate(b);
      e.accumulate(b);
      float[] twice = e.takeGradientSum();
      for (int i = 0; i < once.length; i++) {
        assertEquals(2 * once[i], twice[i], 1e-5 * maxAbs(once), "two batches after a take, at " + i);
      }
    }
  }

  @Test
  void parametersTravelInChunksAndTheirSizeIsChecked() {
    ModelConfig c = tiny(false);
    float[] p = seeded(c);
    try (ModelEngine e = new Nd4jEngineProvider().open(c, -1)) {
      assertEquals(p.length, e.size());
      int cut = p.length / 3;
      e.setParams(new float[][] {Arrays.copyOfRange(p, 0, cut), Arrays.copyOfRange(p, cut, p.length)});
      assertArrayEquals(p, e.params());
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
          () -> e.setParams(new float[][] {new float[p.length - 1]}));
      assertTrue(bad.getMessage().contains((p.length - 1) + " values"), bad.getMessage());
    }
  }

  @Test
  void anIdOutsideTheVocabularyIsNamed() {
    ModelConfig c = tiny(false);
    int[] ids = new int[8];
    ids[5] = c.vocabSize();
    try (ModelEngine e = new Nd4jEngineProvider().open(c, -1)) {
      IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
          () -> e.accumulate(TokenBatch.of(2, 4, ids)));
      assertTrue(x.getMessage().contains("at [1, 1]"), x.getMessage());
    }
  }

  @Test
  void theProviderRunsAnywhereAndIsFoundByName() {
    ModelConfig c = tiny(false);
    Nd4jEngineProvider p = new Nd4jEngineProvider();
    assertTrue(p.unavailableReason(c, -1).isEmpty());
    assertTrue(p.unavailableReason(c, 0).isEmpty(), "a GPU it cannot use is no reason: it computes on the CPU");
    assertEquals("nd4j", ModelEngines.select("nd4j", c, -1).name());
    assertTrue(ModelEngines.names().contains("nd4j"));
    try (ModelEngine e = p.open(c, -1)) {
      assertEquals("nd4j", e.backend());
      assertEquals(c, e.config());
      assertTrue(e.device().startsWith("CPU"), e.device());
    }
  }
}
