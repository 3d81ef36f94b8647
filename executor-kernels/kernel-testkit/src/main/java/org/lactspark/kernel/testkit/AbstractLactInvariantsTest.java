package org.lactspark.kernel.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lactspark.kernel.testkit.TensorAssert.assertClose;
import static org.lactspark.kernel.testkit.TensorAssert.assertIdentical;
import static org.lactspark.kernel.testkit.TensorAssert.rows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.NewtonSchulzSchedule;

/**
 * The invariants of lact-spec section 6 that any correct LaCT op satisfies, checked on the backend
 * under test in float64: causality, the shifted block structure, static behaviour without updates,
 * permutation invariance within a chunk, instance independence, momentum, the hand-computed example,
 * Newton-Schulz's properties, the bidirectional mode and the write mask.
 */
public abstract class AbstractLactInvariantsTest extends AbstractLactStreamTest {

  @ParameterizedTest(name = "perturbing tokens >= {0} leaves earlier outputs bit-identical")
  @ValueSource(ints = {8, 13, 28})
  void causality(int p) {
    LactKernel k = f64();
    LactSpec spec = spec(8, true, true);
    LactInputs in = inputs(11, 2, 8, 12, 29, true, 0.05);
    HostTensor base = OpRunner.forward(k, spec, in);
    HostTensor moved = OpRunner.forward(k, spec, editAllTokens(in, p, 29, x -> x * 0.5 + 0.3));
    for (int i = 0; i < 2; i++) {
      assertIdentical(rows(base, i, 0, p), rows(moved, i, 0, p), "outputs before " + p);
    }
  }

  @Test
  void firstChunkReadsTheInitialWeightsAndNoChunkReadsItsOwnWrites() {
    LactKernel k = f64();
    LactSpec spec = spec(8, true, true);
    LactInputs in = inputs(12, 2, 8, 8, 32, true, 0.05);
    HostTensor out = OpRunner.forward(k, spec, in);
    HostTensor staticOut = OpRunner.forward(k, spec.withChunkSize(64), in);
    for (int i = 0; i < 2; i++) {
      assertIdentical(rows(staticOut, i, 0, 8), rows(out, i, 0, 8), "chunk 0 = f_W0(q)");
    }
    // the keys, values, learning rates and momentum of chunk 2 do not reach chunk 2's outputs
    LactInputs writesChanged = new LactInputs(in.w0(), in.w1(), in.w2(), in.q(),
        editTokens(in.k(), 16, 24, x -> -x), editTokens(in.v(), 16, 24, x -> 2 * x),
        editTokens(in.lr0(), 16, 24, x -> 3 * x), editTokens(in.lr1(), 16, 24, x -> 0.1 * x),
        editTokens(in.lr2(), 16, 24, x -> 5 * x), editTokens(in.momentum(), 16, 24, x -> 1 - x), null);
    HostTensor other = OpRunner.forward(k, spec, writesChanged);
    for (int i = 0; i < 2; i++) {
      assertIdentical(rows(out, i, 0, 24), rows(other, i, 0, 24), "chunks 0..2");
    }
  }

  @ParameterizedTest(name = "L = {0} <= C: a static SwiGLU over q")
  @ValueSource(ints = {1, 7, 16})
  void noUpdateWhenSequenceFitsOneChunk(int len) {
    LactKernel k = f64();
    LactInputs in = inputs(13, 1, 4, 6, len, true, 0.05);
    HostTensor dOut = upstream(13, in);
    var g = OpRunner.gradients(k, spec(16, true, true), in, dOut);
    for (HostTensor t : new HostTensor[] {g.k(), g.v(), g.lr0(), g.lr1(), g.lr2(), g.momentum()}) {
      assertTrue(t.maxAbs() == 0.0, "no update, so no gradient for keys, values, rates or momentum");
    }
    assertTrue(g.q().maxAbs() > 0 && g.w1().maxAbs() > 0, "queries and weights still get gradients");
  }

