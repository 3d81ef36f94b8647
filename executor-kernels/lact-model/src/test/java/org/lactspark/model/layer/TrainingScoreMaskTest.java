package org.lactspark.model.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.model.graph.LactModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The score of a training pass counts the positions its gradient counts: DL4J scores after the
 * backward, once the graph has cleared the mask arrays, and the score must still leave padding out
 * (it once counted padded targets, so the training loss of padded batches was slightly off).
 */
class TrainingScoreMaskTest {
  @Test
  void aPaddedBatchScoresTheSameInTrainingAsInEvaluation() {
    ModelConfig c = Presets.load("tiny", List.of("numLayers=1"));
    ComputationGraph g = LactModels.build(c, LactModels.Options.defaults().withDataType(DataType.DOUBLE).withSeed(3));
    int b = 2;
    int len = 40;
    double[] ids = new double[b * len];
    double[] mask = new double[b * len];
    Random r = new Random(5);
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.nextInt(c.vocabSize());
      int t = i % len;
      mask[i] = i >= len && t >= 31 ? 0 : t < 17 ? 1 : 2;  // two documents per row, the second row padded
    }
    INDArray in = Nd4j.create(ids, new long[] {b, len}, DataType.DOUBLE);
    INDArray m = Nd4j.create(mask, new long[] {b, len}, DataType.DOUBLE);
    double eval = g.score(new MultiDataSet(new INDArray[] {in}, new INDArray[] {in}, new INDArray[] {m}, null));
    g.setInputs(in);
    g.setLabels(in);
    g.setLayerMaskArrays(new INDArray[] {m}, null);
    g.computeGradientAndScore();
    double training = g.score();
    g.clearLayerMaskArrays();
    assertEquals(eval, training, 1e-12 * Math.abs(eval));
    double unmasked = g.score(new MultiDataSet(new INDArray[] {in}, new INDArray[] {in}));
    assertNotEquals(unmasked, training, "the padding changes the loss, so the check above can fail");
  }
}
