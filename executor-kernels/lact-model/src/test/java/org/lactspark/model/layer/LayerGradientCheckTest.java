package org.lactspark.model.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.model.graph.ModelParams;
import org.lactspark.model.nn.LactLayerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Every parameter entry of each custom layer, checked by DL4J's {@link GradientCheckUtil} in
 * float64 in the smallest graph around it: {@code in -> TokenEmbedding -> layer -> LmHead} (the
 * head scores the shifted cross-entropy). A float64 score of a LaCT graph costs about 25 ms, so
 * the embedding and head (checked entry by entry in the RMSNorm and MLP graphs) and, in the
 * block, the plain linear weights are checked along one random direction each instead.
 *
 * <p>Batch 1: DL4J's updater divides the gradient by the minibatch size before comparing (its
 * output layers return the gradient of the summed loss), while {@code LmHeadLayer} returns the
 * gradient of the mean loss that the score reports; at batch 1 the two agree. The graph tests
 * check batch 2 against the score directly.
 */
class LayerGradientCheckTest {
  static final int VOCAB = 5;
  /**
   * Three chunks of 2: two updates (the second with momentum) and an apply-only final chunk whose
   * first position is scored (the last position never is, so with 5 tokens nothing the second
   * update writes would reach the loss).
   */
  static final int LEN = 6;
  static final long SEED = 5L;
  static final int D = 4;

  @BeforeAll
  static void doubles() {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  /**
   * d 4, 2 attention heads (RoPE width 2), 2 LaCT heads (d_f = d_h = 2), chunk 2, window 3, rank
   * 1, Muon and momentum on.
   */
  static LactLayerSpec spec(String... overrides) {
    List<String> o = new ArrayList<>(List.of("vocabSize=" + VOCAB, "hiddenSize=" + D, "numLayers=1",
        "numAttnHeads=2", "numLactHeads=2", "chunkSize=2", "windowSize=3", "lowRank=1", "intermediateSize=6",
        "contextLength=8", "useMuon=true", "useMomentum=true"));
    o.addAll(List.of(overrides));
    ModelConfig c = Presets.load("tiny", o);
    return LactLayerSpec.of(c);
  }

  static ModelLayerConf named(ModelLayerConf l, String name) {
    l.setParamPrefix(name + ".");
    l.setInitSeed(SEED);
    return l;
  }

  /**
   * {@code in -> emb -> layer -> head}, float64, no updater, no workspaces; every lr_proj.bias
   * raised by 5 (inner learning rate about 0.14 instead of 1e-3, so the updates matter).
   */
  static ComputationGraph around(ModelLayerConf layer) {
    ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
        .dataType(DataType.DOUBLE)
        .seed(SEED)
        .updater(new NoOp())
        .trainingWorkspaceMode(WorkspaceMode.NONE)
        .inferenceWorkspaceMode(WorkspaceMode.NONE)
        .graphBuilder()
        .addInputs("in")
        .addLayer("emb", named(TokenEmbeddingLayer.of(VOCAB, D, 1.0, -1), "emb"), "in")
        .addLayer("layer", named(layer, "layer"), "emb")
        .addLayer("head", named(LmHeadLayer.of(VOCAB, D, 0.5, false), "head"), "layer")
        .setOutputs("head")
        .build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    for (Map.Entry<String, INDArray> e : ModelParams.byOfficialName(g).entrySet()) {
      if (e.getKey().endsWith("lr_proj.bias")) {
        e.getValue().addi(5.0);
      }
    }
    return g;
  }

  static INDArray tokens(long seed) {
    Random r = new Random(seed);
    double[] v = new double[LEN];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextInt(VOCAB);
    }
    return Nd4j.create(v, new long[] {1, LEN}, DataType.DOUBLE);
  }

  /** DL4J's key of an official name in these graphs: {@code vertex_key}, '-' for '_' in the key. */
  static String dl4jKey(String official) {
    int dot = official.indexOf('.');
    return official.substring(0, dot) + "_" + ParamKeys.toDl4j(official.substring(dot + 1));
  }

