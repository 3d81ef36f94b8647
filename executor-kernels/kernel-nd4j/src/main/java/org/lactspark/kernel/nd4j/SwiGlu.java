package org.lactspark.kernel.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The batched fast SwiGLU: apply, the closed-form inner update (lact-spec 1.5) and the backward of
 * each. Tokens are rows: chunk blocks {@code [n, C, dIn]}; {@code W0, W2 [n, dH, dIn]};
 * {@code W1 [n, dIn, dH]}. Gradient arguments are accumulated into ({@code +=}).
 */
final class SwiGlu {
  private SwiGlu() {}

  /** {@code (silu(X W0^T) * (X W2^T)) W1^T} for a contiguous block {@code x}. */
  static INDArray apply(INDArray[] w, INDArray x) {
    INDArray a = Bmm.mul(x, false, w[0], true);
    INDArray u = Bmm.mul(x, false, w[2], true);
    Silu s = Silu.of(a);
    return Bmm.mul(s.value.muli(u), false, w[1], true);
  }

  /** Backward of {@link #apply}: adds into {@code gw} and returns the gradient for {@code x}. */
  static INDArray applyBackward(INDArray[] w, INDArray x, INDArray gOut, INDArray[] gw) {
    INDArray gx = Nd4j.zerosLike(x);
    INDArray a = Bmm.mul(x, false, w[0], true);
    INDArray u = Bmm.mul(x, false, w[2], true);
    Silu s = Silu.of(a);
    Bmm.addMul(gOut, true, s.value.mul(u), false, gw[1]);
    INDArray gh = Bmm.mul(gOut, false, w[1], false);
    INDArray gu = gh.mul(s.value);
    INDArray ga = gh.muli(u).muli(s.prime());
    Bmm.addMul(ga, false, w[0], false, gx);
    Bmm.addMul(gu, false, w[2], false, gx);
    Bmm.addMul(ga, true, x, false, gw[0]);
    Bmm.addMul(gu, true, x, false, gw[2]);
    return gx;
  }

  /**
   * One chunk's data, as contiguous blocks.
   *
   * @param k keys {@code [n, C, dIn]}
   * @param v values {@code [n, C, dIn]}
   * @param eta the three learning rates {@code [n, C, 1]}, already multiplied by the write mask
   */
  record Chunk(INDArray k, INDArray v, INDArray[] eta) {}

  /**
   * The inner forward on the keys and the inner gradient's factors: {@code A = K W0^T},
   * {@code U = K W2^T}, {@code H = silu(A) U}, {@code G = V W1}, {@code Gu = G silu(A)},
   * {@code Ga = G U silu'(A)}.
   */
  private record Inner(INDArray a, INDArray u, Silu s, INDArray h, INDArray g, INDArray gu, INDArray ga) {
    static Inner of(INDArray[] w, Chunk c) {
      INDArray a = Bmm.mul(c.k(), false, w[0], true);
      INDArray u = Bmm.mul(c.k(), false, w[2], true);
      INDArray g = Bmm.mul(c.v(), false, w[1], false);
      Silu s = Silu.of(a);
      return new Inner(a, u, s, s.value.mul(u), g, g.mul(s.value), g.mul(u).muli(s.prime()));
    }
  }

  /**
   * The three updates {@code dW0 [n, dH, dIn]}, {@code dW1 [n, dIn, dH]}, {@code dW2 [n, dH, dIn]},
   * with their products computed and returned in {@code type} (see {@link Nd4jLactKernel} on why
   * Muon needs them in float64).
   */
  static INDArray[] deltas(INDArray[] w, Chunk c, DataType type) {
    Inner in = Inner.of(w, c);
    INDArray k = c.k().castTo(type);
    return new INDArray[] {
      Bmm.mul(in.ga().castTo(type), true, k.mul(c.eta()[0].castTo(type)), false),
      Bmm.mul(c.v().castTo(type), true, in.h().castTo(type).muli(c.eta()[1].castTo(type)), false),
      Bmm.mul(in.gu().castTo(type), true, k.mul(c.eta()[2].castTo(type)), false)
    };
  }

  /**
   * A chunk's input gradients.
   *
   * @param k for the keys {@code [n, C, dIn]}
   * @param v for the values {@code [n, C, dIn]}
   * @param eta for the three learning rates {@code [n, C, 1]} (before the write mask)
   */
  record ChunkGrads(INDArray k, INDArray v, INDArray[] eta) {}

  /**
   * Backward of {@link #deltas}: given the updates' gradients {@code gd}, adds into {@code gw} and
   * returns the chunk's input gradients.
   */
  static ChunkGrads deltasBackward(INDArray[] w, Chunk c, INDArray[] gd, INDArray[] gw) {
    Inner in = Inner.of(w, c);
    INDArray gk = Nd4j.zerosLike(c.k());
    INDArray gv = Nd4j.zerosLike(c.v());
    INDArray[] eta = c.eta();
    INDArray[] gEta = new INDArray[3];
    // dW1 = V^T (eta1 * H)
    Bmm.addMul(in.h().mul(eta[1]), false, gd[1], true, gv);
    INDArray gE1 = Bmm.mul(c.v(), false, gd[1], false);
    gEta[1] = gE1.mul(in.h()).sum(true, 2);
    INDArray gh = gE1.muli(eta[1]);
    // dW0 = Ga^T (eta0 * K), dW2 = Gu^T (eta2 * K)
    INDArray gGa = Bmm.mul(c.k().mul(eta[0]), false, gd[0], true);
    INDArray gGu = Bmm.mul(c.k().mul(eta[2]), false, gd[2], true);
    gEta[0] = keyFactorBackward(in.ga(), gd[0], c.k(), eta[0], gk);
    gEta[2] = keyFactorBackward(in.gu(), gd[2], c.k(), eta[2], gk);
    // Gu = G * S, Ga = G * U * S', H = S * U
    INDArray gaGs = gGa.mul(in.g()); // dGa * G, shared by the U and A paths
    INDArray gg = gGu.mul(in.s().value).addi(gGa.muli(in.u()).muli(in.s().prime()));
    INDArray gs = gGu.muli(in.g()).addi(gh.mul(in.u()));
    INDArray gu = gaGs.mul(in.s().prime()).addi(gh.muli(in.s().value));
    INDArray ga = gs.muli(in.s().prime()).addi(gaGs.muli(in.u()).muli(in.s().second(in.a())));
    // G = V W1, A = K W0^T, U = K W2^T
    Bmm.addMul(gg, false, w[1], true, gv);
    Bmm.addMul(c.v(), true, gg, false, gw[1]);
    Bmm.addMul(ga, false, w[0], false, gk);
    Bmm.addMul(gu, false, w[2], false, gk);
    Bmm.addMul(ga, true, c.k(), false, gw[0]);
    Bmm.addMul(gu, true, c.k(), false, gw[2]);
    return new ChunkGrads(gk, gv, gEta);
  }

  /**
   * For {@code D = F^T (eta * K)}: adds {@code eta * (F dD)} into {@code gk} and returns the
   * learning-rate gradient {@code rowsum((F dD) * K)}.
   */
  private static INDArray keyFactorBackward(INDArray f, INDArray gd, INDArray k, INDArray eta, INDArray gk) {
    INDArray gF = Bmm.mul(f, false, gd, false);
    INDArray gEta = gF.mul(k).sum(true, 2);
    gk.addi(gF.muli(eta));
    return gEta;
  }
}
