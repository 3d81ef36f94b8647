package org.lactspark.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class WindowAttentionTest {

  /** A [B, L, H, D] tensor of doubles in C order, as the naive reference sees it. */
  private static final class T4 {
    final int b;
    final int l;
    final int h;
    final int d;
    final double[] x;

    T4(int b, int l, int h, int d) {
      this(b, l, h, d, new double[b * l * h * d]);
    }

    T4(int b, int l, int h, int d, double[] x) {
      this.b = b;
      this.l = l;
      this.h = h;
      this.d = d;
      this.x = x;
    }

    int at(int bi, int t, int hi, int c) {
      return ((bi * l + t) * h + hi) * d + c;
    }

    static T4 of(INDArray a) {
      long[] s = a.shape();
      return new T4((int) s[0], (int) s[1], (int) s[2], (int) s[3], vec(a));
    }
  }

  /** Output and gradients of the naive reference. */
  private record Ref(T4 out, T4 dq, T4 dk, T4 dv) {}

  /**
   * Triple-loop reference in float64: query t attends keys s in [t - window + 1, t] with mask 1,
   * softmax over those, and (when dOut is given) the textbook softmax-attention backward.
   */
  private static Ref naive(T4 q, T4 k, T4 v, double[][] mask, int window, T4 dOut) {
    return naive(q, k, v, mask, window, dOut, true);
  }

  private static Ref naive(T4 q, T4 k, T4 v, double[][] mask, int window, T4 dOut, boolean causal) {
    int b = q.b;
    int l = q.l;
    int h = q.h;
    int d = q.d;
    double scale = 1.0 / Math.sqrt(d);
    T4 out = new T4(b, l, h, d);
    T4 dq = new T4(b, l, h, d);
    T4 dk = new T4(b, l, h, d);
    T4 dv = new T4(b, l, h, d);
    for (int bi = 0; bi < b; bi++) {
      for (int hi = 0; hi < h; hi++) {
        for (int t = 0; t < l; t++) {
          double[] p = new double[l];
          boolean[] allowed = new boolean[l];
          double max = Double.NEGATIVE_INFINITY;
          for (int s = 0; s < l; s++) {
            allowed[s] = (causal ? s <= t && s > t - window : Math.abs(s - t) < window)
                && (mask == null || mask[bi][s] == 1.0);
            if (allowed[s]) {
              double dot = 0;
              for (int c = 0; c < d; c++) {
                dot += q.x[q.at(bi, t, hi, c)] * k.x[k.at(bi, s, hi, c)];
              }
              p[s] = dot * scale;
              max = Math.max(max, p[s]);
            }
          }
          double sum = 0;
          for (int s = 0; s < l; s++) {
            p[s] = allowed[s] ? Math.exp(p[s] - max) : 0.0;
            sum += p[s];
          }
          if (sum == 0) {
            continue; // no allowed key: output and gradients stay zero
          }
          for (int s = 0; s < l; s++) {
            p[s] /= sum;
            for (int c = 0; c < d; c++) {
              out.x[out.at(bi, t, hi, c)] += p[s] * v.x[v.at(bi, s, hi, c)];
            }
          }
          if (dOut == null) {
            continue;
          }
          double[] dp = new double[l];
          double delta = 0;
          for (int s = 0; s < l; s++) {
            for (int c = 0; c < d; c++) {
              dp[s] += dOut.x[dOut.at(bi, t, hi, c)] * v.x[v.at(bi, s, hi, c)];
            }
            delta += p[s] * dp[s];
          }
          for (int s = 0; s < l; s++) {
            double ds = p[s] * (dp[s] - delta);
            for (int c = 0; c < d; c++) {
              dv.x[dv.at(bi, s, hi, c)] += p[s] * dOut.x[dOut.at(bi, t, hi, c)];
              dq.x[dq.at(bi, t, hi, c)] += scale * ds * k.x[k.at(bi, s, hi, c)];
              dk.x[dk.at(bi, s, hi, c)] += scale * ds * q.x[q.at(bi, t, hi, c)];
            }
          }
        }
      }
    }
    return new Ref(out, dq, dk, dv);
  }

  private static double[] vec(INDArray a) {
    return a.castTo(DataType.DOUBLE).dup('c').reshape(a.length()).toDoubleVector();
  }

  private static INDArray random(Random rnd, DataType type, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    double[] data = new double[n];
    for (int i = 0; i < n; i++) {
      data[i] = rnd.nextGaussian();
    }
    long[] lshape = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      lshape[i] = shape[i];
    }
    INDArray a = Nd4j.create(data, lshape, DataType.DOUBLE);
    return type == DataType.DOUBLE ? a : a.castTo(type);
  }

  private static INDArray maskArray(double[][] mask) {
    return mask == null ? null : Nd4j.create(mask).castTo(DataType.FLOAT);
  }

  private static double relErr(double[] actual, double[] expected) {
    assertEquals(expected.length, actual.length);
    double num = 0;
    double den = 0;
    for (int i = 0; i < actual.length; i++) {
      num += (actual[i] - expected[i]) * (actual[i] - expected[i]);
      den += expected[i] * expected[i];
    }
    // An all-zero reference (dq with window 1: a softmax over one key is constant) has no scale to
    // be relative to; then the absolute error is the measure.
    return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
  }

  /** Batch 0: first 5 keys masked; batch 1 (if any): a masked run in the middle and scattered holes. */
  private static double[][] prefixMask(int b, int l) {
    double[][] m = new double[b][l];
    for (int bi = 0; bi < b; bi++) {
      for (int s = 0; s < l; s++) {
        m[bi][s] = 1.0;
      }
    }
    for (int s = 0; s < Math.min(5, l); s++) {
      m[0][s] = 0.0;
    }
    if (b > 1) {
      for (int s = 3; s < Math.min(8, l); s++) {
        m[1][s] = 0.0;
      }
      for (int s = 10; s < l; s += 3) {
        m[1][s] = 0.0;
      }
    }
    return m;
  }

  private static void checkForward(long seed, int b, int l, int h, int d, int window, int block,
      double[][] mask) {
    for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      Random rnd = new Random(seed);
      INDArray q = random(rnd, type, b, l, h, d);
      INDArray k = random(rnd, type, b, l, h, d);
      INDArray v = random(rnd, type, b, l, h, d);
      double[] qBefore = vec(q);
      double[] kBefore = vec(k);
      double[] vBefore = vec(v);
      INDArray out = new WindowAttention(window, block).forward(q, k, v, maskArray(mask)).output();
      assertArrayEquals(q.shape(), out.shape());
      assertEquals(type, out.dataType());
      Ref ref = naive(T4.of(q), T4.of(k), T4.of(v), mask, window, null);
      double err = relErr(vec(out), ref.out.x);
      double tol = type == DataType.DOUBLE ? 1e-12 : 1e-5;
      String what = String.format(Locale.ROOT, "%s B=%d L=%d H=%d d=%d window=%d block=%d mask=%b: error %.3g",
          type, b, l, h, d, window, block, mask != null, err);
      assertTrue(err < tol, what);
      // Queries without any allowed key output exact zeros.
      double[] o = vec(out);
      for (int i = 0; i < o.length; i++) {
        if (ref.out.x[i] == 0.0) {
          assertEquals(0.0, o[i], 0.0, what);
        }
      }
      assertArrayEquals(qBefore, vec(q), 0.0, "q modified");
      assertArrayEquals(kBefore, vec(k), 0.0, "k modified");
      assertArrayEquals(vBefore, vec(v), 0.0, "v modified");
    }
  }

  @Test
  void forwardMatchesReferenceLengthNotMultipleOfBlock() {
    checkForward(1, 2, 13, 3, 4, 5, 4, null);
  }

  @Test
  void forwardMatchesReferenceWindowLongerThanSequence() {
    checkForward(2, 1, 7, 2, 3, 20, 3, null);
  }

  @Test
  void forwardMatchesReferenceBlockLongerThanSequence() {
    checkForward(3, 1, 6, 2, 4, 3, 16, null);
  }

  @Test
  void forwardMatchesReferenceBlockSmallerAndLargerThanWindow() {
    checkForward(4, 2, 17, 2, 4, 6, 2, null);
    checkForward(5, 2, 17, 2, 4, 3, 8, null);
    checkForward(6, 1, 9, 1, 2, 4, 1, null);
    checkForward(7, 2, 33, 2, 8, 8, 8, null);
  }

  @Test
  void forwardMatchesReferenceWithKeyMask() {
    checkForward(8, 2, 20, 2, 4, 4, 3, prefixMask(2, 20));
    checkForward(9, 2, 20, 3, 5, 7, 16, prefixMask(2, 20));
    checkForward(10, 2, 11, 2, 3, 30, 4, prefixMask(2, 11));
  }

  @Test
  void windowOneReturnsValues() {
    Random rnd = new Random(11);
    INDArray q = random(rnd, DataType.DOUBLE, 2, 9, 2, 5);
    INDArray k = random(rnd, DataType.DOUBLE, 2, 9, 2, 5);
    INDArray v = random(rnd, DataType.DOUBLE, 2, 9, 2, 5);
    INDArray out = new WindowAttention(1, 4).forward(q, k, v, null).output();
    assertArrayEquals(vec(v), vec(out), 1e-15);
    checkForward(12, 2, 9, 2, 5, 1, 4, null);
    checkForward(13, 2, 9, 2, 5, 1, 4, prefixMask(2, 9));
  }

  @Test
  void fullyMaskedQueriesOutputZerosAndGetZeroGradient() {
    Random rnd = new Random(14);
    int l = 12;
    INDArray q = random(rnd, DataType.DOUBLE, 1, l, 2, 4);
    INDArray k = random(rnd, DataType.DOUBLE, 1, l, 2, 4);
    INDArray v = random(rnd, DataType.DOUBLE, 1, l, 2, 4);
    double[][] mask = new double[1][l];
    for (int s = 5; s < l; s++) {
      mask[0][s] = 1.0; // keys 0..4 masked: queries 0..4 see no key
    }
    WindowAttention attn = new WindowAttention(4, 3);
    WindowAttention.Pass pass = attn.forward(q, k, v, maskArray(mask));
    WindowAttention.Gradients g = attn.backward(pass, random(rnd, DataType.DOUBLE, 1, l, 2, 4));
    for (int t = 0; t < l; t++) {
      for (int hi = 0; hi < 2; hi++) {
        for (int c = 0; c < 4; c++) {
          double o = pass.output().getDouble(0, t, hi, c);
          double dq = g.dq().getDouble(0, t, hi, c);
          double dk = g.dk().getDouble(0, t, hi, c);
          double dv = g.dv().getDouble(0, t, hi, c);
          if (t < 5) {
            assertEquals(0.0, o, 0.0);
            assertEquals(0.0, dq, 0.0);
            assertEquals(0.0, dk, 0.0, "masked keys get no gradient");
            assertEquals(0.0, dv, 0.0, "masked keys get no gradient");
          } else {
            assertTrue(Double.isFinite(o) && o != 0.0);
            assertTrue(Double.isFinite(dq));
          }
        }
      }
    }
  }

  @Test
  void acceptsViewInputsAndAReusedPass() {
    Random rnd = new Random(21);
    // [B, H, L, dh] storage seen as [B, L, H, dh] through permute: strided views, not C order.
    INDArray q = random(rnd, DataType.DOUBLE, 2, 3, 10, 4).permute(0, 2, 1, 3);
    INDArray k = random(rnd, DataType.DOUBLE, 2, 3, 10, 4).permute(0, 2, 1, 3);
    INDArray v = random(rnd, DataType.DOUBLE, 2, 3, 10, 4).permute(0, 2, 1, 3);
    INDArray g = random(rnd, DataType.DOUBLE, 2, 3, 10, 4).permute(0, 2, 1, 3);
    double[][] mask = prefixMask(2, 10);
    WindowAttention attn = new WindowAttention(4, 3);
    WindowAttention.Pass pass = attn.forward(q, k, v, maskArray(mask));
    Ref ref = naive(T4.of(q), T4.of(k), T4.of(v), mask, 4, T4.of(g));
    assertTrue(relErr(vec(pass.output()), ref.out.x) < 1e-12);
    for (int rep = 0; rep < 2; rep++) {
      WindowAttention.Gradients grads = attn.backward(pass, g);
      assertTrue(relErr(vec(grads.dq()), ref.dq.x) < 1e-10);
      assertTrue(relErr(vec(grads.dk()), ref.dk.x) < 1e-10);
      assertTrue(relErr(vec(grads.dv()), ref.dv.x) < 1e-10);
    }
  }

  /** sum(forward(q, k, v) * g) in float64. */
  private static double loss(WindowAttention attn, INDArray q, INDArray k, INDArray v, INDArray mask,
      INDArray g) {
    return attn.forward(q, k, v, mask).output().mul(g).sumNumber().doubleValue();
  }

  @Test
  void backwardMatchesFiniteDifferences() {
    Random rnd = new Random(15);
    // Small on purpose: two forwards per element, and each forward's cost is mostly per-op
    // overhead, so few blocks. Window 3 and blocks of 3 still give windows that straddle blocks; the masks give a query without keys at the start (batch 0) and in the middle
    // (batch 1, query 4), and queries whose window is partly masked.
    int b = 2;
    int l = 6;
    int h = 1;
    int d = 2;
    INDArray q = random(rnd, DataType.DOUBLE, b, l, h, d);
    INDArray k = random(rnd, DataType.DOUBLE, b, l, h, d);
    INDArray v = random(rnd, DataType.DOUBLE, b, l, h, d);
    INDArray g = random(rnd, DataType.DOUBLE, b, l, h, d);
    double[][] m = {{0, 1, 1, 0, 1, 1}, {1, 1, 0, 0, 0, 1}};
    INDArray mask = maskArray(m);
    WindowAttention attn = new WindowAttention(3, 3);
    double[] gBefore = vec(g);
    WindowAttention.Pass pass = attn.forward(q, k, v, mask);
    double[] outBefore = vec(pass.output());
    WindowAttention.Gradients grads = attn.backward(pass, g);
    assertArrayEquals(gBefore, vec(g), 0.0, "dOut modified");
    assertArrayEquals(outBefore, vec(pass.output()), 0.0, "pass modified by backward");

    INDArray[] inputs = {q, k, v};
    INDArray[] analytic = {grads.dq(), grads.dk(), grads.dv()};
    String[] names = {"dq", "dk", "dv"};
    double eps = 1e-5;
    for (int which = 0; which < 3; which++) {
      INDArray x = inputs[which];
      INDArray flat = x.reshape(x.length());
      double[] fd = new double[(int) x.length()];
      for (int i = 0; i < fd.length; i++) {
        double orig = flat.getDouble(i);
        flat.putScalar(i, orig + eps);
        double plus = loss(attn, q, k, v, mask, g);
        flat.putScalar(i, orig - eps);
        double minus = loss(attn, q, k, v, mask, g);
        flat.putScalar(i, orig);
        fd[i] = (plus - minus) / (2 * eps);
      }
      double err = relErr(vec(analytic[which]), fd);
      assertTrue(err < 1e-6, names[which] + " relative error " + err);
    }
    // A second backward of the same pass gives the same result (the pass is read-only).
    WindowAttention.Gradients again = attn.backward(pass, g);
    assertArrayEquals(vec(grads.dk()), vec(again.dk()), 0.0);
  }

  private static void checkBackward(long seed, DataType type, int b, int l, int h, int d, int window,
      int block, double[][] mask, double tol) {
    Random rnd = new Random(seed);
    INDArray q = random(rnd, type, b, l, h, d);
    INDArray k = random(rnd, type, b, l, h, d);
    INDArray v = random(rnd, type, b, l, h, d);
    INDArray g = random(rnd, type, b, l, h, d);
    WindowAttention attn = new WindowAttention(window, block);
    WindowAttention.Gradients grads = attn.backward(attn.forward(q, k, v, maskArray(mask)), g);
    Ref ref = naive(T4.of(q), T4.of(k), T4.of(v), mask, window, T4.of(g));
    INDArray[] got = {grads.dq(), grads.dk(), grads.dv()};
    T4[] want = {ref.dq, ref.dk, ref.dv};
    String[] names = {"dq", "dk", "dv"};
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(q.shape(), got[i].shape());
      assertEquals(type, got[i].dataType());
      double err = relErr(vec(got[i]), want[i].x);
      assertTrue(err < tol, String.format(Locale.ROOT, "%s %s window=%d block=%d: error %.3g",
          type, names[i], window, block, err));
    }
  }

  @Test
  void nonCausalSymmetricWindowMatchesReference() {
    for (int[] c : new int[][] {{2, 13, 2, 4, 3, 4}, {1, 9, 2, 3, 20, 4}, {2, 17, 1, 4, 5, 2}}) {
      Random rnd = new Random(c[1]);
      DataType type = DataType.DOUBLE;
      INDArray q = random(rnd, type, c[0], c[1], c[2], c[3]);
      INDArray k = random(rnd, type, c[0], c[1], c[2], c[3]);
      INDArray v = random(rnd, type, c[0], c[1], c[2], c[3]);
      INDArray g = random(rnd, type, c[0], c[1], c[2], c[3]);
      double[][] mask = prefixMask(c[0], c[1]);
      WindowAttention attn = new WindowAttention(c[4], c[5], false);
      WindowAttention.Pass pass = attn.forward(q, k, v, maskArray(mask));
      WindowAttention.Gradients grads = attn.backward(pass, g);
      Ref ref = naive(T4.of(q), T4.of(k), T4.of(v), mask, c[4], T4.of(g), false);
      assertTrue(relErr(vec(pass.output()), ref.out.x) < 1e-12, "non-causal forward");
      assertTrue(relErr(vec(grads.dq()), ref.dq.x) < 1e-10, "non-causal dq");
      assertTrue(relErr(vec(grads.dk()), ref.dk.x) < 1e-10, "non-causal dk");
      assertTrue(relErr(vec(grads.dv()), ref.dv.x) < 1e-10, "non-causal dv");
      // A later key changes an earlier query's output, unlike the causal window.
      Ref causalRef = naive(T4.of(q), T4.of(k), T4.of(v), mask, c[4], null, true);
      assertTrue(relErr(vec(pass.output()), causalRef.out.x) > 1e-6, "non-causal equals causal");
    }
  }

  @Test
  void backwardMatchesReferenceGradients() {
    checkBackward(16, DataType.DOUBLE, 2, 45, 3, 8, 7, 5, prefixMask(2, 45), 1e-10);
    checkBackward(17, DataType.DOUBLE, 2, 30, 2, 4, 5, 16, null, 1e-10);
    checkBackward(18, DataType.DOUBLE, 1, 10, 2, 4, 40, 3, null, 1e-10);
    checkBackward(19, DataType.DOUBLE, 2, 12, 2, 4, 1, 5, prefixMask(2, 12), 1e-10);
    checkBackward(20, DataType.FLOAT, 2, 45, 3, 8, 7, 5, prefixMask(2, 45), 1e-4);
  }

  @Test
  void rejectsBadArguments() {
    IllegalArgumentException w = assertThrows(IllegalArgumentException.class, () -> new WindowAttention(0, 4));
    assertTrue(w.getMessage().contains("window"), w.getMessage());
    IllegalArgumentException bs = assertThrows(IllegalArgumentException.class, () -> new WindowAttention(4, 0));
    assertTrue(bs.getMessage().contains("blockSize"), bs.getMessage());

    WindowAttention attn = new WindowAttention(3, 2);
    INDArray ok = Nd4j.zeros(DataType.FLOAT, 2, 5, 2, 4);
    IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
        () -> attn.forward(Nd4j.zeros(DataType.FLOAT, 2, 5, 8), ok, ok, null));
    assertTrue(rank.getMessage().startsWith("q") && rank.getMessage().contains("[2, 5, 8]"), rank.getMessage());
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> attn.forward(ok, Nd4j.zeros(DataType.FLOAT, 2, 5, 2, 3), ok, null));
    assertTrue(shape.getMessage().startsWith("k") && shape.getMessage().contains("[2, 5, 2, 3]"),
        shape.getMessage());
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
        () -> attn.forward(ok, ok, Nd4j.zeros(DataType.DOUBLE, 2, 5, 2, 4), null));
    assertTrue(type.getMessage().startsWith("v"), type.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> attn.forward(Nd4j.zeros(DataType.INT32, 2, 5, 2, 4), ok, ok, null));
    assertThrows(IllegalArgumentException.class, () -> attn.forward(ok, null, ok, null));
    IllegalArgumentException mask = assertThrows(IllegalArgumentException.class,
        () -> attn.forward(ok, ok, ok, Nd4j.ones(DataType.FLOAT, 2, 4)));
    assertTrue(mask.getMessage().startsWith("keyMask") && mask.getMessage().contains("[2, 4]"), mask.getMessage());
    INDArray notBinary = Nd4j.ones(DataType.FLOAT, 2, 5);
    notBinary.putScalar(new long[] {1, 2}, 0.5);
    assertThrows(IllegalArgumentException.class, () -> attn.forward(ok, ok, ok, notBinary));

    WindowAttention.Pass pass = attn.forward(ok, ok, ok, null);
    IllegalArgumentException dOut = assertThrows(IllegalArgumentException.class,
        () -> attn.backward(pass, Nd4j.zeros(DataType.FLOAT, 2, 5, 2, 5)));
    assertTrue(dOut.getMessage().startsWith("dOut") && dOut.getMessage().contains("[2, 5, 2, 5]"),
        dOut.getMessage());
    assertThrows(IllegalArgumentException.class, () -> attn.backward(pass, Nd4j.zeros(DataType.DOUBLE, 2, 5, 2, 4)));
    assertThrows(IllegalArgumentException.class, () -> attn.backward(null, ok));
  }

  @Test
  void forwardLastEqualsTheLastRowsOfTheForward() {
    Random rnd = new Random(41);
    for (int window : new int[] {1, 4, 9, 30}) {
      WindowAttention attn = new WindowAttention(window, 3);
      INDArray q = random(rnd, DataType.DOUBLE, 1, 23, 2, 4);
      INDArray k = random(rnd, DataType.DOUBLE, 1, 23, 2, 4);
      INDArray v = random(rnd, DataType.DOUBLE, 1, 23, 2, 4);
      try (WindowAttention.Pass whole = attn.forward(q, k, v, null)) {
        for (int from : new int[] {0, 5, 22}) {
          INDArray tail = q.get(NDArrayIndex.all(), NDArrayIndex.interval(from, 23), NDArrayIndex.all(),
              NDArrayIndex.all()).dup('c');
          INDArray expected = whole.output().get(NDArrayIndex.all(), NDArrayIndex.interval(from, 23),
              NDArrayIndex.all(), NDArrayIndex.all());
          double err = relErr(vec(attn.forwardLast(tail, k, v)), vec(expected));
          assertTrue(err < 1e-14, "window " + window + " from " + from + ": " + err);
        }
      }
    }
    WindowAttention attn = new WindowAttention(4, 3);
    INDArray q = Nd4j.zeros(DataType.DOUBLE, 1, 5, 2, 4);
    assertThrows(IllegalArgumentException.class, () -> attn.forwardLast(q, Nd4j.zeros(DataType.DOUBLE, 1, 4, 2, 4),
        Nd4j.zeros(DataType.DOUBLE, 1, 4, 2, 4)));
    assertThrows(IllegalStateException.class, () -> new WindowAttention(4, 3, false).forwardLast(q, q, q));
  }
}
