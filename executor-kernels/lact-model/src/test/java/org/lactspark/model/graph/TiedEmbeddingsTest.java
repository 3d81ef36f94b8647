package org.lactspark.model.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.params.LactModelLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A tied model (tieWordEmbeddings) computes what an untied model computes when its head weight is
 * the embedding, and its one matrix gets the sum of both uses' gradients.
 */
class TiedEmbeddingsTest {
  private static final int PAD = 3;

  /** An untied and a tied model with the same values, the untied head set to the embedding. */
  private static ComputationGraph[] pair(String... extra) {
    String[] tiedOverrides = concat(extra, "tieWordEmbeddings=true");
    ModelConfig untied = TinyModels.config(extra);
    ModelConfig tied = TinyModels.config(tiedOverrides);
    ComputationGraph u = TinyModels.build(untied, DataType.DOUBLE);
    ComputationGraph t = TinyModels.build(tied, DataType.DOUBLE);
    Map<String, INDArray> up = ModelParams.byOfficialName(u);
    up.get("lm_head.weight").assign(up.get("model.embeddings.weight"));
    Map<String, INDArray> tp = ModelParams.byOfficialName(t);
    for (Map.Entry<String, INDArray> e : tp.entrySet()) {
      e.getValue().assign(up.get(e.getKey()));
    }
    ModelParams.requireLayout(t, tied);
    assertFalse(tp.containsKey("lm_head.weight"));
    assertEquals(LactModelLayout.of(tied).size(), t.numParams());
    return new ComputationGraph[] {u, t};
  }

  private static String[] concat(String[] a, String b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + 1);
    out[a.length] = b;
    return out;
  }

  private static Map<String, INDArray> gradients(ComputationGraph g, INDArray ids) {
    g.setInputs(ids);
    g.setLabels(ids);
    g.computeGradientAndScore();
    return ModelParams.gradientsByOfficialName(g.gradient());
  }

  private static void assertClose(INDArray expected, INDArray actual, String what) {
    double scale = Math.max(1e-12, expected.norm2Number().doubleValue());
    double err = expected.sub(actual).norm2Number().doubleValue() / scale;
    assertTrue(err < 1e-12, what + ": relative error " + err);
  }

  @Test
  void theTiedMatrixGetsBothUsesGradientsAndEverythingElseMatches() {
    ComputationGraph[] g = pair();
    INDArray ids = TinyModels.tokens(2, 11, 13, 5L, DataType.DOUBLE);
    assertArrayEquals(g[0].outputSingle(ids).data().asDouble(), g[1].outputSingle(ids).data().asDouble(), 1e-13);
    Map<String, INDArray> gu = gradients(g[0], ids);
    double scoreUntied = g[0].score();
    Map<String, INDArray> gt = gradients(g[1], ids);
    assertEquals(scoreUntied, g[1].score(), 1e-13);
    assertClose(gu.get("model.embeddings.weight").add(gu.get("lm_head.weight")), gt.get("model.embeddings.weight"),
        "tied embedding gradient");
    for (String name : gt.keySet()) {
      if (!name.equals("model.embeddings.weight")) {
        assertClose(gu.get(name), gt.get(name), name);
      }
    }
  }

  @Test
  void thePaddingRowGetsOnlyTheHeadsGradient() {
    ComputationGraph[] g = pair("padTokenId=" + PAD);
    INDArray ids = TinyModels.tokens(1, 12, 13, 9L, DataType.DOUBLE);
    ids.putScalar(0, 4, PAD);
    ids.putScalar(0, 7, PAD);
    Map<String, INDArray> gu = gradients(g[0], ids);
    Map<String, INDArray> gt = gradients(g[1], ids);
    assertEquals(0.0, gu.get("model.embeddings.weight").getRow(PAD).norm2Number().doubleValue(), 0.0,
        "the lookup gives the padding row no gradient");
    assertTrue(gu.get("lm_head.weight").getRow(PAD).norm2Number().doubleValue() > 0);
    assertClose(gu.get("lm_head.weight").getRow(PAD), gt.get("model.embeddings.weight").getRow(PAD), "padding row");
  }

  @Test
  void aSavedTiedModelLoadsConnectedWithIdenticalOutputs(@TempDir Path dir) throws IOException {
    ModelConfig c = TinyModels.config("tieWordEmbeddings=true");
    ComputationGraph g = TinyModels.build(c, DataType.FLOAT);
    Path file = dir.resolve("tied.zip");
    ModelFiles.save(g, c, file, false);
    ComputationGraph back = ModelFiles.load(file, false);
    INDArray ids = TinyModels.tokens(1, 9, 13, 2L, DataType.FLOAT);
    assertArrayEquals(g.outputSingle(ids).data().asFloat(), back.outputSingle(ids).data().asFloat());
    assertEquals(c, ModelFiles.config(file));
  }
}