  @ParameterizedTest(name = "learning rate 0, muon={0}: static SwiGLU up to the renorm factor")
  @ValueSource(booleans = {false, true})
  void zeroLearningRateKeepsTheInitialWeights(boolean muon) {
    LactKernel k = f64();
    LactInputs in = inputs(14, 2, 6, 10, 40, false, 0.05);
    HostTensor zero = HostTensor.zeros(2, 40, 1);
    LactInputs frozen = new LactInputs(in.w0(), in.w1(), in.w2(), in.q(), in.k(), in.v(), zero, zero,
        zero, null, null);
    HostTensor out = OpRunner.forward(k, spec(8, muon, false), frozen);
    assertTrue(out.firstNonFinite() < 0, "NS(0) must be 0, not NaN");
    HostTensor staticOut = OpRunner.forward(k, spec(64, muon, false), frozen);
    // each of the 4 updates rescales rows by rho / (rho + 1e-5)
    assertClose(staticOut, out, 2e-4, "lr = 0 output");
  }

  @Test
  void permutingTokensWithinAChunkChangesNothingDownstream() {
    LactKernel k = f64();
    LactSpec spec = spec(8, true, true);
    LactInputs in = inputs(15, 1, 6, 6, 20, true, 0.05);
    int[] perm = {3, 0, 7, 5, 1, 6, 2, 4};
    LactInputs permuted = new LactInputs(in.w0(), in.w1(), in.w2(), in.q(), permute(in.k(), perm),
        permute(in.v(), perm), permute(in.lr0(), perm), permute(in.lr1(), perm),
        permute(in.lr2(), perm), permute(in.momentum(), perm), null);
    HostTensor a = OpRunner.forward(k, spec, in);
    HostTensor b = OpRunner.forward(k, spec, permuted);
    assertClose(rows(a, 0, 8, 20), rows(b, 0, 8, 20), 1e-12, "chunks after the permuted one");
  }

  private static HostTensor permute(HostTensor t, int[] perm) {
    HostTensor c = t.copy();
    int d = t.dim(2);
    for (int i = 0; i < perm.length; i++) {
      System.arraycopy(t.data(), perm[i] * d, c.data(), i * d, d);
    }
    return c;
  }

  @Test
  void instancesAreIndependent() {
    LactKernel k = f64();
    LactSpec spec = spec(8, true, true);
    LactInputs in = inputs(16, 3, 6, 6, 20, true, 0.05);
    HostTensor dOut = upstream(16, in);
    LactInputs other = inputs(99, 3, 6, 6, 20, true, 0.05);
    LactInputs mixed = new LactInputs(in.w0(), in.w1(), mixInstance(in.w2(), other.w2()), in.q(),
        mixInstance(in.k(), other.k()), in.v(), in.lr0(), in.lr1(), in.lr2(),
        mixInstance(in.momentum(), other.momentum()), null);
    var a = OpRunner.gradients(k, spec, in, dOut);
    var b = OpRunner.gradients(k, spec, mixed, dOut);
    HostTensor oa = OpRunner.forward(k, spec, in);
    HostTensor ob = OpRunner.forward(k, spec, mixed);
    assertIdentical(rows(oa, 0, 0, 20), rows(ob, 0, 0, 20), "instance 0 output");
    assertIdentical(rows(a.q(), 0, 0, 20), rows(b.q(), 0, 0, 20), "instance 0 grad q");
  }

  /** {@code base} with instance 1 taken from {@code other}. */
  private static HostTensor mixInstance(HostTensor base, HostTensor other) {
    HostTensor c = base.copy();
    int per = base.size() / base.dim(0);
    System.arraycopy(other.data(), per, c.data(), per, per);
    return c;
  }

  @Test
  void zeroMomentumIsPlainGradientDescent() {
    LactKernel k = f64();
    LactInputs in = inputs(17, 2, 6, 8, 30, true, 0.05);
    LactInputs zeroM = new LactInputs(in.w0(), in.w1(), in.w2(), in.q(), in.k(), in.v(), in.lr0(),
        in.lr1(), in.lr2(), HostTensor.zeros(2, 30, 1), null);
    assertClose(OpRunner.forward(k, spec(8, true, false), in),
        OpRunner.forward(k, spec(8, true, true), zeroM), 1e-12, "beta = 0");
  }

