package org.lactspark.model.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.graph.ModelParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** Small models, token sequences and whole-sequence references for the streaming tests. */
final class StreamModels {
  private StreamModels() {}

  /**
   * A 2-block tiny-like model (width 32, vocabulary 50, window 12, chunk 8, low-rank initial fast
   * weights, context 32 so the test sequences run past it) with the given overrides.
   */
  static ModelConfig config(String... overrides) {
    List<String> o = new ArrayList<>(List.of("vocabSize=50", "hiddenSize=32", "numLayers=2", "numAttnHeads=4",
        "numLactHeads=2", "chunkSize=8", "windowSize=12", "lowRank=4", "intermediateSize=64", "contextLength=32"));
    o.addAll(List.of(overrides));
    return Presets.load("tiny", o);
  }

  /**
   * A built graph whose parameters are all moved off their initial values (norm gains of one,
   * zero offsets and biases would hide a missing term), with larger inner learning rates so the
   * fast weights visibly change.
   */
  static ComputationGraph build(ModelConfig c, DataType dt, long seed) {
    ComputationGraph g = LactModels.build(c, new LactModels.Options(dt, seed, "nd4j", new NoOp()));
    Random r = new Random(seed);
    for (Map.Entry<String, INDArray> e : ModelParams.byOfficialName(g).entrySet()) {
      INDArray p = e.getValue();
      double[] noise = new double[(int) p.length()];
      for (int i = 0; i < noise.length; i++) {
        noise[i] = 0.05 * r.nextGaussian();
      }
      INDArray n = Nd4j.create(noise, p.shape(), DataType.DOUBLE).castTo(p.dataType());
      p.addi(n);
      if (e.getKey().endsWith("lr_proj.bias")) {
        p.addi(3.0);
      }
    }
    return g;
  }

  static int[] tokens(int len, int vocab, long seed) {
    Random r = new Random(seed);
    int[] t = new int[len];
    for (int i = 0; i < len; i++) {
      t[i] = r.nextInt(vocab);
    }
    return t;
  }

  /** The whole-sequence logits {@code [L, V]} as float64 rows, from {@code graph.output}. */
  static double[][] wholeLogits(ComputationGraph g, int[] tokens) {
    double[] ids = new double[tokens.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokens[i];
    }
    DataType dt = g.params().dataType();
    INDArray in = Nd4j.create(ids, new long[] {1, ids.length}, DataType.DOUBLE).castTo(dt);
    INDArray out = g.outputSingle(in);
    return out.reshape(tokens.length, out.size(2)).castTo(DataType.DOUBLE).toDoubleMatrix();
  }

  /** The rows of a streamed piece's logits as float64, freeing the array. */
  static double[][] rows(INDArray logits) {
    double[][] r = logits.castTo(DataType.DOUBLE).toDoubleMatrix();
    logits.close();
    return r;
  }

  /** The largest relative error of a row: {@code max_r ||a_r - b_r|| / ||b_r||}. */
  static double maxRowError(double[][] actual, double[][] expected) {
    double worst = 0;
    for (int r = 0; r < expected.length; r++) {
      double diff = 0;
      double base = 0;
      for (int c = 0; c < expected[r].length; c++) {
        double d = actual[r][c] - expected[r][c];
        diff += d * d;
        base += expected[r][c] * expected[r][c];
      }
      worst = Math.max(worst, Math.sqrt(diff / base));
    }
    return worst;
  }
}
