package org.lactspark.kernel.nd4j;

import java.util.ArrayList;
import java.util.List;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Batched Newton-Schulz over {@code [n, rows, cols]} (lact-spec 1.7): tall matrices are transposed
 * so the iteration runs on the wide side, each matrix is divided by its Frobenius norm plus 1e-7,
 * then {@code A = X X^T; B = b A + c A A; X <- a X + B X} per schedule step.
 *
 * <p>The three updates of one chunk share one wide shape ({@code min(dIn, dH) x max(dIn, dH)}:
 * W1's update is the transpose shape of W0's and W2's), so {@link #forwardAll} and {@link
 * #backwardAll} run them as one batch of {@code 3n} matrices; the scalar terms ride on the matrix
 * products' {@code alpha} and {@code beta} instead of separate elementwise passes.
 */
final class NewtonSchulz {
  static final double EPS = 1e-7;

  private NewtonSchulz() {}

  /** NS of one batch. */
  static INDArray forward(INDArray g, NewtonSchulzSchedule schedule) {
    return forwardAll(new INDArray[] {g}, schedule)[0];
  }

  /** Gradient of {@code sum(forward(g) * gOut)} for one batch. */
  static INDArray backward(INDArray g, INDArray gOut, NewtonSchulzSchedule schedule) {
    return backwardAll(new INDArray[] {g}, new INDArray[] {gOut}, schedule)[0];
  }

  /** NS of several batches whose wide shapes agree, as one batch. */
  static INDArray[] forwardAll(INDArray[] gs, NewtonSchulzSchedule schedule) {
    List<INDArray> xs = iterates(stackWide(gs), schedule, null, null);
    return unstack(xs.get(xs.size() - 1), gs);
  }

  /** Gradients for several batches whose wide shapes agree, as one batch. */
  static INDArray[] backwardAll(INDArray[] gs, INDArray[] gOuts, NewtonSchulzSchedule schedule) {
    INDArray y = stackWide(gs);
    List<INDArray> as = new ArrayList<>();
    List<INDArray> bs = new ArrayList<>();
    List<INDArray> xs = iterates(y, schedule, as, bs);
    INDArray gx = stackWide(gOuts);
    List<NewtonSchulzSchedule.Step> steps = schedule.steps();
    for (int k = steps.size() - 1; k >= 0; k--) {
      gx = stepBackward(steps.get(k), xs.get(k), as.get(k), bs.get(k), gx);
    }
    return unstack(normalisationBackward(y, gx), gs);
  }

  /**
   * Backward of {@code X' = a X + B X}, {@code B = b A + c A A}, {@code A = X X^T}: returns the
   * gradient for {@code X} given the gradient {@code gx} for {@code X'}. With {@code S = dB + dB^T},
   * the symmetric part of {@code dA} is {@code b S + c (S A + A S)}, and {@code A S = (S A)^T}
   * because both are symmetric: four matrix products per step instead of five.
   */
  private static INDArray stepBackward(
      NewtonSchulzSchedule.Step s, INDArray x, INDArray a, INDArray b, INDArray gx) {
    INDArray gb = Bmm.mul(gx, false, x, true);
    INDArray gPrev = gx.dup('c');
    Bmm.gemm(b, true, gx, false, gPrev, 1.0, s.a());
    INDArray sym = gb.addi(gb.permute(0, 2, 1).dup('c'));
    INDArray sa = Bmm.mul(sym, false, a, false);
    INDArray gaSym = sa.addi(sa.permute(0, 2, 1).dup('c')).muli(s.c()).addi(sym.muli(s.b()));
    Bmm.gemm(gaSym, false, x, false, gPrev, 1.0, 1.0);
    return gPrev;
  }

  /** Backward of {@code X_0 = Y / (|Y| + eps)}. */
  private static INDArray normalisationBackward(INDArray y, INDArray gx) {
    INDArray f = y.norm2(true, 1, 2);
    INDArray den = f.add(EPS);
    INDArray dot = gx.mul(y).sum(true, 1, 2);
    INDArray coef = dot.divi(den.mul(den).muli(Nd4jMath.safe(f)));
    return gx.divi(den).subi(y.mul(coef));
  }

  /**
   * X_0 and every iterate after it. When {@code as} and {@code bs} are given, each step's
   * {@code A} and {@code B} are kept there for the backward.
   */
  private static List<INDArray> iterates(
      INDArray y, NewtonSchulzSchedule schedule, List<INDArray> as, List<INDArray> bs) {
    List<INDArray> xs = new ArrayList<>();
    INDArray x = y.div(y.norm2(true, 1, 2).addi(EPS));
    xs.add(x);
    for (NewtonSchulzSchedule.Step s : schedule.steps()) {
      INDArray a = Bmm.mul(x, false, x, true);
      INDArray b = a.dup('c');
      Bmm.gemm(a, false, a, false, b, s.c(), s.b());
      INDArray next = x.dup('c');
      Bmm.gemm(b, false, x, false, next, 1.0, s.a());
      if (as != null) {
        as.add(a);
        bs.add(b);
      }
      x = next;
      xs.add(x);
    }
    return xs;
  }

  private static boolean isTall(INDArray g) {
    return g.size(1) > g.size(2);
  }

  /** The batches, each made wide, concatenated along the batch axis. */
  private static INDArray stackWide(INDArray[] gs) {
    INDArray[] wide = new INDArray[gs.length];
    for (int i = 0; i < gs.length; i++) {
      wide[i] = isTall(gs[i]) ? gs[i].permute(0, 2, 1).dup('c') : gs[i];
    }
    return wide.length == 1 ? wide[0].dup('c') : Nd4j.concat(0, wide);
  }

  /** Splits a stacked result back into batches shaped like {@code like}. */
  private static INDArray[] unstack(INDArray stacked, INDArray[] like) {
    INDArray[] out = new INDArray[like.length];
    long offset = 0;
    for (int i = 0; i < like.length; i++) {
      long n = like[i].size(0);
      INDArray part = like.length == 1 ? stacked
          : stacked.get(NDArrayIndex.interval(offset, offset + n), NDArrayIndex.all(), NDArrayIndex.all());
      out[i] = isTall(like[i]) ? part.permute(0, 2, 1).dup('c') : part.dup('c');
      offset += n;
    }
    return out;
  }
}
