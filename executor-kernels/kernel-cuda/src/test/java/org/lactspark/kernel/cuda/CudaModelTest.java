package org.lactspark.kernel.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.model.EngineOptimizer;
import org.lactspark.kernel.model.LossTargets;
import org.lactspark.kernel.model.ModelEngine.LossSum;
import org.lactspark.kernel.model.TokenBatch;
import org.lactspark.kernel.model.TrainSteps;
import org.lactspark.kernel.optim.AdamW;
import org.lactspark.kernel.optim.AdamWConfig;
import org.lactspark.kernel.optim.UpdateStep;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamLayout;
import org.lactspark.kernel.params.ParamSpec;

/**
 * The native whole model's own invariants in float64, independent of the ND4J golden cases (those
 * run through {@code conformance --model-fixtures}): its gradient is the summed loss's derivative
 * (central differences on every tensor), sums add over steps, one row holding two documents under
 * document restart scores as the two documents in their own rows, the device AdamW is the host
 * AdamW, and the device memory a model takes comes back when it closes. GPU only.
 */
@RequiresCuda
class CudaModelTest {
  /** One small layer that still has two TTT updates, a window shorter than the sequence and every tensor. */
  private static final ModelConfig SMALL = Presets.load("tiny", List.of("numLayers=1", "vocabSize=37",
      "hiddenSize=32", "numAttnHeads=2", "numLactHeads=2", "chunkSize=8", "windowSize=6", "intermediateSize=48",
      "lowRank=4"));

  private static double[] params(ModelConfig c, long seed) {
    ParamLayout l = LactModelLayout.of(c);
    float[] f = new float[Math.toIntExact(l.size())];
    l.initialise(f, seed);
    double[] d = new double[f.length];
    Random r = new Random(seed);
    for (int i = 0; i < d.length; i++) {
      // off the initial values (zero biases, unit norms) so every gradient path is exercised
      d[i] = f[i] + 0.05 * r.nextGaussian();
    }
    return d;
  }

