package org.lactspark.model.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamLayout;
import org.lactspark.kernel.params.ParamSpec;
import org.lactspark.kernel.spi.KernelBackends;
import org.lactspark.model.nn.LactLayer;
import org.lactspark.model.nn.LactLayerSpec;
import org.lactspark.model.nn.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * lact-spec 6F: with the inner learning rate forced to 0 the LaCT layer is the static SwiGLU layer,
 * its TTT branch applying the initial fast weights {@code W1 (silu(W0 q) * (W2 q))} to every
 * processed q, up to the post-update row renormalisation: every update, even a zero one, maps a
 * row to {@code Z_r / (|Z_r| + 1e-5) * rho_r}, which shrinks it by about {@code 1e-5 / rho_r}
 * (as official LaCT does). The layer with {@code lr_proj.weight = 0}, {@code lr_proj.bias = -1e4}
 * (softplus underflows to exactly 0) is compared with the same layer whose one chunk covers the
 * whole sequence (the final chunk is apply-only, so it never updates): equal in the first chunk,
 * within the renorm factor after it, and its final fast weights are exactly the initial ones
 * renormalised once per update. With a normal learning rate every later chunk differs by far more,
 * so the comparison can fail.
 */
class StaticSwiGluTest {
  private static final int B = 2;
  private static final int LEN = 14;
  private static final long SEED = 17L;
  private static LactKernel kernel;

  @BeforeAll
  static void kernel() {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    kernel = KernelBackends.select("nd4j").kernel(DType.FLOAT64);
  }

  /** d 8, 2 attention and 2 LaCT heads (d_f = d_h = 4), window 5, rank 2, Muon and momentum on. */
  private static ModelConfig config(int chunk) {
    return Presets.load("tiny", List.of("vocabSize=13", "hiddenSize=8", "numLayers=1", "numAttnHeads=2",
        "numLactHeads=2", "chunkSize=" + chunk, "windowSize=5", "lowRank=2", "intermediateSize=16",
        "contextLength=16", "useMuon=true", "useMomentum=true", "initializerRange=0.3"));
  }

