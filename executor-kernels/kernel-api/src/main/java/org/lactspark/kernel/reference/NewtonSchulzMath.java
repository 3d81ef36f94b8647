package org.lactspark.kernel.reference;

import java.util.ArrayList;
import java.util.List;
import org.lactspark.kernel.NewtonSchulzSchedule;

/** Newton-Schulz orthogonalisation of one matrix and its backward (lact-spec 1.7). */
final class NewtonSchulzMath {
  static final double EPS = 1e-7;

  private NewtonSchulzMath() {}

  static Mat forward(Mat g, NewtonSchulzSchedule schedule) {
    List<Mat> xs = iterates(g, schedule);
    Mat x = xs.get(xs.size() - 1);
    return g.rows > g.cols ? x.transpose() : x;
  }

  /** X_0 (normalised, wide) and every iterate after it. */
  private static List<Mat> iterates(Mat g, NewtonSchulzSchedule schedule) {
    Mat y = g.rows > g.cols ? g.transpose() : g;
    List<Mat> xs = new ArrayList<>();
    Mat x = y.times(1.0 / (y.frobenius() + EPS));
    xs.add(x);
    for (NewtonSchulzSchedule.Step s : schedule.steps()) {
      Mat aMat = x.mulTB(x);
      Mat bMat = aMat.times(s.b()).plus(aMat.mul(aMat).times(s.c()));
      x = x.times(s.a()).plus(bMat.mul(x));
      xs.add(x);
    }
    return xs;
  }

  /** The gradient with respect to {@code g} of {@code sum(forward(g) * gOut)}. */
  static Mat backward(Mat g, Mat gOut, NewtonSchulzSchedule schedule) {
    boolean tall = g.rows > g.cols;
    Mat y = tall ? g.transpose() : g;
    List<Mat> xs = iterates(g, schedule);
    Mat gx = tall ? gOut.transpose() : gOut;
    List<NewtonSchulzSchedule.Step> steps = schedule.steps();
    for (int k = steps.size() - 1; k >= 0; k--) {
      NewtonSchulzSchedule.Step s = steps.get(k);
      Mat x = xs.get(k);
      Mat aMat = x.mulTB(x);
      Mat bMat = aMat.times(s.b()).plus(aMat.mul(aMat).times(s.c()));
      // X' = a X + B X
      Mat gB = gx.mulTB(x);
      Mat gPrev = gx.times(s.a()).plus(bMat.mulTA(gx));
      // B = b A + c A A
      Mat gA = gB.times(s.b()).plus(gB.mulTB(aMat).plus(aMat.mulTA(gB)).times(s.c()));
      // A = X X^T
      gPrev.addInPlace(gA.plus(gA.transpose()).mul(x), 1.0);
      gx = gPrev;
    }
    // X_0 = Y / (||Y|| + eps)
    double f = y.frobenius();
    double den = f + EPS;
    Mat gy = gx.times(1.0 / den);
    if (f > 0) {
      gy.addInPlace(y, -gx.dot(y) / (den * den * f));
    }
    return tall ? gy.transpose() : gy;
  }
}