  @ParameterizedTest(name = "spec 6A by hand: muon={0}")
  @CsvSource({"false, 0.500677, 0.652806", "true, 1.07391, 1.072606"})
  void handComputedSingleUpdate(boolean muon, double y0, double y1) {
    HostTensor out = OpRunner.forward(f64(), spec(2, muon, false), handExample(3, false));
    assertEquals(0.438635, out.data()[0], 1e-6, "f_W(q) before the update");
    assertEquals(0.607178, out.data()[1], 1e-6, "f_W(q) before the update");
    assertEquals(y0, out.data()[4], 1e-5, "f_W'(q) after the update");
    assertEquals(y1, out.data()[5], 1e-5, "f_W'(q) after the update");
  }

  @Test
  void handComputedMomentum() {
    HostTensor out = OpRunner.forward(f64(), spec(2, false, true), handExample(5, true));
    assertEquals(0.589636, out.data()[8], 1e-5);
    assertEquals(0.717615, out.data()[9], 1e-5);
  }

  /**
   * lact-spec 6A: d = 2, W0 = [[1, .5], [0, 1]], W2 = [[1, 0], [.5, 1]], W1 = I; the chunk
   * k = (1,0), (0,1), v = (0,1), (1,0) repeated; every learning rate 0.1; every query (0.6, 0.8).
   */
  private static LactInputs handExample(int len, boolean momentum) {
    HostTensor w0 = HostTensor.of(new double[] {1, 0.5, 0, 1}, 1, 2, 2);
    HostTensor w1 = HostTensor.of(new double[] {1, 0, 0, 1}, 1, 2, 2);
    HostTensor w2 = HostTensor.of(new double[] {1, 0, 0.5, 1}, 1, 2, 2);
    double[] q = new double[len * 2];
    double[] kk = new double[len * 2];
    double[] v = new double[len * 2];
    for (int t = 0; t < len; t++) {
      q[2 * t] = 0.6;
      q[2 * t + 1] = 0.8;
      kk[2 * t + (t % 2)] = 1;
      v[2 * t + 1 - (t % 2)] = 1;
    }
    HostTensor lr = filled(0.1, 1, len, 1);
    return new LactInputs(w0, w1, w2, HostTensor.of(q, 1, len, 2), HostTensor.of(kk, 1, len, 2),
        HostTensor.of(v, 1, len, 2), lr, lr, lr, momentum ? filled(0.5, 1, len, 1) : null, null);
  }

  @Test
  void newtonSchulzOfZeroIsZero() {
    HostTensor x = f64().newtonSchulz(HostTensor.zeros(2, 4, 6), NewtonSchulzSchedule.LM_FIVE_STEP);
    assertTrue(x.firstNonFinite() < 0 && x.maxAbs() == 0.0, "NS(0) = 0");
  }

  @Test
  void newtonSchulzIsScaleInvariantAndCommutesWithTranspose() {
    LactKernel k = f64();
    HostTensor g = new org.lactspark.kernel.synth.SyntheticLactInputs(18).normal(2, 6, 10);
    HostTensor x = k.newtonSchulz(g, NewtonSchulzSchedule.LM_FIVE_STEP);
    HostTensor scaled = g.copy();
    for (int i = 0; i < scaled.size(); i++) {
      scaled.data()[i] *= 3.7;
    }
    assertClose(x, k.newtonSchulz(scaled, NewtonSchulzSchedule.LM_FIVE_STEP), 1e-7, "NS(cG)");
    HostTensor xt = k.newtonSchulz(transpose(g), NewtonSchulzSchedule.LM_FIVE_STEP);
    assertClose(transpose(x), xt, 1e-12, "NS(G^T) = NS(G)^T");
  }