  /** The layer's parameters, initialised as the model layout does, float64. */
  private static Map<String, INDArray> params(ModelConfig c) {
    LactLayerSpec s = LactLayerSpec.of(c);
    List<ParamSpec> specs = LactModelLayout.lactLayer("", s.hiddenSize(), s.numLactHeads(), s.fastHiddenDim(),
        s.lowRank(), c.fwInitGain(), s.learnableTttScale(), s.useMomentum(), s.attnQkNorm(), c.initializerRange());
    Map<String, INDArray> m = new LinkedHashMap<>();
    for (ParamSpec p : specs) {
      long[] shape = new long[p.shape().length];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = p.shape()[i];
      }
      m.put(p.name(), Nd4j.create(ParamLayout.initialValues(p, SEED), shape, 'c'));
    }
    return m;
  }

  private static Map<String, INDArray> copy(Map<String, INDArray> m) {
    Map<String, INDArray> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, v.dup()));
    return out;
  }

  private static INDArray input() {
    Random r = new Random(SEED);
    double[] v = new double[B * LEN * 8];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian();
    }
    return Nd4j.create(v, new long[] {B, LEN, 8}, 'c');
  }

  /** {@code [H, rows, cols]} as {@code [h][i][j]}. */
  private static double[][][] heads(INDArray a) {
    int h = (int) a.size(0);
    int rows = (int) a.size(1);
    int cols = (int) a.size(2);
    double[][][] out = new double[h][rows][cols];
    for (int x = 0; x < h; x++) {
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          out[x][i][j] = a.getDouble(x, i, j);
        }
      }
    }
    return out;
  }

  /** The initial low-rank W0 or W2 per head: {@code w_left w_right + 0.5 I}, computed here directly. */
  private static double[][][] lowRankInitial(Map<String, INDArray> p, String name) {
    double[][][] left = heads(p.get(name + ".w_left"));
    double[][][] right = heads(p.get(name + ".w_right"));
    int h = left.length;
    int rows = left[0].length;
    int rank = right[0].length;
    int cols = right[0][0].length;
    double[][][] w = new double[h][rows][cols];
    for (int x = 0; x < h; x++) {
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          double s = i == j ? 0.5 : 0.0;
          for (int k = 0; k < rank; k++) {
            s += left[x][i][k] * right[x][k][j];
          }
          w[x][i][j] = s;
        }
      }
    }
    return w;
  }

  /** {@code w} repeated for each sequence, flattened row-major: instance b*H + h. */
  private static double[] tiled(double[][][] w) {
    int per = w[0].length * w[0][0].length;
    double[] out = new double[B * w.length * per];
    int at = 0;
    for (int b = 0; b < B; b++) {
      for (double[][] head : w) {
        for (double[] row : head) {
          System.arraycopy(row, 0, out, at, row.length);
          at += row.length;
        }
      }
    }
    return out;
  }

  private static double maxDiff(double[] a, double[] b) {
    assertEquals(a.length, b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  /** The initial [W0, W1, W2] of every instance. */
  private static double[][] initialWeights(Map<String, INDArray> p) {
    return new double[][] {tiled(lowRankInitial(p, "w0")), tiled(heads(p.get("w1"))), tiled(lowRankInitial(p, "w2"))};
  }

  private record Run(INDArray out, HostTensor[] finalWeights) {}

  private static Run run(int chunk, Map<String, INDArray> p, INDArray x) {
    LactLayer layer = new LactLayer(LactLayerSpec.of(config(chunk)), kernel);
    try (LactLayer.Pass pass = layer.forward(Params.of(p), x, null)) {
      HostTensor[] w = pass.finalWeights();
      assertNotNull(w, "the op ran, so it has final weights");
      HostTensor[] copies = new HostTensor[w.length];
      for (int i = 0; i < w.length; i++) {
        copies[i] = w[i].copy();
      }
      return new Run(pass.output().dup(), copies);
    }
  }

  private static double maxDiff(INDArray a, INDArray b) {
    return a.sub(b).amaxNumber().doubleValue();
  }

  /**
   * The weights after {@code updates} zero updates: each update renormalises every row (last axis)
   * to {@code Z_r / (|Z_r| + 1e-5) * rho_r} with {@code rho_r} the initial row norm (lact-spec 1.8),
   * so a row keeps its direction and its norm follows {@code s <- s rho / (s + 1e-5)}.
   */
  private static double[] renormalised(double[] w, int cols, int updates) {
    double[] out = w.clone();
    for (int r = 0; r < w.length / cols; r++) {
      double rho = 0;
      for (int j = 0; j < cols; j++) {
        rho += w[r * cols + j] * w[r * cols + j];
      }
      rho = Math.sqrt(rho);
      double s = rho;
      for (int u = 0; u < updates; u++) {
        s = s * rho / (s + 1e-5);
      }
      for (int j = 0; j < cols; j++) {
        out[r * cols + j] = w[r * cols + j] / rho * s;
      }
    }
    return out;
  }

  private static INDArray positions(INDArray a, int from, int to) {
    return a.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup();
  }

  @Test
  void withZeroLearningRateTheLayerIsTheStaticSwiGluUpToTheRenormFactor() {
    Map<String, INDArray> p = params(config(4));
    p.get("lr_proj.weight").assign(0.0);
    p.get("lr_proj.bias").assign(-1e4);
    INDArray x = input();
    Run chunked = run(4, p, x);
    Run whole = run(16, p, x);
    double scale = whole.out().amaxNumber().doubleValue();
    assertTrue(scale > 1e-3, "the output is not trivially zero");
    assertTrue(chunk(chunked, whole, 0) <= 1e-12, "the first chunk reads the initial weights");
    // Chunks 1..3 read weights renormalised 1..3 times: rows shrink by about 1e-5 / |row| each
    // time (official LaCT does the same), so lr = 0 is the static layer to about 1e-5, not exactly.
    double d = maxDiff(chunked.out(), whole.out());
    assertTrue(d <= 1e-4 * scale, "with lr 0, updating every 4 tokens changed the output by " + d);

    double[][] initial = initialWeights(p);
    assertEquals(3, chunked.finalWeights().length);
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(new int[] {B * 2, 4, 4}, chunked.finalWeights()[i].shape(), "d_f = d_h = 4");
      // 14 tokens, chunks of 4: three updates (the last chunk is apply-only).
      double dw = maxDiff(renormalised(initial[i], 4, 3), chunked.finalWeights()[i].data());
      assertTrue(dw <= 1e-12, "with lr 0, W" + i + " is the initial one renormalised three times; off by " + dw);
      assertTrue(maxDiff(initial[i], chunked.finalWeights()[i].data()) > 1e-7, "the renorm factor is visible");
      assertTrue(maxDiff(initial[i], whole.finalWeights()[i].data()) <= 1e-15,
          "W" + i + ": a single apply-only chunk writes nothing");
    }
  }

  private static double chunk(Run a, Run b, int c) {
    return maxDiff(positions(a.out(), 4 * c, Math.min(4 * c + 4, LEN)), positions(b.out(), 4 * c, Math.min(4 * c + 4, LEN)));
  }

  @Test
  void withANormalLearningRateTheUpdatesMatter() {
    Map<String, INDArray> p = params(config(4));
    p.get("lr_proj.bias").addi(5.0);
    INDArray x = input();
    Run chunked = run(4, p, x);
    Run whole = run(16, p, x);
    double scale = whole.out().amaxNumber().doubleValue();
    // Each later chunk reads updated weights and differs from the static layer by far more than
    // the renorm factor's 1e-4 bound above: that bound separates lr = 0 from a working update.
    assertTrue(chunk(chunked, whole, 0) <= 1e-12, "the first chunk reads the initial weights");
    for (int c = 1; c < 4; c++) {
      double d = chunk(chunked, whole, c);
      assertTrue(d > 1e-2 * scale, "chunk " + c + " should read updated weights; moved " + d);
    }
    double[][] initial = initialWeights(p);
    for (int i = 0; i < 3; i++) {
      assertTrue(maxDiff(renormalised(initial[i], 4, 3), chunked.finalWeights()[i].data()) > 1e-3,
          "W" + i + " should have moved beyond the renorm factor");
      assertTrue(maxDiff(initial[i], whole.finalWeights()[i].data()) <= 1e-15, "W" + i + ": apply-only");
    }
  }
}
