package org.lactspark.model.graph;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The directional gradient checks of {@link GradientCheckTest} with a sequence mask: trailing padding, and
 * packed documents with {@code documentRestart} (the fast weights, window and positions restart
 * at each document, padding at the end).
 */
class MaskedGradientCheckTest {
  @BeforeAll
  static void doubles() {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  @Test
  void trailingPaddingEveryArrayAlongARandomDirection() {
    ModelConfig c = GradientCheckTest.config();
    ComputationGraph g = GradientCheckTest.build(c);
    INDArray mask = GradientCheckTest.mask(
        new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0},
        new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0});
    GradientCheckTest.directional(g, c, GradientCheckTest.tokens(2, GradientCheckTest.LEN, c.vocabSize(), 4),
        GradientCheckTest.tokens(2, GradientCheckTest.LEN, c.vocabSize(), 5), mask);
  }

  @Test
  void documentRestartEveryArrayAlongARandomDirection() {
    ModelConfig c = GradientCheckTest.config("documentRestart=true");
    ComputationGraph g = GradientCheckTest.build(c);
    // Row 2 has a document of three chunks (two updates), so momentum matters: a document of at
    // most two chunks makes one update, from a zero momentum buffer, and momentum has no effect.
    INDArray mask = GradientCheckTest.mask(new double[] {1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 0},
        new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2});
    GradientCheckTest.directional(g, c, GradientCheckTest.tokens(2, GradientCheckTest.LEN, c.vocabSize(), 6),
        GradientCheckTest.tokens(2, GradientCheckTest.LEN, c.vocabSize(), 7), mask);
  }
}
