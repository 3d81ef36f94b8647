package org.lactspark.model.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code tttEnabled=false} is the attention-only baseline: the TTT branch neither acts nor learns. */
class TttSwitchTest {
  private static final String W1 = "model.layers.0.attn.w1";

  private static double logitChange(boolean ttt) {
    ModelConfig c = TinyModels.config("tttEnabled=" + ttt);
    ComputationGraph g = TinyModels.build(c, DataType.DOUBLE);
    INDArray ids = TinyModels.tokens(2, 14, c.vocabSize(), 4, DataType.DOUBLE);
    INDArray before = g.outputSingle(ids).dup();
    ModelParams.byOfficialName(g).get(W1).muli(2.0);
    return g.outputSingle(ids).sub(before).norm2Number().doubleValue();
  }

  @Test
  void theTttBranchActsOnlyWhenEnabled() {
    assertTrue(logitChange(true) > 1e-6, "the fast weights should matter with the branch on");
    assertEquals(0.0, logitChange(false), 0.0, "the fast weights matter with the branch off");
  }

  @Test
  void switchedOffTheBranchParametersGetZeroGradients() {
    ModelConfig c = TinyModels.config("tttEnabled=false");
    ComputationGraph g = TinyModels.build(c, DataType.DOUBLE);
    INDArray ids = TinyModels.tokens(2, 14, c.vocabSize(), 4, DataType.DOUBLE);
    g.setInputs(ids);
    g.setLabels(ids.dup());
    g.computeGradientAndScore();
    Map<String, INDArray> grads = ModelParams.gradientsByOfficialName(g.gradient());
    assertEquals(0.0, grads.get(W1).norm2Number().doubleValue(), 0.0);
    assertEquals(0.0, grads.get("model.layers.1.attn.lr_proj.weight").norm2Number().doubleValue(), 0.0);
    assertTrue(grads.get("model.layers.0.attn.qkv.weight").norm2Number().doubleValue() > 0, "attention learns");
    assertTrue(grads.get("model.layers.0.attn.o_proj.weight").norm2Number().doubleValue() > 0, "o_proj learns");
  }
}
