package org.lactspark.kernel.reference;

/**
 * The fast SwiGLU {@code f_W(x) = W1 (silu(W0 x) * (W2 x))} on row-major token blocks, its
 * closed-form inner-loss update (lact-spec 1.5), the row renormalisation (1.8), and the backward of
 * each. Tokens are rows: {@code X [C, dIn]}; {@code W0, W2 [dH, dIn]}; {@code W1 [dIn, dH]}.
 */
final class SwiGluMath {
  static final double RENORM_EPS = 1e-5;

  private SwiGluMath() {}

  static double sigmoid(double x) {
    return 1.0 / (1.0 + Math.exp(-x));
  }

  static double silu(double x) {
    return x * sigmoid(x);
  }

  /** silu'(x) = s (1 + x (1 - s)). */
  static double siluPrime(double x) {
    double s = sigmoid(x);
    return s * (1.0 + x * (1.0 - s));
  }

  /** silu''(x) = s (1 - s) (2 + x (1 - 2 s)). */
  static double siluSecond(double x) {
    double s = sigmoid(x);
    return s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s));
  }

  /** {@code O = (silu(X W0^T) * (X W2^T)) W1^T}. */
  static Mat apply(Mat[] w, Mat x) {
    Mat a = x.mulTB(w[0]);
    Mat u = x.mulTB(w[2]);
    return a.map(SwiGluMath::silu).hadamard(u).mulTB(w[1]);
  }

  /** Adds the apply's weight gradients into {@code gw} and returns the gradient for {@code x}. */
  static Mat applyBackward(Mat[] w, Mat x, Mat gOut, Mat[] gw) {
    Mat a = x.mulTB(w[0]);
    Mat u = x.mulTB(w[2]);
    Mat s = a.map(SwiGluMath::silu);
    Mat h = s.hadamard(u);
    gw[1].addInPlace(gOut.mulTA(h), 1.0);
    Mat gh = gOut.mul(w[1]);
    Mat ga = gh.hadamard(u).hadamard(a.map(SwiGluMath::siluPrime));
    Mat gu = gh.hadamard(s);
    gw[0].addInPlace(ga.mulTA(x), 1.0);
    gw[2].addInPlace(gu.mulTA(x), 1.0);
    return ga.mul(w[0]).plus(gu.mul(w[2]));
  }

  /** The chunk's intermediate values, recomputed wherever they are needed. */
  private record Inner(Mat a, Mat u, Mat s, Mat sp, Mat h, Mat g, Mat gu, Mat ga) {
    static Inner of(Mat[] w, Mat k, Mat v) {
      Mat a = k.mulTB(w[0]);
      Mat u = k.mulTB(w[2]);
      Mat s = a.map(SwiGluMath::silu);
      Mat sp = a.map(SwiGluMath::siluPrime);
      Mat g = v.mul(w[1]);
      return new Inner(a, u, s, sp, s.hadamard(u), g, g.hadamard(s), g.hadamard(u).hadamard(sp));
    }
  }

  /**
   * The updates {@code dW_j = -dL_j/dW_j} of the negative dot-product inner loss, each token's term
   * scaled by its learning rate {@code eta[j][t]}.
   */
  static Mat[] deltas(Mat[] w, Mat k, Mat v, double[][] eta) {
    Inner in = Inner.of(w, k, v);
    return new Mat[] {
      in.ga.mulTA(k.scaleRows(eta[0])), v.mulTA(in.h.scaleRows(eta[1])), in.gu.mulTA(k.scaleRows(eta[2]))
    };
  }

  /**
   * Backward of {@link #deltas}: given the gradients {@code gd} of the three updates, adds into
   * {@code gw}, {@code gk}, {@code gv} and returns the learning-rate gradients {@code [3][C]}.
   */
  static double[][] deltasBackward(
      Mat[] w, Mat k, Mat v, double[][] eta, Mat[] gd, Mat[] gw, Mat gk, Mat gv) {
    Inner in = Inner.of(w, k, v);
    double[][] gEta = new double[3][];
    // dW1 = V^T (eta1 * H)
    Mat e1 = in.h.scaleRows(eta[1]);
    gv.addInPlace(e1.mulTB(gd[1]), 1.0);
    Mat gE1 = v.mul(gd[1]);
    gEta[1] = gE1.rowDots(in.h);
    Mat gh = gE1.scaleRows(eta[1]);
    // dW0 = Ga^T (eta0 * K)
    Mat gGa = k.scaleRows(eta[0]).mulTB(gd[0]);
    Mat gF0 = in.ga.mul(gd[0]);
    gk.addInPlace(gF0.scaleRows(eta[0]), 1.0);
    gEta[0] = gF0.rowDots(k);
    // dW2 = Gu^T (eta2 * K)
    Mat gGu = k.scaleRows(eta[2]).mulTB(gd[2]);
    Mat gF2 = in.gu.mul(gd[2]);
    gk.addInPlace(gF2.scaleRows(eta[2]), 1.0);
    gEta[2] = gF2.rowDots(k);
    // Gu = G * S, Ga = G * U * S', H = S * U
    Mat gg = gGu.hadamard(in.s).plus(gGa.hadamard(in.u).hadamard(in.sp));
    Mat gs = gGu.hadamard(in.g).plus(gh.hadamard(in.u));
    Mat gu = gGa.hadamard(in.g).hadamard(in.sp).plus(gh.hadamard(in.s));
    Mat ga =
        gs.hadamard(in.sp)
            .plus(gGa.hadamard(in.g).hadamard(in.u).hadamard(in.a.map(SwiGluMath::siluSecond)));
    // G = V W1, A = K W0^T, U = K W2^T
    gv.addInPlace(gg.mulTB(w[1]), 1.0);
    gw[1].addInPlace(v.mulTA(gg), 1.0);
    gk.addInPlace(ga.mul(w[0]).plus(gu.mul(w[2])), 1.0);
    gw[0].addInPlace(ga.mulTA(k), 1.0);
    gw[2].addInPlace(gu.mulTA(k), 1.0);
    return gEta;
  }

  /** Row {@code r} of {@code z} rescaled to length {@code rho[r]}: {@code z_r / (|z_r| + 1e-5) * rho_r}. */
  static Mat renorm(Mat z, double[] rho) {
    double[] norms = z.rowNorms();
    double[] s = new double[z.rows];
    for (int r = 0; r < z.rows; r++) {
      s[r] = rho[r] / (norms[r] + RENORM_EPS);
    }
    return z.scaleRows(s);
  }

  /** Backward of {@link #renorm}: returns the gradient for {@code z} and adds into {@code gRho}. */
  static Mat renormBackward(Mat z, double[] rho, Mat gOut, double[] gRho) {
    double[] norms = z.rowNorms();
    double[] dots = gOut.rowDots(z);
    double[] s = new double[z.rows];
    double[] t = new double[z.rows];
    for (int r = 0; r < z.rows; r++) {
      double den = norms[r] + RENORM_EPS;
      s[r] = rho[r] / den;
      t[r] = norms[r] > 0 ? -dots[r] * rho[r] / (den * den * norms[r]) : 0.0;
      gRho[r] += dots[r] / den;
    }
    Mat g = gOut.scaleRows(s);
    g.addInPlace(z.scaleRows(t), 1.0);
    return g;
  }

  /** Backward of {@code rho = rowNorms(w)}: the gradient for {@code w}. */
  static Mat rowNormBackward(Mat w, double[] rho, double[] gRho) {
    double[] s = new double[w.rows];
    for (int r = 0; r < w.rows; r++) {
      s[r] = rho[r] > 0 ? gRho[r] / rho[r] : 0.0;
    }
    return w.scaleRows(s);
  }
}
