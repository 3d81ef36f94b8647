package org.lactspark.kernel.reference;

import java.util.ArrayList;
import java.util.List;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSchedule;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.LactStream;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.NormPlacement;

/**
 * The float64 reference of the LaCT op, one instance at a time. The forward keeps every weight
 * version (one per update), so memory is linear in the number of chunks; the backward recomputes
 * each chunk's intermediates from them.
 */
final class ReferenceLactKernel implements LactKernel {

  @Override
  public DType dtype() {
    return DType.FLOAT64;
  }

  /**
   * The fast-weight state after some number of updates.
   *
   * @param w the weights applied and differentiated ({@code W0, W1, W2})
   * @param wm the un-normalised accumulators (pre-norm; equal to the pre-renorm sum in post-norm)
   * @param m the momentum buffers, or null without momentum
   */
  record State(Mat[] w, Mat[] wm, Mat[] m) {
    /** The state before any update: the initial weights, zero momentum buffers if the spec has momentum. */
    static State initial(LactSpec spec, Mat[] w0) {
      return new State(w0, w0, spec.momentum() ? zerosLike(w0) : null);
    }
  }

  /** One instance's forward record: the initial row norms and every state version. */
  private record Trace(double[][] rho, List<State> versions) {}

  private static final class Pass implements LactForwardPass {
    final LactSpec spec;
    final LactInputs in;
    final LactSchedule schedule;
    final HostTensor out;
    List<Trace> traces;

    Pass(LactSpec spec, LactInputs in, LactSchedule schedule, HostTensor out, List<Trace> traces) {
      this.spec = spec;
      this.in = in;
      this.schedule = schedule;
      this.out = out;
      this.traces = traces;
    }

    @Override
    public HostTensor output() {
      return out;
    }

    @Override
    public long savedStateBytes() {
      if (traces == null) {
        return 0;
      }
      long bytes = 0;
      for (Trace t : traces) {
        for (State s : t.versions) {
          bytes += bytes(s.w) + (s.wm == s.w ? 0 : bytes(s.wm)) + (s.m == null ? 0 : bytes(s.m));
        }
      }
      return bytes;
    }

    private static long bytes(Mat[] ms) {
      long b = 0;
      for (Mat m : ms) {
        b += 8L * m.a.length;
      }
      return b;
    }

    @Override
    public HostTensor[] finalWeights() {
      if (traces == null) {
        throw new IllegalStateException("pass: the forward pass was closed");
      }
      HostTensor[] out = {
        HostTensor.zeros(in.w0().shape()), HostTensor.zeros(in.w1().shape()), HostTensor.zeros(in.w2().shape())
      };
      for (int i = 0; i < traces.size(); i++) {
        List<State> v = traces.get(i).versions;
        Mat[] w = v.get(v.size() - 1).w;
        for (int j = 0; j < 3; j++) {
          System.arraycopy(w[j].a, 0, out[j].data(), i * w[j].a.length, w[j].a.length);
        }
      }
      return out;
    }

    @Override
    public void close() {
      traces = null;
    }
  }

  @Override
  public LactForwardPass forward(LactSpec spec, LactInputs in) {
    in.checkAgainst(spec);
    LactSchedule schedule = LactSchedule.of(spec, in.seqLen());
    HostTensor out = HostTensor.zeros(in.n(), in.seqLen(), in.dIn());
    List<Trace> traces = new ArrayList<>();
    for (int i = 0; i < in.n(); i++) {
      traces.add(forwardInstance(spec, schedule, new Instance(in, i), out));
    }
    return new Pass(spec, in, schedule, out, traces);
  }

  private Trace forwardInstance(LactSpec spec, LactSchedule schedule, Instance x, HostTensor out) {
    Mat[] w0 = x.initialWeights();
    double[][] rho = rowNorms(w0);
    State s = State.initial(spec, w0);
    List<State> versions = new ArrayList<>();
    versions.add(s);
    for (LactSchedule.Step step : schedule.steps()) {
      if (step.kind() == LactSchedule.Kind.APPLY) {
        x.writeRows(out, step, SwiGluMath.apply(s.w, x.rows(x.in.q(), step)));
      } else {
        s = update(spec, s, rho, x.chunk(step)).next;
        versions.add(s);
      }
    }
    return new Trace(rho, versions);
  }

  /** The row norms of each weight, the targets every update renormalises to. */
  static double[][] rowNorms(Mat[] w) {
    return new double[][] {w[0].rowNorms(), w[1].rowNorms(), w[2].rowNorms()};
  }

  /** Everything one update computes, kept for its backward. */
  record Update(Mat[] p, Mat[] z, double beta, State next) {}

  /**
   * One update from state {@code s} with chunk {@code c}: the one routine both the forward (and
   * its backward's recomputation) and {@link ReferenceLactStream} run.
   */
  static Update update(LactSpec spec, State s, double[][] rho, Chunk c) {
    Mat[] d = SwiGluMath.deltas(s.w, c.k(), c.v(), c.eta());
    double beta = spec.momentum() ? c.momentumMean() : 0.0;
    Mat[] p = new Mat[3];
    Mat[] z = new Mat[3];
    Mat[] w = new Mat[3];
    for (int j = 0; j < 3; j++) {
      p[j] = spec.momentum() ? d[j].plus(s.m[j].times(beta)) : d[j];
      Mat step = spec.muon() ? NewtonSchulzMath.forward(p[j], spec.nsSchedule()) : p[j];
      Mat base = spec.norm() == NormPlacement.POSTNORM ? s.w[j] : s.wm[j];
      z[j] = base.plus(step);
      w[j] = SwiGluMath.renorm(z[j], rho[j]);
    }
    return new Update(p, z, beta, new State(w, z, spec.momentum() ? p : null));
  }

