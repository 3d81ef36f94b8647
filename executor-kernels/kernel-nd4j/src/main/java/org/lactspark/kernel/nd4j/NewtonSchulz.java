package org.lactspark.kernel.nd4j;

import java.util.ArrayList;
import java.util.List;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batched Newton-Schulz over {@code [n, rows, cols]} (lact-spec 1.7): tall matrices are transposed
 * so the iteration runs on the wide side, each matrix is divided by its Frobenius norm plus 1e-7,
 * then {@code A = X X^T; B = b A + c A A; X <- a X + B X} per schedule step.
 */
final class NewtonSchulz {
  static final double EPS = 1e-7;

  private NewtonSchulz() {}

  static INDArray forward(INDArray g, NewtonSchulzSchedule schedule) {
    if (g.dataType() != org.nd4j.linalg.api.buffer.DataType.DOUBLE && Boolean.getBoolean("lact.ns64")) {
      return forward(g.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), schedule).castTo(g.dataType());
    }
    List<INDArray> xs = iterates(g, schedule);
    INDArray x = xs.get(xs.size() - 1);
    return isTall(g) ? x.permute(0, 2, 1).dup('c') : x;
  }

  private static boolean isTall(INDArray g) {
    return g.size(1) > g.size(2);
  }

  private static INDArray wide(INDArray t, boolean tall) {
    return tall ? t.permute(0, 2, 1).dup('c') : t;
  }

  /** Frobenius norm of each matrix, {@code [n, 1, 1]}. */
  private static INDArray frobenius(INDArray y) {
    return y.norm2(true, 1, 2);
  }

  /** X_0 and every iterate after it, all wide. */
  private static List<INDArray> iterates(INDArray g, NewtonSchulzSchedule schedule) {
    INDArray y = wide(g, isTall(g));
    List<INDArray> xs = new ArrayList<>();
    INDArray x = y.div(frobenius(y).addi(EPS));
    xs.add(x);
    for (NewtonSchulzSchedule.Step s : schedule.steps()) {
      INDArray a = Bmm.mul(x, false, x, true);
      INDArray b = Bmm.mul(a, false, a, false).muli(s.c()).addi(a.muli(s.b()));
      INDArray next = x.mul(s.a());
      Bmm.gemm(b, false, x, false, next, 1.0, 1.0);
      x = next;
      xs.add(x);
    }
    return xs;
  }

  /** The gradient with respect to {@code g} of {@code sum(forward(g) * gOut)}. */
  static INDArray backward(INDArray g, INDArray gOut, NewtonSchulzSchedule schedule) {
    if (g.dataType() != org.nd4j.linalg.api.buffer.DataType.DOUBLE && Boolean.getBoolean("lact.ns64")) {
      org.nd4j.linalg.api.buffer.DataType d = org.nd4j.linalg.api.buffer.DataType.DOUBLE;
      return backward(g.castTo(d), gOut.castTo(d), schedule).castTo(g.dataType());
    }
    boolean tall = isTall(g);
    INDArray y = wide(g, tall);
    List<INDArray> xs = iterates(g, schedule);
    INDArray gx = tall ? wide(gOut, true) : gOut.dup();
    List<NewtonSchulzSchedule.Step> steps = schedule.steps();
    for (int k = steps.size() - 1; k >= 0; k--) {
      NewtonSchulzSchedule.Step s = steps.get(k);
      INDArray x = xs.get(k);
      INDArray a = Bmm.mul(x, false, x, true);
      INDArray b = Bmm.mul(a, false, a, false).muli(s.c()).addi(a.mul(s.b()));
      // X' = a X + B X: dB = dX' X^T, dX = a dX' + B^T dX'
      INDArray gb = Bmm.mul(gx, false, x, true);
      INDArray gPrev = gx.mul(s.a());
      Bmm.gemm(b, true, gx, false, gPrev, 1.0, 1.0);
      // B = b A + c A A: dA = b dB + c (dB A^T + A^T dB)
      INDArray ga = gb.mul(s.b());
      Bmm.gemm(gb, false, a, true, ga, s.c(), 1.0);
      Bmm.gemm(a, true, gb, false, ga, s.c(), 1.0);
      // A = X X^T: dX += (dA + dA^T) X
      INDArray sym = ga.add(ga.permute(0, 2, 1));
      Bmm.gemm(sym, false, x, false, gPrev, 1.0, 1.0);
      gx = gPrev;
    }
    // X_0 = Y / (|Y| + eps): dY = dX / den - <dX, Y> / (den^2 |Y|) Y
    INDArray f = frobenius(y);
    INDArray den = f.add(EPS);
    INDArray dot = gx.mul(y).sum(true, 1, 2);
    INDArray coef = dot.divi(den.mul(den).muli(Nd4jMath.safe(f)));
    INDArray gy = gx.div(den).subi(y.mul(coef));
    return tall ? gy.permute(0, 2, 1).dup('c') : gy;
  }

  /** A fresh {@code [n, rows, cols]} array in the dtype of {@code like}. */
  static INDArray zerosLike(INDArray like) {
    return Nd4j.zerosLike(like);
  }
}