  private static TokenBatch tokens(ModelConfig c, int b, int len, long seed) {
    Random r = new Random(seed);
    int[] ids = new int[b * len];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.nextInt(c.vocabSize());
    }
    return TokenBatch.of(b, len, ids);
  }

  private static double loss(CudaModel m, TokenBatch b) {
    return m.step(b, LossTargets.of(b, m.config().documentRestart(), m.config().vocabSize()), false, null).sum();
  }

  @Test
  void theGradientIsTheSummedLossDerivativeInEveryTensor() {
    double[] p = params(SMALL, 3);
    TokenBatch b = tokens(SMALL, 2, 21, 5);
    ParamLayout layout = LactModelLayout.of(SMALL);
    try (CudaModel m = CudaModel.open(SMALL, DType.FLOAT64)) {
      m.setParams(p);
      m.step(b, LossTargets.of(b, false, SMALL.vocabSize()), true, null);
      double[] g = m.takeGradient64();
      Random r = new Random(9);
      for (ParamSpec s : layout.specs()) {
        int off = Math.toIntExact(layout.offset(s.name()));
        int i = off + r.nextInt(Math.toIntExact(s.size()));
        // Richardson's extrapolation of central differences: the parameters are small (0.02) and
        // the norms make the loss strongly curved there, so a plain central difference's h^2 term
        // alone is a few parts in a million
        double fd = (4 * central(m, b, p, i, 5e-6) - central(m, b, p, i, 1e-5)) / 3;
        assertEquals(fd, g[i], 1e-6 * Math.max(1.0, Math.abs(fd)), s.name() + "[" + (i - off) + "]");
      }
    }
  }

  /** (loss(p + h e_i) - loss(p - h e_i)) / 2h, leaving p as it was. */
  private static double central(CudaModel m, TokenBatch b, double[] p, int i, double h) {
    double keep = p[i];
    p[i] = keep + h;
    m.setParams(p);
    double up = loss(m, b);
    p[i] = keep - h;
    m.setParams(p);
    double down = loss(m, b);
    p[i] = keep;
    m.setParams(p);
    return (up - down) / (2 * h);
  }

  @Test
  void gradientSumsAddUpOverStepsAndTakingRestartsThem() {
    double[] p = params(SMALL, 4);
    TokenBatch a = tokens(SMALL, 1, 30, 1);
    TokenBatch b = tokens(SMALL, 2, 17, 2);
    try (CudaModel m = CudaModel.open(SMALL, DType.FLOAT64)) {
      m.setParams(p);
      m.step(a, LossTargets.of(a, false, SMALL.vocabSize()), true, null);
      double[] ga = m.takeGradient64();
      m.step(b, LossTargets.of(b, false, SMALL.vocabSize()), true, null);
      double[] gb = m.takeGradient64();
      m.step(a, LossTargets.of(a, false, SMALL.vocabSize()), true, null);
      m.step(b, LossTargets.of(b, false, SMALL.vocabSize()), true, null);
      double[] both = m.takeGradient64();
      for (int i = 0; i < both.length; i++) {
        assertEquals(ga[i] + gb[i], both[i], 1e-12 * Math.max(1.0, Math.abs(both[i])), "element " + i);
      }
      double[] none = m.takeGradient64();
      assertEquals(0.0, java.util.Arrays.stream(none).map(Math::abs).max().orElse(0), "taken sums restart at zero");
    }
  }

  @Test
  void documentRestartScoresEachDocumentAsItsOwnRow() {
    ModelConfig c = Presets.load("tiny", List.of("numLayers=1", "vocabSize=37", "hiddenSize=32", "numAttnHeads=2",
        "numLactHeads=2", "chunkSize=8", "windowSize=6", "intermediateSize=48", "lowRank=4", "documentRestart=true"));
    double[] p = params(c, 6);
    TokenBatch two = tokens(c, 1, 40, 8);
    int[] docs = new int[40];
    for (int t = 0; t < 40; t++) {
      docs[t] = t < 23 ? 1 : t < 37 ? 2 : 0;  // two documents, then padding
    }
    TokenBatch packed = new TokenBatch(1, 40, two.ids(), docs);
    int[] ids = new int[2 * 23];
    int[] rows = new int[2 * 23];
    for (int t = 0; t < 23; t++) {
      ids[t] = two.ids()[t];
      rows[t] = 1;
      if (t < 14) {
        ids[23 + t] = two.ids()[23 + t];
        rows[23 + t] = 1;
      }
    }
    TokenBatch apart = new TokenBatch(2, 23, ids, rows);
    try (CudaModel m = CudaModel.open(c, DType.FLOAT64)) {
      m.setParams(p);
      LossSum together = m.step(packed, LossTargets.of(packed, true, c.vocabSize()), false, null);
      LossSum separate = m.step(apart, LossTargets.of(apart, true, c.vocabSize()), false, null);
      assertEquals(separate.scored(), together.scored());
      assertEquals(separate.sum(), together.sum(), 1e-10 * Math.abs(separate.sum()));
    }
  }

  @Test
  void theDeviceAdamWIsTheHostAdamW() {
    double[] p = params(SMALL, 7);
    TokenBatch b = tokens(SMALL, 2, 19, 3);
    ParamLayout layout = LactModelLayout.of(SMALL);
    AdamWConfig cfg = AdamWConfig.DEFAULT;
    float[] host = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      host[i] = (float) p[i];
    }
    AdamW adam = AdamW.forLayout(cfg, layout);
    try (CudaModel m = CudaModel.open(SMALL, DType.FLOAT32)) {
      m.setParams(new float[][] {host.clone()});
      for (int step = 0; step < 3; step++) {
        int[] t = LossTargets.of(b, false, SMALL.vocabSize());
        LossSum s = m.step(b, t, true, null);
        float[] g = m.takeGradient();
        m.step(b, t, true, null);  // the same sum again, for the device step
        double norm = 0;
        for (float x : g) {
          norm += ((double) x / s.scored()) * ((double) x / s.scored());
        }
        norm = Math.sqrt(norm);
        double clip = 0.5 * norm;  // clipping engaged
        CudaModel.StepResult r = m.optimizerStep(cfg, 1e-2, clip, 1.0 / s.scored());
        assertTrue(r.applied());
        assertEquals(norm, r.gradNorm(), 1e-9 * norm);
        float[] mean = new float[g.length];
        for (int i = 0; i < g.length; i++) {
          mean[i] = (float) ((double) g[i] / s.scored() * (clip / norm));
        }
        adam.step(host, mean, 1e-2);
        float[] dev = m.params();
        for (int i = 0; i < dev.length; i++) {
          assertEquals(host[i], dev[i], 1e-5f * Math.max(1f, Math.abs(host[i])), "step " + step + " element " + i);
        }
        m.setParams(new float[][] {host.clone()});  // keep both on the same values
      }
    }
  }

  /**
   * The cuda engine's own optimiser (K-step averaging's local steps, {@link TrainSteps#localStep})
   * follows the host AdamW on the same gradients, clipping engaged, and its state goes in and out
   * unchanged.
   */
  @Test
  void theEnginesDeviceOptimiserFollowsTheHostAdamW() {
    double[] p = params(SMALL, 23);
    float[] hp = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      hp[i] = (float) p[i];
    }
    Random r = new Random(29);
    int[][] rows = new int[2][20];
    for (int[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        row[i] = r.nextInt(SMALL.vocabSize());
      }
    }
    int[][] starts = {{0}, {0, 9}};
    AdamWConfig cfg = AdamWConfig.DEFAULT;
    AdamW host = AdamW.forLayout(cfg, LactModelLayout.of(SMALL));
    try (CudaModelEngine e = new CudaModelEngine(SMALL, DType.FLOAT32)) {
      EngineOptimizer o = e.optimizer(cfg).orElseThrow();
      o.restore(new AdamW.State(new float[hp.length], new float[hp.length], 0));
      for (int step = 0; step < 3; step++) {
        e.setParams(new float[][] {hp.clone()});
        TrainSteps.Share s = TrainSteps.gradients(e, 20, rows, starts, 1);
        float[] g = s.grad();
        double norm = UpdateStep.scale(g, 1.0 / s.scored());
        double clip = 0.5 * norm;  // clipping engaged
        UpdateStep.scale(g, clip / norm);
        host.step(hp, g, 1e-2);
        TrainSteps.Local l = TrainSteps.localStep(e, o, 20, rows, starts, 1, 1e-2, clip);
        assertEquals(s.loss(), l.loss(), 1e-9 * Math.abs(s.loss()), "step " + step + " loss");
        assertEquals(norm, l.gradNorm(), 1e-9 * norm, "step " + step + " norm");
        float[] dev = e.params();
        for (int i = 0; i < dev.length; i++) {
          assertEquals(hp[i], dev[i], 1e-5f * Math.max(1f, Math.abs(hp[i])), "step " + step + " element " + i);
        }
      }
      AdamW.State hs = host.state();
      AdamW.State ds = o.state();
      assertEquals(3, ds.steps());
      for (int i = 0; i < hs.m().length; i++) {
        assertEquals(hs.m()[i], ds.m()[i], 1e-5f * Math.max(1e-3f, Math.abs(hs.m()[i])), "first moment " + i);
      }
      o.restore(hs);
      AdamW.State back = o.state();
      assertArrayEquals(hs.m(), back.m(), "first moments in and out");
      assertArrayEquals(hs.v(), back.v(), "second moments in and out");
      assertEquals(hs.steps(), back.steps());
    }
  }

  /**
   * bfloat16 (the fused attention, bf16 products) against float32 where no Newton-Schulz amplifies
   * the rounding: the TTT-off model (attention and MLP only) on padded rows of several documents,
   * with a head width the fused attention takes (16); loss and gradient within bf16's room.
   */
  @Test
  void bfloat16FollowsFloat32WithoutTheTttBranch() {
    ModelConfig c = Presets.load("tiny", List.of("numLayers=2", "tttEnabled=false", "windowSize=24"));
    int[] docs = new int[300];
    for (int i = 0; i < 300; i++) {
      docs[i] = i >= 150 && i % 150 >= 131 ? 0 : i % 150 < 70 ? 1 : 2;
    }
    TokenBatch b = new TokenBatch(2, 150, tokens(c, 2, 150, 4).ids(), docs);
    assertClose(step(c, DType.FLOAT32, b, 12), step(c, DType.BFLOAT16, b, 12));
  }

  /**
   * With the TTT branch (plain updates, so bf16 stays comparable): in bfloat16 the attention runs on
   * a second stream beside the TTT branch, forward and backward. A race between them (a buffer
   * read before it is written or after it is freed) would show as a gradient off float32's or as
   * two identical steps that differ.
   */
  @Test
  void bfloat16WithTheTttBranchBesideTheAttentionFollowsFloat32AndRepeatsExactly() {
    ModelConfig c = Presets.load("tiny", List.of("numLayers=2", "windowSize=24", "useMuon=false", "useMomentum=false"));
    TokenBatch b = tokens(c, 2, 150, 6);
    Step bf = step(c, DType.BFLOAT16, b, 14);
    assertClose(step(c, DType.FLOAT32, b, 14), bf);
    Step again = step(c, DType.BFLOAT16, b, 14);
    assertEquals(bf.loss(), again.loss(), "summed loss of the same step");
    assertArrayEquals(bf.gradient(), again.gradient(), "gradient of the same step");
  }

  /**
   * A step keeps each layer's op from its first forward for the backward, and Newton-Schulz's
   * iterates too for as many layers as the previous step of the same shape left memory for: the
   * first step recomputes them, the second keeps them. Both give the same gradient.
   */
  @Test
  void keptNewtonSchulzIteratesGiveTheRecomputedGradient() {
    ModelConfig c = Presets.load("tiny", List.of("numLayers=2", "vocabSize=37"));
    TokenBatch b = tokens(c, 2, 150, 8);
    int[] targets = LossTargets.of(b, false, c.vocabSize());
    try (CudaModel m = CudaModel.open(c, DType.FLOAT64)) {
      m.setParams(params(c, 16));
      m.memory();
      m.step(b, targets, true, null);
      double[] first = m.takeGradient64();
      long firstPeak = m.memory()[0];
      m.step(b, targets, true, null);
      double[] second = m.takeGradient64();
      long secondPeak = m.memory()[0];
      // at least one layer's iterates more (2 updates x 12 matrices x 17 iterates of 32 x 32
      // float64 values): the first step's backward recomputes one update's at a time
      assertTrue(secondPeak - firstPeak >= 2 * 12 * 17 * 1024 * 8, "peaks " + firstPeak + ", " + secondPeak);
      for (int i = 0; i < first.length; i++) {
        assertEquals(first[i], second[i], 1e-10 * Math.max(1.0, Math.abs(first[i])), "element " + i);
      }
    }
  }

  /**
   * Rows as wide as the 3b preset's (d = 3072) through the fused feature kernels, whose shared
   * memory then passes 48 KB: bfloat16 follows float32 (plain updates).
   */
  @Test
  void rowsAsWideAsTheLargestPresetsRunTheFusedKernels() {
    ModelConfig c = Presets.load("tiny", List.of("numLayers=1", "vocabSize=37", "hiddenSize=3072", "numAttnHeads=48",
        "numLactHeads=4", "intermediateSize=64", "chunkSize=16", "windowSize=16", "lowRank=0", "useMuon=false",
        "useMomentum=false"));
    TokenBatch b = tokens(c, 1, 40, 9);
    assertClose(step(c, DType.FLOAT32, b, 31), step(c, DType.BFLOAT16, b, 31));
  }

  private record Step(double loss, double[] gradient) {}

  /** One step of a fresh model of type t on perturbed parameters (seed); its loss and gradient. */
  private static Step step(ModelConfig c, DType t, TokenBatch b, long seed) {
    double[] p = params(c, seed);
    float[] f = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      f[i] = (float) p[i];
    }
    try (CudaModel m = CudaModel.open(c, t)) {
      m.setParams(new float[][] {f});
      double loss = m.step(b, LossTargets.of(b, false, c.vocabSize()), true, null).sum();
      float[] g = m.takeGradient();
      double[] d = new double[g.length];
      for (int i = 0; i < g.length; i++) {
        d[i] = g[i];
      }
      return new Step(loss, d);
    }
  }

  /** bf16's loss within 1% of float32's, its gradient within 5% (relative Euclidean norm). */
  private static void assertClose(Step f32, Step bf16) {
    assertEquals(f32.loss(), bf16.loss(), 1e-2 * Math.abs(f32.loss()), "summed loss");
    double num = 0;
    double den = 0;
    for (int i = 0; i < f32.gradient().length; i++) {
      double e = bf16.gradient()[i] - f32.gradient()[i];
      num += e * e;
      den += f32.gradient()[i] * f32.gradient()[i];
    }
    assertTrue(Math.sqrt(num / den) < 5e-2, "gradient relative error " + Math.sqrt(num / den));
  }

  @Test
  void paramsRoundTripInChunksAndBadInputsAreNamed() {
    try (CudaModel m = CudaModel.open(SMALL, DType.FLOAT32)) {
      float[] v = new float[Math.toIntExact(m.size())];
      for (int i = 0; i < v.length; i++) {
        v[i] = i * 1e-4f;
      }
      int half = v.length / 2;
      m.setParams(new float[][] {java.util.Arrays.copyOf(v, half), java.util.Arrays.copyOfRange(v, half, v.length)});
      assertArrayEquals(v, m.params());
      assertThrows(IllegalArgumentException.class, () -> m.setParams(new float[][] {new float[3]}));
      TokenBatch b = tokens(SMALL, 1, 10, 1);
      int[] t = LossTargets.of(b, false, SMALL.vocabSize());
      b.ids()[4] = SMALL.vocabSize();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.step(b, t, true, null));
      assertTrue(e.getMessage().contains("[0, 4]"), e.getMessage());
    }
  }

  @Test
  void closingGivesBackTheDeviceMemory() {
    long before = NativeLact.allocatedBytes();
    CudaModel m = CudaModel.open(SMALL, DType.FLOAT32);
    TokenBatch b = tokens(SMALL, 2, 40, 1);
    m.step(b, LossTargets.of(b, false, SMALL.vocabSize()), true, null);
    m.optimizerStep(AdamWConfig.DEFAULT, 1e-3, 1.0, 0.01);
    assertTrue(NativeLact.allocatedBytes() > before);
    m.close();
    assertEquals(before, NativeLact.allocatedBytes());
    assertThrows(IllegalStateException.class, m::params);
  }
}
