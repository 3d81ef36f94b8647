package org.lactspark.model.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** Small models and inputs for the graph tests. */
final class TinyModels {
  private TinyModels() {}

  /** A 2-block model small enough for float64 checks, chunk 4, window 5, with the given overrides. */
  static ModelConfig config(String... overrides) {
    List<String> o = new ArrayList<>(List.of("vocabSize=13", "hiddenSize=8", "numLayers=2", "numAttnHeads=2",
        "numLactHeads=2", "chunkSize=4", "windowSize=5", "lowRank=2", "intermediateSize=16", "contextLength=16"));
    o.addAll(List.of(overrides));
    return Presets.load("tiny", o);
  }

  static ComputationGraph build(ModelConfig c, DataType dt) {
    ComputationGraph g = LactModels.build(c, new LactModels.Options(dt, 7L, "nd4j", new NoOp()));
    // Larger inner learning rates than at initialisation, so the fast weights visibly change.
    for (var e : ModelParams.byOfficialName(g).entrySet()) {
      if (e.getKey().endsWith("lr_proj.bias")) {
        e.getValue().addi(3.0);
      }
    }
    return g;
  }

  /** Random token ids {@code [b, len]} as the graph takes them. */
  static INDArray tokens(int b, int len, int vocab, long seed, DataType dt) {
    Random r = new Random(seed);
    double[] v = new double[b * len];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextInt(vocab);
    }
    return Nd4j.create(v, new long[] {b, len}, DataType.DOUBLE).castTo(dt);
  }
}
