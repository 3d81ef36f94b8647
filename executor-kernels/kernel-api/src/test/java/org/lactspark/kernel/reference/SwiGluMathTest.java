package org.lactspark.kernel.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lactspark.kernel.NewtonSchulzSchedule;

/** The reference's building blocks against lact-spec section 6A's hand-computed numbers. */
class SwiGluMathTest {
  private static final Mat W0 = new Mat(2, 2, new double[] {1, 0.5, 0, 1});
  private static final Mat W1 = new Mat(2, 2, new double[] {1, 0, 0, 1});
  private static final Mat W2 = new Mat(2, 2, new double[] {1, 0, 0.5, 1});
  private static final Mat K = new Mat(2, 2, new double[] {1, 0, 0, 1});
  private static final Mat V = new Mat(2, 2, new double[] {0, 1, 1, 0});
  private static final double[][] ETA = {{0.1, 0.1}, {0.1, 0.1}, {0.1, 0.1}};

  @Test
  void closedFormUpdatesMatchTheSpec() {
    Mat[] d = SwiGluMath.deltas(new Mat[] {W0, W1, W2}, K, V, ETA);
    assertArrayEquals(new double[] {0, 0, 0.025, 0}, d[0].a, 1e-6, "dW0");
    assertArrayEquals(new double[] {0, 0.073106, 0.073106, 0}, d[1].a, 1e-6, "dW1");
    assertArrayEquals(new double[] {0, 0.031123, 0, 0}, d[2].a, 1e-6, "dW2");
  }

  @Test
  void renormalisedUpdateMatchesTheSpec() {
    Mat[] w = {W0, W1, W2};
    Mat[] d = SwiGluMath.deltas(w, K, V, ETA);
    double[][] expected = {
      {0.999991, 0.499996, 0.024992, 0.999678},
      {0.997328, 0.072911, 0.072911, 0.997328},
      {0.999506, 0.031108, 0.499996, 0.999991}
    };
    for (int j = 0; j < 3; j++) {
      Mat updated = SwiGluMath.renorm(w[j].plus(d[j]), w[j].rowNorms());
      assertArrayEquals(expected[j], updated.a, 1e-6, "W" + j + "'");
    }
  }

  @Test
  void muonOfTheHandExampleMatchesTheSpec() {
    Mat[] d = SwiGluMath.deltas(new Mat[] {W0, W1, W2}, K, V, ETA);
    NewtonSchulzSchedule s = NewtonSchulzSchedule.LM_FIVE_STEP;
    assertArrayEquals(new double[] {0, 0, 0.978351, 0}, NewtonSchulzMath.forward(d[0], s).a, 1e-5);
    assertArrayEquals(new double[] {0, 1.025612, 1.025612, 0}, NewtonSchulzMath.forward(d[1], s).a, 1e-5);
    assertArrayEquals(new double[] {0, 0.97835, 0, 0}, NewtonSchulzMath.forward(d[2], s).a, 1e-5);
  }

  @Test
  void closedFormUpdateIsMinusTheGradientOfTheInnerLoss() {
    Random rnd = new Random(3);
    Mat[] w = {gauss(rnd, 5, 4), gauss(rnd, 4, 5), gauss(rnd, 5, 4)};
    Mat k = gauss(rnd, 6, 4);
    Mat v = gauss(rnd, 6, 4);
    double[][] eta = new double[3][6];
    for (double[] e : eta) {
      for (int t = 0; t < 6; t++) {
        e[t] = 0.1 + rnd.nextDouble();
      }
    }
    Mat[] d = SwiGluMath.deltas(w, k, v, eta);
    double h = 1e-6;
    for (int j = 0; j < 3; j++) {
      for (int e = 0; e < w[j].a.length; e++) {
        double saved = w[j].a[e];
        w[j].a[e] = saved + h;
        double plus = innerLoss(w, k, v, eta[j]);
        w[j].a[e] = saved - h;
        double minus = innerLoss(w, k, v, eta[j]);
        w[j].a[e] = saved;
        // dW_j = -dL_j/dW_j, L_j = -sum_i eta_j,i <f_W(k_i), v_i>
        assertEquals(-(plus - minus) / (2 * h), d[j].a[e], 1e-7, "dW" + j + "[" + e + "]");
      }
    }
  }

  /** {@code L = -sum_i eta_i <f_W(k_i), v_i>} (lact-spec 1.5). */
  private static double innerLoss(Mat[] w, Mat k, Mat v, double[] eta) {
    Mat f = SwiGluMath.apply(w, k);
    return -f.hadamard(v).scaleRows(eta).dot(new Mat(f.rows, f.cols, filledOnes(f.a.length)));
  }

  private static double[] filledOnes(int n) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, 1.0);
    return a;
  }

  private static Mat gauss(Random rnd, int r, int c) {
    Mat m = new Mat(r, c);
    for (int i = 0; i < m.a.length; i++) {
      m.a[i] = rnd.nextGaussian();
    }
    return m;
  }

  @Test
  void renormKeepsEveryRowAtItsTargetLength() {
    Random rnd = new Random(7);
    Mat z = new Mat(5, 7);
    double[] rho = new double[5];
    for (int i = 0; i < z.a.length; i++) {
      z.a[i] = rnd.nextGaussian();
    }
    for (int r = 0; r < 5; r++) {
      rho[r] = 0.5 + r;
    }
    double[] norms = SwiGluMath.renorm(z, rho).rowNorms();
    double[] zn = z.rowNorms();
    for (int r = 0; r < 5; r++) {
      // exactly rho * |z| / (|z| + 1e-5): the target up to 1e-5 relative
      assertEquals(rho[r] * zn[r] / (zn[r] + 1e-5), norms[r], 1e-12);
      assertEquals(rho[r], norms[r], 1e-5 * rho[r]);
    }
  }

  @Test
  void fixedScheduleMapsSingularValuesAsTheSpecSays() {
    NewtonSchulzSchedule fixed = NewtonSchulzSchedule.fixed(5);
    double[][] table = {{0.1, 0.712}, {0.5, 0.765}, {1.0, 0.696}};
    for (double[] row : table) {
      assertEquals(row[1], scalarMap(row[0], fixed), 1e-3, "spec 6H: " + row[0]);
      // NS of diag(1, s) is diag(f(1 / n), f(s / n)) with n its Frobenius norm plus 1e-7
      Mat g = new Mat(2, 2, new double[] {1.0, 0, 0, row[0]});
      double n = Math.sqrt(1 + row[0] * row[0]) + 1e-7;
      Mat x = NewtonSchulzMath.forward(g, fixed);
      assertEquals(scalarMap(row[0] / n, fixed), x.get(1, 1), 1e-12);
      assertEquals(scalarMap(1 / n, fixed), x.get(0, 0), 1e-12);
    }
  }

  /** The composite scalar map s -> a s + b s^3 + c s^5, iterated. */
  private static double scalarMap(double s, NewtonSchulzSchedule schedule) {
    for (NewtonSchulzSchedule.Step st : schedule.steps()) {
      s = st.a() * s + st.b() * s * s * s + st.c() * s * s * s * s * s;
    }
    return s;
  }
}
