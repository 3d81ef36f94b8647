package org.lactspark.model.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Padding never writes, is never attended to and never scored; document restart isolates documents. */
class MaskAndRestartTest {
  @BeforeAll
  static void doubles() {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  private static INDArray mask(double... v) {
    return Nd4j.create(v, new long[] {1, v.length}, DataType.DOUBLE);
  }

  private static INDArray logits(ComputationGraph g, INDArray ids, INDArray mask) {
    return g.output(false, new INDArray[] {ids}, mask == null ? null : new INDArray[] {mask})[0];
  }

  private static double loss(ComputationGraph g, INDArray ids, INDArray mask) {
    return g.score(new MultiDataSet(new INDArray[] {ids}, new INDArray[] {ids.dup()},
        mask == null ? null : new INDArray[] {mask}, null));
  }

  private static INDArray positions(INDArray logits, int from, int to) {
    return logits.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup();
  }

  @Test
  void paddedPositionsChangeNeitherOutputsNorLoss() {
    ModelConfig c = TinyModels.config();
    ComputationGraph g = TinyModels.build(c, DataType.DOUBLE);
    // Padding in the middle (positions 5-7) and at the end (14-15) of a 16-token row.
    INDArray m = mask(1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0);
    INDArray a = TinyModels.tokens(1, 16, c.vocabSize(), 1, DataType.DOUBLE);
    INDArray b = a.dup();
    for (int t : new int[] {5, 6, 7, 14, 15}) {
      b.putScalar(0, t, (a.getDouble(0, t) + 5) % c.vocabSize());
    }
    INDArray la = logits(g, a, m);
    INDArray lb = logits(g, b, m);
    for (int t = 0; t < 16; t++) {
      if (m.getDouble(0, t) > 0) {
        double d = positions(la, t, t + 1).sub(positions(lb, t, t + 1)).norm2Number().doubleValue();
        assertTrue(d < 1e-12, "padding changed the logits at real position " + t + " by " + d);
      }
    }
    assertEquals(loss(g, a, m), loss(g, b, m), 1e-12, "padding changed the loss");
    // Without the mask the same change does reach the real positions (the test can fail).
    double unmasked = positions(logits(g, a, null), 8, 14).sub(positions(logits(g, b, null), 8, 14))
        .norm2Number().doubleValue();
    assertTrue(unmasked > 1e-6, "tokens at padded positions should matter without a mask: " + unmasked);
  }

  @Test
  void withDocumentRestartTwoPackedDocumentsEqualEachRunAlone() {
    ModelConfig c = TinyModels.config("documentRestart=true");
    ComputationGraph g = TinyModels.build(c, DataType.DOUBLE);
    INDArray doc1 = TinyModels.tokens(1, 7, c.vocabSize(), 2, DataType.DOUBLE);
    INDArray doc2 = TinyModels.tokens(1, 9, c.vocabSize(), 3, DataType.DOUBLE);
    INDArray packed = Nd4j.hstack(doc1, doc2);
    INDArray m = mask(1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2);
    INDArray both = logits(g, packed, m);
    INDArray alone1 = logits(g, doc1, null);
    INDArray alone2 = logits(g, doc2, null);
    assertTrue(positions(both, 0, 7).sub(alone1).norm2Number().doubleValue() < 1e-10, "document 1 differs");
    assertTrue(positions(both, 7, 16).sub(alone2).norm2Number().doubleValue() < 1e-10, "document 2 differs");
    // The packed loss scores each document's own next-token predictions only: the sum of the two
    // documents' losses, each weighted by its scored count (6 and 8).
    double expected = (loss(g, doc1, null) * 6 + loss(g, doc2, null) * 8) / 14;
    assertEquals(expected, loss(g, packed, m), 1e-10);
  }

  @Test
  void withoutRestartPackedDocumentsLeakIntoEachOther() {
    ModelConfig c = TinyModels.config();
    ComputationGraph g = TinyModels.build(c, DataType.DOUBLE);
    INDArray doc1 = TinyModels.tokens(1, 7, c.vocabSize(), 2, DataType.DOUBLE);
    INDArray doc2 = TinyModels.tokens(1, 9, c.vocabSize(), 3, DataType.DOUBLE);
    INDArray m = mask(1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2);
    INDArray both = logits(g, Nd4j.hstack(doc1, doc2), m);
    assertTrue(positions(both, 7, 16).sub(logits(g, doc2, null)).norm2Number().doubleValue() > 1e-6,
        "the official behaviour (no restart) lets document 1 reach document 2");
  }

  /** The score a training step reports (computeGradientAndScore's), with the feature mask set on the graph. */
  private static double trainingScore(ComputationGraph g, INDArray ids, INDArray mask) {
    g.setInputs(ids);
    g.setLabels(ids);
    g.setLayerMaskArrays(new INDArray[] {mask}, null);
    g.computeGradientAndScore();
    g.clearLayerMaskArrays();
    return g.score();
  }

  @Test
  void aTrainingStepReportsTheMaskedLoss() {
    // DL4J asks the LM head for its score after the backward, when the layers no longer hold the
    // mask: a loss recomputed then scored the padding and, with restart, across document starts
    ModelConfig c = TinyModels.config("documentRestart=true");
    ComputationGraph g = TinyModels.build(c, DataType.DOUBLE);
    INDArray m = mask(1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0);
    INDArray a = TinyModels.tokens(1, 16, c.vocabSize(), 4, DataType.DOUBLE);
    INDArray b = a.dup();
    for (int t = 11; t < 16; t++) {
      b.putScalar(0, t, (a.getDouble(0, t) + 5) % c.vocabSize());
    }
    assertEquals(loss(g, a, m), trainingScore(g, a, m), 1e-12, "the training score is the evaluated loss");
    assertEquals(trainingScore(g, a, m), trainingScore(g, b, m), 1e-12, "padding changed the training score");
  }
}