  /**
   * Checks the graph's gradient: first that each parameter of the layer under test reaches the
   * loss (a non-zero gradient) unless named in {@code inert}; then every entry of every parameter
   * with DL4J's GradientCheckUtil, except the arrays named in {@code alongADirection} (official
   * names), which are checked along one random unit direction each (two scores per array instead
   * of two per entry).
   */
  static void check(ComputationGraph g, Set<String> alongADirection, Set<String> inert) {
    INDArray ids = tokens(1);
    INDArray labels = tokens(2);
    g.setInputs(ids);
    g.setLabels(labels);
    g.computeGradientAndScore();
    List<String> dead = new ArrayList<>();
    for (Map.Entry<String, INDArray> e : ModelParams.gradientsByOfficialName(g.gradient()).entrySet()) {
      boolean zero = e.getValue().amaxNumber().doubleValue() == 0.0;
      if (e.getKey().startsWith("layer.") && zero != inert.contains(e.getKey())) {
        dead.add(e.getKey() + (zero ? " has a zero gradient" : " should have a zero gradient"));
      }
    }
    assertTrue(dead.isEmpty(), String.join("; ", dead));
    assertTrue(ModelParams.byOfficialName(g).keySet().containsAll(alongADirection), "unknown names in "
        + alongADirection + "; have " + ModelParams.byOfficialName(g).keySet());

    if (!alongADirection.isEmpty()) {
      List<String> failed = new ArrayList<>();
      List<DirectionalGradients.Check> checks = DirectionalGradients.run(g,
          new MultiDataSet(new INDArray[] {ids}, new INDArray[] {labels}), EPS, 3L, alongADirection::contains);
      for (DirectionalGradients.Check k : checks) {
        if (!k.passes(MAX_REL, MIN_ABS)) {
          failed.add(k.toString());
        }
      }
      assertEquals(alongADirection.size() + 1, checks.size(), "one check per array and one over all");
      assertTrue(failed.isEmpty(), "directional gradient checks failed:\n" + String.join("\n", failed));
    }

    Set<String> excluded = new HashSet<>();
    for (String name : alongADirection) {
      excluded.add(dl4jKey(name));
    }
    assertTrue(g.paramTable().keySet().containsAll(excluded), excluded + " vs " + g.paramTable().keySet());
    GradientCheckUtil.GraphConfig gc = new GradientCheckUtil.GraphConfig()
        .net(g)
        .inputs(new INDArray[] {ids})
        .labels(new INDArray[] {labels})
        .epsilon(EPS)
        .maxRelError(MAX_REL)
        .minAbsoluteError(MIN_ABS)
        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
        .exitOnFirstError(false)
        .excludeParams(excluded);
    assertTrue(GradientCheckUtil.checkGradients(gc), "gradient check failed; the log names each failing entry");
  }

  static final double EPS = 1e-6;
  static final double MAX_REL = 1e-5;
  static final double MIN_ABS = 1e-9;
  static final Set<String> EMBEDDING_AND_HEAD = Set.of("emb.weight", "head.weight");

  @Test
  void rmsNormWithEmbeddingAndHead() {
    ComputationGraph g = around(RmsNormLayer.of(D, 1e-6));
    ModelParams.byOfficialName(g).get("layer.weight").assign(Nd4j.create(new double[] {0.7, -1.3, 1.1, 0.4}));
    check(g, Set.of(), Set.of());
  }

  @Test
  void swiGluMlpWithEmbeddingAndHead() {
    check(around(SwiGluMlpLayer.of(D, 6, 0.5)), Set.of(), Set.of());
  }

  /** The causal LaCT layer: Muon, momentum, low-rank W0 and W2, silu gate, three chunks. */
  @Test
  void lactLayerCausalWithMuonMomentumAndLowRank() {
    check(around(LactSwiGluLayer.of(spec(), 0.5, 0.5)), EMBEDDING_AND_HEAD, Set.of());
  }
}
