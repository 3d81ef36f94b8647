package org.lactspark.kernel.nd4j;

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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The LaCT op on ND4J in one precision. The forward keeps one fast-weight state per update (memory
 * linear in the number of chunks); the backward walks the schedule in reverse and recomputes each
 * chunk's intermediates from the saved state.
 */
final class Nd4jLactKernel implements LactKernel {
  /** Bytes of recycled pass arrays kept between calls (system property {@value}). */
  static final String POOL_PROPERTY = "lact.nd4j.poolBytes";

  private final DType dtype;
  private final DataType dt;
  private final ArrayPool pool = new ArrayPool(Long.getLong(POOL_PROPERTY, 512L << 20));

  Nd4jLactKernel(DType dtype) {
    this.dtype = dtype;
    this.dt = dtype == DType.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  ArrayPool pool() {
    return pool;
  }

  /**
   * The fast-weight state after some number of updates: the weights used, the sums {@code Z} they
   * were renormalised from (pre-norm's accumulators), and the momentum buffers (or null).
   */
  record State(INDArray[] w, INDArray[] z, INDArray[] m) {
    /** Before any update: the initial weights (also the accumulators), zero momentum buffers in {@code path}. */
    static State initial(LactSpec spec, INDArray[] w, DataType path) {
      return new State(w, w, spec.momentum() ? zerosLike(w, path) : null);
    }

    /** Frees every array of this state. */
    void close() {
      Tape.free(w);
      Tape.free(z);
      if (m != null) {
        Tape.free(m);
      }
    }

    /** A copy outside any workspace, to outlive the step that computed it. */
    State detached() {
      return new State(detach(w), detach(z), m == null ? null : detach(m));
    }

    private static INDArray[] detach(INDArray[] group) {
      return new INDArray[] {group[0].detach(), group[1].detach(), group[2].detach()};
    }

    /** Bytes held; the initial state's {@code z} is its {@code w} and counts once. */
    long bytes() {
      return bytes(w) + (z == w ? 0 : bytes(z)) + (m == null ? 0 : bytes(m));
    }

    private static long bytes(INDArray[] group) {
      long b = 0;
      for (INDArray a : group) {
        b += a.length() * a.dataType().width();
      }
      return b;
    }
  }

  @Override
  public LactForwardPass forward(LactSpec spec, LactInputs in) {
    in.checkAgainst(spec);
    try (BlasThreads t = BlasThreads.forOp()) {
      return forwardImpl(spec, in);
    }
  }

  private LactForwardPass forwardImpl(LactSpec spec, LactInputs in) {
    LactSchedule schedule = LactSchedule.of(spec, in.seqLen());
    OpInputs x = OpInputs.of(in, dt, pool);
    INDArray[] rho = {Renorm.rowNorms(x.w()[0]), Renorm.rowNorms(x.w()[1]), Renorm.rowNorms(x.w()[2])};
    DataType path = updatePathType(spec);
    State s = State.initial(spec, x.w(), path);
    List<State> versions = new ArrayList<>();
    versions.add(s);
    INDArray out = pool.take(dt, in.n(), in.seqLen(), in.dIn());
    for (LactSchedule.Step step : schedule.steps()) {
      try (MemoryWorkspace ws = Workspaces.step()) {
        if (step.kind() == LactSchedule.Kind.APPLY) {
          OpInputs.rows(out, step).assign(SwiGlu.apply(s.w(), OpInputs.block(x.q(), step)));
        } else {
          s = update(spec, s, rho, x.chunk(step), spec.momentum() ? x.beta(step) : null, path).detached();
          versions.add(s);
        }
      }
    }
    HostTensor result = pool.toHost(out);
    pool.give(out);
    return new Nd4jPass(spec, x, schedule, result, rho, versions, this);
  }

  /**
   * The precision of the update path: the chunk's update products, the momentum buffers and
   * Newton-Schulz. With Muon it is float64 whatever the kernel's precision, because Newton-Schulz
   * lifts the update's small singular directions to full size and so amplifies the rounding of the
   * update itself: rounding only the update to float32 moves the op's gradients by 2.7e-4 on the
   * golden case {@code lact_muon_L37_c8_wide}, against 4e-6 for rounding the weights and 6e-5 for
   * rounding every input. Without Muon there is no such amplification and it is the kernel's own.
   * The backward of Newton-Schulz does not need it and runs in the kernel's precision.
   */
  DataType updatePathType(LactSpec spec) {
    return spec.muon() ? DataType.DOUBLE : dt;
  }

  /**
   * One update from state {@code s} with one chunk (call inside a step workspace; the result is
   * attached to it): the one routine of both the forward and {@link Nd4jLactStream}.
   *
   * @param beta the chunk's momentum coefficient {@code [n, 1, 1]}, or null without momentum
   */
  State update(LactSpec spec, State s, INDArray[] rho, SwiGlu.Chunk chunk, INDArray beta, DataType path) {
    INDArray[] p = SwiGlu.deltas(s.w(), chunk, path);
    if (spec.momentum()) {
      INDArray b = beta.castTo(path);
      for (int j = 0; j < 3; j++) {
        p[j].addi(s.m()[j].mul(b));
      }
    }
    INDArray[] n = spec.muon() ? NewtonSchulz.forwardAll(p, spec.nsSchedule()) : p;
    INDArray[] z = new INDArray[3];
    INDArray[] w = new INDArray[3];
    for (int j = 0; j < 3; j++) {
      INDArray base = spec.norm() == NormPlacement.POSTNORM ? s.w()[j] : s.z()[j];
      z[j] = base.add(n[j].castTo(dt));
      w[j] = Renorm.forward(z[j], rho[j]);
    }
    return new State(w, z, spec.momentum() ? p : null);
  }

  @Override
  public LactGradients backward(LactForwardPass pass, HostTensor dOut) {
    Nd4jPass p = Nd4jPass.check(pass, this, dOut);
    try (BlasThreads t = BlasThreads.forOp();
        MemoryWorkspace ws = Workspaces.backward()) {
      return new Backward(p, pool.fill(dOut, dt), pool).run();
    }
  }

  /**
   * One backward pass. It carries the gradients of the current state ({@code gw} for the weights,
   * {@code gz} for the pre-norm accumulators, {@code gm} for the momentum buffers) from the last
   * step to the first, in two sets of buffers allocated outside the step workspace and swapped
   * after each update.
   */
  private static final class Backward {
    final Nd4jPass p;
    final OpInputs x;
    final INDArray dOut;
    INDArray[] gw;
    INDArray[] gz;
    INDArray[] gm;
    INDArray[] gwPrev;
    INDArray[] gzPrev;
    INDArray[] gmPrev;
    final INDArray[] gRho = new INDArray[3];
    final INDArray gq;
    final INDArray gk;
    final INDArray gv;
    final INDArray[] gEta = new INDArray[3];
    final INDArray gMomentum;
    final ArrayPool pool;

    Backward(Nd4jPass p, INDArray dOut, ArrayPool pool) {
      this.p = p;
      this.pool = pool;
      this.x = p.inputs;
      this.dOut = dOut;
      gw = zerosLike(x.w());
      gz = zerosLike(x.w());
      gm = zerosLike(x.w());
      gwPrev = zerosLike(x.w());
      gzPrev = zerosLike(x.w());
      gmPrev = zerosLike(x.w());
      for (int j = 0; j < 3; j++) {
        gRho[j] = Nd4j.zerosLike(p.rho[j]);
        gEta[j] = Nd4j.zerosLike(x.eta()[j]);
      }
      gq = Nd4j.zerosLike(x.q());
      gk = Nd4j.zerosLike(x.k());
      gv = Nd4j.zerosLike(x.v());
      gMomentum = p.spec.momentum() ? Nd4j.zerosLike(x.mask()) : null;
    }

    LactGradients run() {
      List<LactSchedule.Step> steps = p.schedule.steps();
      for (int i = steps.size() - 1; i >= 0; i--) {
        LactSchedule.Step step = steps.get(i);
        State s = p.versions().get(step.version());
        try (MemoryWorkspace ws = Workspaces.step()) {
          if (step.kind() == LactSchedule.Kind.APPLY) {
            INDArray g = SwiGlu.applyBackward(s.w(), OpInputs.block(x.q(), step),
                OpInputs.block(dOut, step), gw);
            OpInputs.rows(gq, step).addi(g);
          } else {
            updateBackward(step, s, p.versions().get(step.version() + 1));
          }
        }
      }
      INDArray[] gInit = new INDArray[3];
      for (int j = 0; j < 3; j++) {
        gInit[j] = gw[j].add(gz[j]);
        if (!p.spec.normTargetsDetached()) {
          gInit[j].addi(Renorm.rowNormBackward(x.w()[j], p.rho[j], gRho[j]));
        }
      }
      LactGradients grads = new LactGradients(pool.toHost(gInit[0]), pool.toHost(gInit[1]),
          pool.toHost(gInit[2]), pool.toHost(gq), pool.toHost(gk), pool.toHost(gv),
          pool.toHost(gEta[0]), pool.toHost(gEta[1]), pool.toHost(gEta[2]),
          gMomentum == null ? null : pool.toHost(gMomentum));
      for (INDArray[] group : List.of(gInit, gw, gz, gm, gwPrev, gzPrev, gmPrev, gRho, gEta)) {
        Tape.free(group);
      }
      Tape.free(gq, gk, gv, gMomentum);
      pool.give(dOut);
      return grads;
    }

    /**
     * Backward of the update from {@code s} to {@code next}: turns the gradients of {@code next}
     * into those of {@code s}, and adds the chunk's input gradients.
     */
    private void updateBackward(LactSchedule.Step step, State s, State next) {
      LactSpec spec = p.spec;
      SwiGlu.Chunk chunk = x.chunk(step);
      // the pre-Muon update P: saved as the momentum buffer, else recomputed
      DataType dt = x.q().dataType();
      INDArray[] pre = spec.muon() && !spec.momentum()
          ? SwiGlu.deltas(s.w(), chunk, DataType.DOUBLE) : next.m();
      INDArray beta = spec.momentum() ? x.beta(step) : null;
      INDArray gBeta = spec.momentum() ? Nd4j.zerosLike(beta) : null;
      INDArray[] gzs = new INDArray[3];
      for (int j = 0; j < 3; j++) {
        gwPrev[j].assign(0.0);
        gzPrev[j].assign(0.0);
        gzs[j] = Renorm.backward(next.z()[j], p.rho[j], gw[j], gRho[j]).addi(gz[j]);
        (spec.norm() == NormPlacement.POSTNORM ? gwPrev : gzPrev)[j].assign(gzs[j]);
      }
      // Newton-Schulz's backward is linear in its upstream gradient and tolerates the kernel's
      // precision (measured: 8.4e-5 against 8.3e-5 in float64 on lact_muon_L37_c8_wide).
      INDArray[] gd = spec.muon()
          ? NewtonSchulz.backwardAll(castAll(pre, dt), gzs, spec.nsSchedule()) : gzs;
      if (spec.momentum()) {
        for (int j = 0; j < 3; j++) {
          gd[j].addi(gm[j]); // the buffer this update wrote feeds the next update
          gmPrev[j].assign(gd[j].mul(beta));
          gBeta.addi(gd[j].mul(s.m()[j].castTo(dt)).sum(true, 1, 2));
        }
      }
      SwiGlu.ChunkGrads cg = SwiGlu.deltasBackward(s.w(), chunk, gd, gwPrev);
      OpInputs.rows(gk, step).addi(cg.k());
      OpInputs.rows(gv, step).addi(cg.v());
      INDArray maskC = OpInputs.block(x.mask(), step);
      for (int j = 0; j < 3; j++) {
        OpInputs.rows(gEta[j], step).addi(cg.eta()[j].muli(maskC));
      }
      if (gMomentum != null) {
        OpInputs.rows(gMomentum, step).addi(maskC.mul(gBeta.divi(x.writers(step))));
      }
      INDArray[] t = gw;
      gw = gwPrev;
      gwPrev = t;
      t = gz;
      gz = gzPrev;
      gzPrev = t;
      t = gm;
      gm = gmPrev;
      gmPrev = t;
    }
  }

  @Override
  public LactStream stream(LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2) {
    return new Nd4jLactStream(this, spec, w0, w1, w2);
  }

  /** This kernel's precision as an ND4J type. */
  DataType dataType() {
    return dt;
  }

  private HostTensor host(INDArray a) {
    return pool.toHost(a);
  }

  static INDArray[] zerosLike(INDArray[] as) {
    return new INDArray[] {Nd4j.zerosLike(as[0]), Nd4j.zerosLike(as[1]), Nd4j.zerosLike(as[2])};
  }

  static INDArray[] zerosLike(INDArray[] as, DataType type) {
    INDArray[] out = new INDArray[as.length];
    for (int j = 0; j < as.length; j++) {
      out[j] = Nd4j.zeros(type, as[j].shape());
    }
    return out;
  }

  /** Each array in {@code type} (the same array where it already is). */
  static INDArray[] castAll(INDArray[] as, DataType type) {
    INDArray[] out = new INDArray[as.length];
    for (int j = 0; j < as.length; j++) {
      out[j] = as[j].dataType() == type ? as[j] : as[j].castTo(type);
    }
    return out;
  }

  @Override
  public HostTensor newtonSchulz(HostTensor g, NewtonSchulzSchedule schedule) {
    checkBatch("g", g);
    INDArray in = pool.fill(g, dt);
    HostTensor out = host(NewtonSchulz.forward(in, schedule));
    pool.give(in);
    return out;
  }

  @Override
  public HostTensor newtonSchulzBackward(HostTensor g, HostTensor dX, NewtonSchulzSchedule schedule) {
    checkBatch("g", g);
    checkBatch("dX", dX);
    if (!dX.sameShape(g)) {
      throw new IllegalArgumentException("dX: expected shape " + g.shapeString() + ", got " + dX.shapeString());
    }
    INDArray gIn = pool.fill(g, dt);
    INDArray dIn = pool.fill(dX, dt);
    HostTensor out = host(NewtonSchulz.backward(gIn, dIn, schedule));
    pool.give(gIn, dIn);
    return out;
  }

  private static void checkBatch(String name, HostTensor t) {
    if (t.rank() != 3) {
      throw new IllegalArgumentException(name + ": expected rank 3 [b, rows, cols], got " + t.shapeString());
    }
    if (t.firstNonFinite() >= 0) {
      throw new org.lactspark.kernel.NonFiniteException(name + ": contains a non-finite value");
    }
  }
}
