package org.lactspark.model.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * The graph's flat parameter vector is exactly {@link LactModelLayout}: names, order, sizes and
 * offsets ({@link ModelParams#requireLayout}), and the initial values of {@link
 * ParamLayout#initialise} for the same seed, for every switch that adds or removes parameters.
 */
class ModelParamsTest {
  private static final long SEED = 1234L;

  private static ModelConfig config(String switches) {
    List<String> o = new ArrayList<>(List.of("vocabSize=13", "hiddenSize=8", "numLayers=2", "numAttnHeads=2",
        "numLactHeads=2", "chunkSize=4", "windowSize=5", "intermediateSize=16", "contextLength=16"));
    if (!switches.isEmpty()) {
      o.addAll(List.of(switches.split(",")));
    }
    return Presets.load("tiny", o);
  }

  private static ComputationGraph graph(ModelConfig c) {
    return LactModels.build(c, new LactModels.Options(DataType.FLOAT, SEED, "nd4j", new NoOp()));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "lowRank=0,useMomentum=true,learnableTttScale=true",
      "lowRank=2,useMomentum=true,learnableTttScale=true",
      "lowRank=2,useMomentum=false,learnableTttScale=true",
      "lowRank=0,useMomentum=false,learnableTttScale=false",
      "lowRank=2,useMomentum=true,learnableTttScale=false,attnQkNorm=true",
      "lowRank=3,useMomentum=false,learnableTttScale=true,attnQkNorm=true,useMuon=false"})
  void theGraphIsLaidOutAndInitialisedAsTheLayout(String switches) {
    ModelConfig c = config(switches);
    ComputationGraph g = graph(c);
    assertDoesNotThrow(() -> ModelParams.requireLayout(g, c));

    ParamLayout layout = LactModelLayout.of(c);
    Map<String, INDArray> byName = ModelParams.byOfficialName(g);
    assertEquals(layout.names(), new ArrayList<>(byName.keySet()));
    assertEquals(layout.size(), g.numParams());
    for (String name : layout.names()) {
      assertArrayEquals(toLong(layout.spec(name).shape()), byName.get(name).shape(), name);
    }

    float[] expected = new float[Math.toIntExact(layout.size())];
    layout.initialise(expected, SEED);
    float[] actual = g.params().dup().data().asFloat();
    assertEquals(expected.length, actual.length);
    for (String name : layout.names()) {
      int off = Math.toIntExact(layout.offset(name));
      int n = Math.toIntExact(layout.spec(name).size());
      float[] e = java.util.Arrays.copyOfRange(expected, off, off + n);
      float[] a = java.util.Arrays.copyOfRange(actual, off, off + n);
      assertArrayEquals(e, a, 0f, name);
      // and the named view reads the same values at that offset
      assertArrayEquals(e, byName.get(name).dup().data().asFloat(), 0f, name + " view");
    }

    // The gradients come back under the same names, in the same order.
    INDArray ids = GradientCheckTest.tokens(1, 6, c.vocabSize(), 3).castTo(DataType.FLOAT);
    g.setInputs(ids);
    g.setLabels(ids.dup());
    g.computeGradientAndScore();
    assertEquals(layout.names(), new ArrayList<>(ModelParams.gradientsByOfficialName(g.gradient()).keySet()));
  }

  @Test
  void anotherSeedGivesOtherValuesUnderTheSameLayout() {
    ModelConfig c = config("lowRank=2");
    ComputationGraph a = graph(c);
    ComputationGraph b = LactModels.build(c, new LactModels.Options(DataType.FLOAT, SEED + 1, "nd4j", new NoOp()));
    ModelParams.requireLayout(b, c);
    assertTrue(a.params().sub(b.params()).amaxNumber().doubleValue() > 1e-3, "the seed must matter");
  }

  private static String requireLayoutFails(ComputationGraph g, ModelConfig other) {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ModelParams.requireLayout(g, other));
    return e.getMessage();
  }

  @Test
  void aMissingParameterIsRejected() {
    ComputationGraph noMomentum = graph(config("useMomentum=false"));
    String m = requireLayoutFails(noMomentum, config("useMomentum=true"));
    assertTrue(m.contains("parameters"), m);
  }

  @Test
  void anExtraParameterIsRejected() {
    ComputationGraph withNorms = graph(config("attnQkNorm=true"));
    String m = requireLayoutFails(withNorms, config("attnQkNorm=false"));
    assertTrue(m.contains("parameters"), m);
  }

  @Test
  void aRenamedParameterIsRejectedNamingIt() {
    // Full rank has w0 and w2 where low rank has w0.w_left, w0.w_right, w2.w_left, w2.w_right: the
    // counts differ too, so compare two layouts with equal counts: scale gate on, momentum off
    // (ttt_scale_proj.weight, .bias) against scale gate off, momentum on (momentum_proj.0.*).
    ComputationGraph gate = graph(config("learnableTttScale=true,useMomentum=false"));
    String m = requireLayoutFails(gate, config("learnableTttScale=false,useMomentum=true"));
    assertTrue(m.contains("ttt_scale_proj.weight"), m);
  }

  @Test
  void aResizedParameterIsRejectedNamingIt() {
    ComputationGraph v13 = graph(config(""));
    ModelConfig v14 = Presets.load("tiny", List.of("vocabSize=14", "hiddenSize=8", "numLayers=2",
        "numAttnHeads=2", "numLactHeads=2", "chunkSize=4", "windowSize=5", "intermediateSize=16",
        "contextLength=16"));
    String m = requireLayoutFails(v13, v14);
    assertTrue(m.contains("model.embeddings.weight"), m);
  }

  private static long[] toLong(int[] s) {
    long[] out = new long[s.length];
    for (int i = 0; i < s.length; i++) {
      out[i] = s[i];
    }
    return out;
  }
}
