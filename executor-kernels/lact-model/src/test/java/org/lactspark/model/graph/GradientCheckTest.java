package org.lactspark.model.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.model.layer.DirectionalGradients;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Gradient checks of the whole 2-block model built by {@link LactModels} in float64: Muon and
 * momentum on, low-rank initial fast weights, 14 tokens (three full chunks of 4 and a partial
 * one), inner learning rates raised so the fast weights change a lot; and with document restart.
 *
 * <p>A float64 score of this model takes 50 to 80 ms (per-op overhead), so DL4J's per-entry
 * {@link GradientCheckUtil} (two scores per entry, about 2000 entries) would take minutes. It
 * checks, entry by entry, the parameters that reach the loss only through the inner updates (the
 * learning-rate and momentum biases) and one factor of the initial fast weights; {@link
 * DirectionalGradients} checks every array along a random unit direction.
 *
 * <p>GradientCheckUtil runs at batch 1 only: before comparing, DL4J's updater divides the gradient
 * by the minibatch size (DL4J's own output layers return the gradient of the summed loss), while
 * {@code LmHeadLayer} returns the gradient of the mean loss that the score reports. At batch 2
 * every backprop gradient comes out at exactly half the numerical one. The directional checks
 * compare {@code graph.gradient()} with the score directly, at batch 2.
 */
class GradientCheckTest {
  static final double EPS = 1e-6;
  static final double MAX_REL = 1e-5;
  static final double MIN_ABS = 1e-9;
  static final int LEN = 14;
  /**
   * Added to every lr_proj.bias: the inner learning rate softplus(bias + softplus^-1(1e-3)) goes
   * from 1e-3 to about 0.14, so every update moves the fast weights a lot.
   */
  static final double LR_BIAS_RAISE = 5.0;

  @BeforeAll
  static void doubles() {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  /** hiddenSize 8, 2 attention and 2 LaCT heads, chunk 4, window 5, vocab 13, rank 2, MLP 16. */
  static ModelConfig config(String... overrides) {
    List<String> o = new ArrayList<>(List.of("vocabSize=13", "hiddenSize=8", "numLayers=2", "numAttnHeads=2",
        "numLactHeads=2", "chunkSize=4", "windowSize=5", "lowRank=2", "intermediateSize=16", "contextLength=16",
        "useMuon=true", "useMomentum=true", "initializerRange=0.1"));
    o.addAll(List.of(overrides));
    return Presets.load("tiny", o);
  }

  static ComputationGraph build(ModelConfig c) {
    ComputationGraph g = LactModels.build(c, new LactModels.Options(DataType.DOUBLE, 11L, "nd4j", new NoOp()));
    int n = 0;
    for (Map.Entry<String, INDArray> e : ModelParams.byOfficialName(g).entrySet()) {
      if (e.getKey().endsWith("lr_proj.bias")) {
        e.getValue().addi(LR_BIAS_RAISE);
        n++;
      }
    }
    assertEquals(c.numLayers(), n, "lr_proj.bias per layer");
    return g;
  }

  static INDArray tokens(int b, int len, int vocab, long seed) {
    Random r = new Random(seed);
    double[] v = new double[b * len];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextInt(vocab);
    }
    return Nd4j.create(v, new long[] {b, len}, DataType.DOUBLE);
  }

  static INDArray mask(double[]... rows) {
    return Nd4j.create(rows).castTo(DataType.DOUBLE);
  }

  /** DL4J's key ({@code vertex_key}, the key with '-' for '_') of every parameter not kept. */
  static Set<String> allBut(ComputationGraph g, String... keptSuffixes) {
    Set<String> out = new HashSet<>();
    for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
      String official = e.getKey().substring(0, e.getKey().lastIndexOf('_')) + "."
          + e.getKey().substring(e.getKey().lastIndexOf('_') + 1).replace('-', '_');
      boolean kept = false;
      for (String s : keptSuffixes) {
        kept |= official.endsWith(s);
      }
      if (!kept) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /** DL4J's per-entry check of the parameters ending in {@code kept} (each must match one). */
  static boolean perEntry(ComputationGraph g, INDArray ids, INDArray labels, INDArray mask, String... kept) {
    for (String suffix : kept) {
      assertTrue(ModelParams.byOfficialName(g).keySet().stream().anyMatch(n -> n.endsWith(suffix)),
          "no parameter ends in " + suffix);
    }
    GradientCheckUtil.GraphConfig gc = new GradientCheckUtil.GraphConfig()
        .net(g)
        .inputs(new INDArray[] {ids})
        .labels(new INDArray[] {labels})
        .epsilon(EPS)
        .maxRelError(MAX_REL)
        .minAbsoluteError(MIN_ABS)
        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
        .exitOnFirstError(false)
        .excludeParams(allBut(g, kept));
    if (mask != null) {
      gc.inputMask(new INDArray[] {mask});
    }
    return GradientCheckUtil.checkGradients(gc);
  }

  /** Every array along a random direction; each must pass and must matter (|d score| > 1e-7). */
  static void directional(ComputationGraph g, ModelConfig c, INDArray ids, INDArray labels, INDArray mask) {
    MultiDataSet data = new MultiDataSet(new INDArray[] {ids}, new INDArray[] {labels},
        mask == null ? null : new INDArray[] {mask}, null);
    List<DirectionalGradients.Check> checks = DirectionalGradients.run(g, data, EPS, 3L);
    List<String> names = new ArrayList<>(LactModelLayout.of(c).names());
    names.add("<all>");
    List<String> checked = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (DirectionalGradients.Check k : checks) {
      checked.add(k.name());
      if (!k.passes(MAX_REL, MIN_ABS) || Math.abs(k.numerical()) < 1e-7) {
        failed.add(k.toString());
      }
    }
    double worst = 0;
    for (DirectionalGradients.Check k : checks) {
      worst = Math.max(worst, k.relError());
    }
    org.slf4j.LoggerFactory.getLogger(GradientCheckTest.class)
        .info("{} directional checks, largest relative error {}", checks.size(), worst);
    assertEquals(names, checked, "every parameter array is checked");
    assertTrue(failed.isEmpty(), "directional gradient checks failed:\n" + String.join("\n", failed));
  }

  @Test
  void innerUpdateAndInitialFastWeightParametersEntryByEntry() {
    ModelConfig c = config();
    ComputationGraph g = build(c);
    INDArray ids = tokens(1, LEN, c.vocabSize(), 1);
    assertTrue(perEntry(g, ids, tokens(1, LEN, c.vocabSize(), 2), null, "lr_proj.bias", "momentum_proj.0.bias",
            "w0.w_left"),
        "gradient check failed; the log names each failing entry");
  }

  /** Documents of 5 and 6 tokens and padding (one update each, so momentum cannot matter here). */
  @Test
  void documentRestartLearningRateParametersEntryByEntry() {
    ModelConfig c = config("documentRestart=true");
    ComputationGraph g = build(c);
    INDArray mask = mask(new double[] {1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 0});
    assertTrue(perEntry(g, tokens(1, LEN, c.vocabSize(), 8), tokens(1, LEN, c.vocabSize(), 9), mask,
        "lr_proj.bias"), "gradient check failed; the log names each failing entry");
  }

  @Test
  void everyArrayAlongARandomDirectionAtBatchTwo() {
    ModelConfig c = config();
    ComputationGraph g = build(c);
    directional(g, c, tokens(2, LEN, c.vocabSize(), 1), tokens(2, LEN, c.vocabSize(), 2), null);
  }
}
