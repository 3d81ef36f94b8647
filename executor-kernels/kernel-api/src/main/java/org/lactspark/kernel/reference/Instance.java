package org.lactspark.kernel.reference;

import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactSchedule;

/** Reads and writes one fast-weight instance's slices of the op's {@code [n, ...]} tensors. */
final class Instance {
  final LactInputs in;
  final int i;
  private final int len;
  private final int dIn;
  private final int dH;

  Instance(LactInputs in, int i) {
    this.in = in;
    this.i = i;
    this.len = in.seqLen();
    this.dIn = in.dIn();
    this.dH = in.dH();
  }

  Mat[] initialWeights() {
    int size = dH * dIn;
    return new Mat[] {
      Mat.copyOf(in.w0().data(), i * size, dH, dIn),
      Mat.copyOf(in.w1().data(), i * size, dIn, dH),
      Mat.copyOf(in.w2().data(), i * size, dH, dIn)
    };
  }

  /** Rows {@code [start, end)} of a {@code [n, L, dIn]} tensor. */
  Mat rows(HostTensor t, LactSchedule.Step step) {
    return Mat.copyOf(t.data(), (i * len + step.start()) * dIn, step.length(), dIn);
  }

  void writeRows(HostTensor t, LactSchedule.Step step, Mat m) {
    System.arraycopy(m.a, 0, t.data(), (i * len + step.start()) * dIn, m.a.length);
  }

  void addRows(HostTensor t, LactSchedule.Step step, Mat m) {
    int off = (i * len + step.start()) * dIn;
    for (int e = 0; e < m.a.length; e++) {
      t.data()[off + e] += m.a[e];
    }
  }

  private double mask(int t) {
    return in.writeMask() == null ? 1.0 : in.writeMask().data()[i * len + t];
  }

  private double perToken(HostTensor t, int tok) {
    return t.data()[i * len + tok];
  }

  Chunk chunk(LactSchedule.Step step) {
    int c = step.length();
    double[][] eta = new double[3][c];
    double[] m = new double[c];
    double[] mask = new double[c];
    HostTensor[] lrs = {in.lr0(), in.lr1(), in.lr2()};
    for (int t = 0; t < c; t++) {
      int tok = step.start() + t;
      mask[t] = mask(tok);
      for (int j = 0; j < 3; j++) {
        eta[j][t] = mask[t] * perToken(lrs[j], tok);
      }
      m[t] = in.momentum() == null ? 0.0 : perToken(in.momentum(), tok);
    }
    return new Chunk(rows(in.k(), step), rows(in.v(), step), eta, m, mask);
  }

  void addLearningRateGrads(Grads g, LactSchedule.Step step, Chunk c, double[][] gEta) {
    HostTensor[] targets = {g.lr0, g.lr1, g.lr2};
    for (int j = 0; j < 3; j++) {
      for (int t = 0; t < step.length(); t++) {
        targets[j].data()[i * len + step.start() + t] += c.mask()[t] * gEta[j][t];
      }
    }
  }

  /** beta = sum(m * mask) / sum(mask), so d beta / d m_t = mask_t / sum(mask). */
  void addMomentumGrad(HostTensor gm, LactSchedule.Step step, Chunk c, double gBeta) {
    double count = c.writers();
    if (count == 0) {
      return;
    }
    for (int t = 0; t < step.length(); t++) {
      gm.data()[i * len + step.start() + t] += gBeta * c.mask()[t] / count;
    }
  }

  void writeWeightGrad(Grads g, int j, Mat grad) {
    HostTensor target = j == 0 ? g.w0 : j == 1 ? g.w1 : g.w2;
    System.arraycopy(grad.a, 0, target.data(), i * grad.a.length, grad.a.length);
  }
}