  @Test
  void newtonSchulzIsOrthogonallyEquivariantAndNearlyOrthogonal() {
    LactKernel k = f64();
    Random rnd = new Random(19);
    int r = 12;
    int c = 24;
    HostTensor g = gaussian(rnd, 1, r, c);
    double[][] u = orthogonal(rnd, r);
    double[][] v = orthogonal(rnd, c);
    HostTensor x = k.newtonSchulz(g, NewtonSchulzSchedule.LM_FIVE_STEP);
    HostTensor rotated = k.newtonSchulz(sandwich(u, g, v), NewtonSchulzSchedule.LM_FIVE_STEP);
    assertClose(sandwich(u, x, v), rotated, 1e-9, "NS(U G V) = U NS(G) V");
    // singular values of NS(G) for a Gaussian G lie in about [0.97, 1.04]: X X^T close to I
    double worst = 0;
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < r; j++) {
        double s = 0;
        for (int t = 0; t < c; t++) {
          s += x.data()[i * c + t] * x.data()[j * c + t];
        }
        worst = Math.max(worst, Math.abs(s - (i == j ? 1 : 0)));
      }
    }
    assertTrue(worst < 0.1, "X X^T - I entries up to " + worst);
  }

  private static HostTensor gaussian(Random rnd, int... shape) {
    HostTensor t = HostTensor.zeros(shape);
    for (int i = 0; i < t.size(); i++) {
      t.data()[i] = rnd.nextGaussian();
    }
    return t;
  }

  private static HostTensor transpose(HostTensor t) {
    int b = t.dim(0);
    int r = t.dim(1);
    int c = t.dim(2);
    HostTensor out = HostTensor.zeros(b, c, r);
    for (int i = 0; i < b; i++) {
      for (int x = 0; x < r; x++) {
        for (int y = 0; y < c; y++) {
          out.data()[(i * c + y) * r + x] = t.data()[(i * r + x) * c + y];
        }
      }
    }
    return out;
  }

  /** A random orthogonal matrix by Gram-Schmidt. */
  private static double[][] orthogonal(Random rnd, int n) {
    double[][] q = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        q[i][j] = rnd.nextGaussian();
      }
      for (int p = 0; p < i; p++) {
        double dot = 0;
        for (int j = 0; j < n; j++) {
          dot += q[i][j] * q[p][j];
        }
        for (int j = 0; j < n; j++) {
          q[i][j] -= dot * q[p][j];
        }
      }
      double norm = 0;
      for (int j = 0; j < n; j++) {
        norm += q[i][j] * q[i][j];
      }
      for (int j = 0; j < n; j++) {
        q[i][j] /= Math.sqrt(norm);
      }
    }
    return q;
  }

  /** {@code U G V} for a single matrix {@code g [1, r, c]}. */
  private static HostTensor sandwich(double[][] u, HostTensor g, double[][] v) {
    int r = g.dim(1);
    int c = g.dim(2);
    double[] ug = new double[r * c];
    for (int i = 0; i < r; i++) {
      for (int p = 0; p < r; p++) {
        for (int j = 0; j < c; j++) {
          ug[i * c + j] += u[i][p] * g.data()[p * c + j];
        }
      }
    }
    double[] out = new double[r * c];
    for (int i = 0; i < r; i++) {
      for (int p = 0; p < c; p++) {
        for (int j = 0; j < c; j++) {
          out[i * c + j] += ug[i * c + p] * v[p][j];
        }
      }
    }
    return HostTensor.of(out, 1, r, c);
  }

  @ParameterizedTest(name = "bidirectional = block-causal readers when writers come first, muon={0}")
  @ValueSource(booleans = {false, true})
  void bidirectionalReadersSeeOneUpdateFromTheWriters(boolean muon) {
    LactKernel k = f64();
    int writers = 10;
    int len = 16;
    LactInputs in = inputs(20, 2, 6, 8, len, false, 0.05);
    HostTensor mask = HostTensor.zeros(2, len);
    for (int i = 0; i < 2; i++) {
      for (int t = 0; t < writers; t++) {
        mask.data()[i * len + t] = 1;
      }
    }
    HostTensor bi = OpRunner.forward(k, LactSpec.bidirectional(muon, NewtonSchulzSchedule.LM_FIVE_STEP),
        in.withWriteMask(mask));
    HostTensor causal = OpRunner.forward(k, spec(writers, muon, false), in);
    for (int i = 0; i < 2; i++) {
      assertClose(rows(causal, i, writers, len), rows(bi, i, writers, len), 1e-12, "readers");
    }
    // non-writers' keys and values write nothing
    LactInputs moved = new LactInputs(in.w0(), in.w1(), in.w2(), in.q(),
        editTokens(in.k(), writers, len, x -> -3 * x), editTokens(in.v(), writers, len, x -> x + 1),
        in.lr0(), in.lr1(), in.lr2(), null, mask);
    assertIdentical(bi, OpRunner.forward(k,
        LactSpec.bidirectional(muon, NewtonSchulzSchedule.LM_FIVE_STEP), moved), "non-writers");
  }

  @Test
  void bidirectionalNewtonSchulzScheduleIsAParameter() {
    LactKernel k = f64();
    LactInputs in = inputs(21, 1, 6, 6, 12, false, 0.05);
    HostTensor lm = OpRunner.forward(k, LactSpec.bidirectional(true, NewtonSchulzSchedule.LM_FIVE_STEP), in);
    HostTensor fixed = OpRunner.forward(k, LactSpec.bidirectional(true, NewtonSchulzSchedule.fixed(5)), in);
    HostTensor ref = OpRunner.forward(REFERENCE, LactSpec.bidirectional(true, NewtonSchulzSchedule.fixed(5)), in);
    assertClose(ref, fixed, 1e-9, "fixed-triple schedule");
    assertTrue(org.lactspark.kernel.golden.Tolerances.relativeError(fixed, lm) > 1e-3,
        "the two schedules give different updates");
  }

  @Test
  void paddedTokensWriteNothingAndAreLeftOutOfTheMomentumMean() {
    LactKernel k = f64();
    LactSpec spec = spec(8, true, true);
    int len = 24;
    LactInputs in = inputs(22, 1, 6, 6, len, true, 0.05);
    HostTensor mask = filled(1.0, 1, len);
    for (int t = 3; t < 6; t++) {
      mask.data()[t] = 0; // padding inside chunk 0
    }
    HostTensor out = OpRunner.forward(k, spec, in.withWriteMask(mask));
    LactInputs movedPad = new LactInputs(in.w0(), in.w1(), in.w2(), in.q(), editTokens(in.k(), 3, 6, x -> 7 * x),
        editTokens(in.v(), 3, 6, x -> -x), editTokens(in.lr0(), 3, 6, x -> 9 * x), in.lr1(), in.lr2(),
        editTokens(in.momentum(), 3, 6, x -> 1 - x), mask);
    assertIdentical(out, OpRunner.forward(k, spec, movedPad), "padding changed nothing");
  }

  @ParameterizedTest(name = "every row keeps its initial norm after each update: {0}")
  @ValueSource(strings = {"POSTNORM", "PRENORM"})
  void rowNormsAreKept(String placement) {
    LactKernel k = f64();
    LactSpec spec = spec(6, true, true).withNorm(org.lactspark.kernel.NormPlacement.valueOf(placement));
    LactInputs in = inputs(24, 2, 5, 7, 26, true, 0.5);
    for (int len : new int[] {13, 26}) {
      LactInputs prefix = new LactInputs(in.w0(), in.w1(), in.w2(), rows3(in.q(), len), rows3(in.k(), len),
          rows3(in.v(), len), rows3(in.lr0(), len), rows3(in.lr1(), len), rows3(in.lr2(), len),
          rows3(in.momentum(), len), null);
      HostTensor[] fin;
      try (LactForwardPass p = k.forward(spec, prefix)) {
        fin = p.finalWeights();
      }
      HostTensor[] init = {in.w0(), in.w1(), in.w2()};
      for (int j = 0; j < 3; j++) {
        double[] before = rowNorms(init[j]);
        double[] after = rowNorms(fin[j]);
        for (int r = 0; r < before.length; r++) {
          assertEquals(before[r], after[r], 2e-5 * before[r], "W" + j + " row " + r + " at L=" + len);
        }
        double moved = 0;
        for (int e = 0; e < init[j].size(); e++) {
          moved = Math.max(moved, Math.abs(fin[j].data()[e] - init[j].data()[e]));
        }
        assertTrue(moved > 1e-3, "the weights were updated");
      }
    }
  }

  /** The first {@code len} tokens of each instance of a {@code [n, L, d]} tensor. */
  private static HostTensor rows3(HostTensor t, int len) {
    int n = t.dim(0);
    int d = t.dim(2);
    HostTensor out = HostTensor.zeros(n, len, d);
    for (int i = 0; i < n; i++) {
      System.arraycopy(t.data(), i * t.dim(1) * d, out.data(), i * len * d, len * d);
    }
    return out;
  }

  private static double[] rowNorms(HostTensor w) {
    int cols = w.dim(w.rank() - 1);
    double[] out = new double[w.size() / cols];
    for (int r = 0; r < out.length; r++) {
      double s = 0;
      for (int c = 0; c < cols; c++) {
        s += w.data()[r * cols + c] * w.data()[r * cols + c];
      }
      out[r] = Math.sqrt(s);
    }
    return out;
  }

  @ParameterizedTest(name = "padding to a multiple of C changes nothing: L = {0}, C = 8")
  @ValueSource(ints = {7, 8, 9, 20})
  void paddingToAWholeNumberOfChunksIsEquivalent(int len) {
    LactKernel k = f64();
    LactSpec spec = spec(8, true, true);
    int padded = (len + 7) / 8 * 8;
    LactInputs full = inputs(26, 2, 5, 6, padded, true, 0.1);
    LactInputs cut = new LactInputs(full.w0(), full.w1(), full.w2(), rows3(full.q(), len),
        rows3(full.k(), len), rows3(full.v(), len), rows3(full.lr0(), len), rows3(full.lr1(), len),
        rows3(full.lr2(), len), rows3(full.momentum(), len), null);
    LactInputs zeroPad = editAllTokens(full, len, padded, x -> 0.0);
    HostTensor a = OpRunner.forward(k, spec, cut);
    HostTensor b = OpRunner.forward(k, spec, zeroPad);
    // Equal up to float64 rounding, not bit for bit: a GPU backend's products may take another
    // algorithm (another summation order) for another number of rows.
    for (int i = 0; i < 2; i++) {
      assertClose(rows(a, i, 0, len), rows(b, i, 0, len), 1e-14, "first L outputs");
    }
  }

  @Test
  void finalWeightsAreTheInitialOnesWhenNothingIsWritten() {
    LactKernel k = f64();
    LactInputs in = inputs(25, 1, 4, 5, 6, false, 0.05);
    try (LactForwardPass p = k.forward(spec(8, true, false), in)) {
      assertIdentical(in.w1(), p.finalWeights()[1], "W1 unchanged for L <= C");
    }
  }

  @Test
  void savedStateGrowsLinearlyWithTheNumberOfChunks() {
    LactKernel k = f64();
    long[] bytes = new long[3];
    for (int i = 0; i < 3; i++) {
      LactInputs in = inputs(23, 1, 4, 4, 8 * (4 + 4 * i), true, 0.05);
      try (LactForwardPass p = k.forward(spec(8, true, true), in)) {
        bytes[i] = p.savedStateBytes();
      }
    }
    assertTrue(bytes[0] > 0, "the pass holds state for its backward");
    assertEquals(bytes[1] - bytes[0], bytes[2] - bytes[1], "equal growth per 4 more chunks");
  }
}