  @Override
  public LactGradients backward(LactForwardPass pass, HostTensor dOut) {
    if (!(pass instanceof Pass p)) {
      throw new IllegalArgumentException("pass: not a forward pass of the reference backend");
    }
    if (p.traces == null) {
      throw new IllegalStateException("pass: the forward pass was closed");
    }
    LactInputs in = p.in;
    if (!dOut.sameShape(p.out)) {
      throw new IllegalArgumentException(
          "dOut: expected shape " + p.out.shapeString() + ", got " + dOut.shapeString());
    }
    if (dOut.firstNonFinite() >= 0) {
      throw new org.lactspark.kernel.NonFiniteException("dOut: contains a non-finite value");
    }
    Grads g = new Grads(in, p.spec.momentum());
    for (int i = 0; i < in.n(); i++) {
      backwardInstance(p.spec, p.schedule, new Instance(in, i), p.traces.get(i), dOut, g);
    }
    return g.toGradients();
  }

  private void backwardInstance(
      LactSpec spec, LactSchedule schedule, Instance x, Trace trace, HostTensor dOut, Grads g) {
    Mat[] gw = zerosLike(trace.versions.get(0).w);
    Mat[] gwm = zerosLike(gw);
    Mat[] gm = zerosLike(gw);
    double[][] gRho = {new double[gw[0].rows], new double[gw[1].rows], new double[gw[2].rows]};
    List<LactSchedule.Step> steps = schedule.steps();
    for (int idx = steps.size() - 1; idx >= 0; idx--) {
      LactSchedule.Step step = steps.get(idx);
      State s = trace.versions.get(step.version());
      if (step.kind() == LactSchedule.Kind.APPLY) {
        Mat gq = SwiGluMath.applyBackward(s.w, x.rows(x.in.q(), step), x.rows(dOut, step), gw);
        x.addRows(g.q, step, gq);
        continue;
      }
      Chunk c = x.chunk(step);
      Update u = update(spec, s, trace.rho, c);
      Mat[] gwPrev = zerosLike(gw);
      Mat[] gwmPrev = zerosLike(gw);
      Mat[] gmPrev = zerosLike(gw);
      Mat[] gd = new Mat[3];
      double gBeta = 0;
      for (int j = 0; j < 3; j++) {
        Mat gz = gwm[j].plus(SwiGluMath.renormBackward(u.z[j], trace.rho[j], gw[j], gRho[j]));
        (spec.norm() == NormPlacement.POSTNORM ? gwPrev : gwmPrev)[j].addInPlace(gz, 1.0);
        Mat gp = spec.muon() ? NewtonSchulzMath.backward(u.p[j], gz, spec.nsSchedule()) : gz;
        if (spec.momentum()) {
          gp = gp.plus(gm[j]); // M_{c} = P_c feeds the next update
          gmPrev[j] = gp.times(u.beta);
          gBeta += gp.dot(s.m[j]);
        }
        gd[j] = gp;
      }
      Mat gk = new Mat(c.k().rows, c.k().cols);
      Mat gv = new Mat(c.v().rows, c.v().cols);
      double[][] gEta = SwiGluMath.deltasBackward(s.w, c.k(), c.v(), c.eta(), gd, gwPrev, gk, gv);
      x.addRows(g.k, step, gk);
      x.addRows(g.v, step, gv);
      x.addLearningRateGrads(g, step, c, gEta);
      if (spec.momentum()) {
        x.addMomentumGrad(g.momentum, step, c, gBeta);
      }
      gw = gwPrev;
      gwm = gwmPrev;
      gm = gmPrev;
    }
    Mat[] w0 = trace.versions.get(0).w;
    for (int j = 0; j < 3; j++) {
      Mat total = gw[j].plus(gwm[j]);
      if (!spec.normTargetsDetached()) {
        total.addInPlace(SwiGluMath.rowNormBackward(w0[j], trace.rho[j], gRho[j]), 1.0);
      }
      x.writeWeightGrad(g, j, total);
    }
  }

  static Mat[] zerosLike(Mat[] ms) {
    Mat[] out = new Mat[ms.length];
    for (int j = 0; j < ms.length; j++) {
      out[j] = new Mat(ms[j].rows, ms[j].cols);
    }
    return out;
  }

  @Override
  public LactStream stream(LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2) {
    return new ReferenceLactStream(spec, w0, w1, w2);
  }

  @Override
  public HostTensor newtonSchulz(HostTensor g, NewtonSchulzSchedule schedule) {
    return NsBatch.map(g, null, (gm, unused) -> NewtonSchulzMath.forward(gm, schedule));
  }

  @Override
  public HostTensor newtonSchulzBackward(HostTensor g, HostTensor dX, NewtonSchulzSchedule schedule) {
    if (!dX.sameShape(g)) {
      throw new IllegalArgumentException(
          "dX: expected shape " + g.shapeString() + ", got " + dX.shapeString());
    }
    return NsBatch.map(g, dX, (gm, dm) -> NewtonSchulzMath.backward(gm, dm, schedule));
  }
}
