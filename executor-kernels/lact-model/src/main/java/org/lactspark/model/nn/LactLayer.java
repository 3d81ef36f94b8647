package org.lactspark.model.nn;

import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.nd4j.Silu;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The LaCT layer ({@code LaCTSWIGLULayer}, lact-spec 1.3) with its hand-written backward: one
 * shared QKV projection feeding causal sliding-window attention with RoPE and the TTT branch
 * (per-channel scale and offset, silu, per-head L2 norm, RoPE, per-token learning rates and
 * momentum, the LaCT op, RMSNorm and the silu gate), summed before the output projection.
 *
 * <p>Parameters are looked up by their official names ({@code qkv.weight}, {@code w0.w_left}, ...).
 * The op runs on whatever {@link LactKernel} the layer was given; its inputs cross as host tensors.
 */
public final class LactLayer {
  /** eps of the per-head L2 norm of the TTT q and k, and of ttt_norm, q_norm and k_norm (fla's 1e-5). */
  static final double EPS = 1e-5;

  /** Parameters the attention branch uses; with the TTT branch off, only these get gradients. */
  private static final java.util.Set<String> SHARED =
      java.util.Set.of("qkv.weight", "o_proj.weight", "q_norm.weight", "k_norm.weight");

  private final LactLayerSpec spec;
  private final LactKernel kernel;
  private final Rope rope;
  private final WindowAttention attention;

  /** A layer running the op on {@code kernel}. */
  public LactLayer(LactLayerSpec spec, LactKernel kernel) {
    this.spec = spec;
    this.kernel = kernel;
    this.rope = Rope.of(spec.attnHeadDim(), spec.ropeTheta());
    this.attention = new WindowAttention(spec.windowSize(), Math.min(spec.windowSize(), 256), !spec.bidirectional());
  }

  /** The spec this layer computes. */
  public LactLayerSpec spec() {
    return spec;
  }

  /**
   * The layer on {@code x [B, L, d]} with a sequence mask (null: every token real, one document
   * per row; see {@link Segments}).
   */
  public Pass forward(Params p, INDArray x, INDArray mask) {
    requireInput(x);
    x = x.dup('c');
    int b = (int) x.size(0);
    int len = (int) x.size(1);
    Segments seg = Segments.of(mask, b, len);
    if (spec.documentRestart() && mask != null) {
      Segments.Packing packing = seg.packDocuments();
      if (packing.rows() == 0) {
        return new Pass(Nd4j.zeros(x.dataType(), x.shape()), null, packing);
      }
      Core core = forwardCore(p, packing.gather(x), packing.mask(x.dataType()));
      return new Pass(packing.scatter(core.out), core, packing);
    }
    Core core = forwardCore(p, x.dup('c'), seg.hasPadding() ? seg.validMask(x.dataType()) : null);
    return new Pass(core.out, core, null);
  }

  /** Writes every parameter gradient into {@code g} and returns {@code dx [B, L, d]}. */
  public INDArray backward(Params p, Pass pass, INDArray dy, Params g) {
    if (pass.core == null) {
      zeroGradients(g);
      return Nd4j.zeros(dy.dataType(), dy.shape());
    }
    if (pass.packing != null) {
      INDArray dx = backwardCore(p, pass.core, pass.packing.gather(dy.dup('c')), g);
      return pass.packing.scatter(dx);
    }
    return backwardCore(p, pass.core, dy.dup('c'), g);
  }

  private void requireInput(INDArray x) {
    if (x.rank() != 3 || x.size(2) != spec.hiddenSize()) {
      throw new IllegalArgumentException("LaCT layer input: expected [batch, length, " + spec.hiddenSize()
          + "], got " + java.util.Arrays.toString(x.shape()));
    }
  }

  private static void zeroGradients(Params g) {
    for (String name : g.names()) {
      g.get(name).assign(0.0);
    }
  }

  /** One forward pass: the output, the core's saved state and the document packing (or null). */
  public static final class Pass implements AutoCloseable {
    private final INDArray out;
    private final Core core;
    private final Segments.Packing packing;

    Pass(INDArray out, Core core, Segments.Packing packing) {
      this.out = out;
      this.core = core;
      this.packing = packing;
    }

    /** The layer output {@code [B, L, d]}. */
    public INDArray output() {
      return out;
    }

    /** The fast weights after the last update, per instance (null if the op did not run). */
    public HostTensor[] finalWeights() {
      return core == null || core.op == null ? null : core.op.finalWeights();
    }

    /** Frees the op's saved state. */
    @Override
    public void close() {
      if (core != null && core.op != null) {
        core.op.close();
      }
    }
  }

  /** Saved activations of the unpacked computation. */
  static final class Core {
    INDArray out;
    int b;
    int len;
    HeadLayout lact;
    INDArray x;
    INDArray q;
    INDArray k;
    INDArray v;
    RmsNorm.Pass qNorm;
    RmsNorm.Pass kNorm;
    WindowAttention.Pass attn;
    INDArray qs;
    INDArray ks;
    Silu qAct;
    Silu kAct;
    Silu vAct;
    INDArray qUnit;
    INDArray kUnit;
    INDArray qLen;
    INDArray kLen;
    INDArray lrPre;
    INDArray momentum;
    INDArray[] w0w2;
    LactForwardPass op;
    RmsNorm.Pass tttNorm;
    Silu gate;
    INDArray merged;
  }

  private Core forwardCore(Params p, INDArray x3, INDArray valid) {
    Core c = new Core();
    c.b = (int) x3.size(0);
    c.len = (int) x3.size(1);
    int d = spec.hiddenSize();
    int hf = spec.numLactHeads();
    int df = spec.lactHeadDim();
    c.lact = new HeadLayout(c.b, c.len, hf);
    c.x = x3.reshape('c', (long) c.b * c.len, d);
    INDArray qkv = Linear.forward(c.x, p.get("qkv.weight"), null);
    c.q = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).dup('c');
    c.k = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d)).dup('c');
    c.v = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * d, 3 * d)).dup('c');
    if (spec.attnQkNorm()) {
      c.qNorm = RmsNorm.forward(c.q, p.get("q_norm.weight"), EPS);
      c.kNorm = RmsNorm.forward(c.k, p.get("k_norm.weight"), EPS);
      c.q = c.qNorm.out();
      c.k = c.kNorm.out();
    }
    INDArray attnOut = attend(c, valid);
    c.merged = spec.tttEnabled() ? attnOut.addi(tttBranch(p, c, valid)) : attnOut;
    c.out = Linear.forward(c.merged, p.get("o_proj.weight"), null).reshape('c', c.b, c.len, d);
    return c;
  }

  private long[] attnShape(Core c) {
    return new long[] {c.b, c.len, spec.numAttnHeads(), spec.attnHeadDim()};
  }

  private INDArray attend(Core c, INDArray valid) {
    long[] s = attnShape(c);
    c.attn = attention.forward(rope.apply(c.q.reshape('c', s)), rope.apply(c.k.reshape('c', s)),
        c.v.reshape('c', s), valid);
    return c.attn.output().reshape('c', (long) c.b * c.len, spec.hiddenSize()).dup('c');
  }

  private INDArray tttBranch(Params p, Core c, INDArray valid) {
    int hf = spec.numLactHeads();
    int df = spec.lactHeadDim();
    INDArray scale = p.get("qk_scale");
    INDArray offset = p.get("qk_offset");
    c.qs = c.q.mulRowVector(column(scale, 0)).addiRowVector(column(offset, 0));
    c.ks = c.k.mulRowVector(column(scale, 1)).addiRowVector(column(offset, 1));
    INDArray qa = c.qs;
    INDArray ka = c.ks;
    INDArray va = c.v;
    if (spec.qkvSilu()) {
      c.qAct = Silu.of(c.qs);
      c.kAct = Silu.of(c.ks);
      qa = c.qAct.value;
      ka = c.kAct.value;
      if (!spec.noVSilu()) {
        c.vAct = Silu.of(c.v);
        va = c.vAct.value;
      }
    }
    c.qLen = headNorms(qa, df);
    c.kLen = headNorms(ka, df);
    c.qUnit = qa.reshape('c', -1, df).divColumnVector(c.qLen.add(EPS)).reshape('c', qa.shape());
    c.kUnit = ka.reshape('c', -1, df).divColumnVector(c.kLen.add(EPS)).reshape('c', ka.shape());
    INDArray qt = spec.tttNope() ? c.qUnit : rope.apply(c.qUnit.reshape('c', attnShape(c)));
    INDArray kt = spec.tttNope() ? c.kUnit : rope.apply(c.kUnit.reshape('c', attnShape(c)));
    qt = qt.reshape('c', (long) c.b * c.len, spec.hiddenSize());
    kt = kt.reshape('c', (long) c.b * c.len, spec.hiddenSize());

    c.lrPre = Linear.forward(c.x, p.get("lr_proj.weight"), p.get("lr_proj.bias")).addi(spec.lrShift());
    INDArray eta = softplus(c.lrPre);
    HostTensor[] lr = new HostTensor[3];
    for (int j = 0; j < 3; j++) {
      lr[j] = HeadLayout.host(c.lact.toInstances(lrColumn(eta, j), 1));
    }
    HostTensor mom = null;
    if (spec.opSpec().momentum()) {
      c.momentum = Transforms.sigmoid(
          Linear.forward(c.x, p.get("momentum_proj.0.weight"), p.get("momentum_proj.0.bias")), false);
      mom = HeadLayout.host(c.lact.toInstances(c.momentum, 1));
    }
    c.w0w2 = new INDArray[] {initialWeight(p, "w0"), initialWeight(p, "w2")};
    LactInputs in = new LactInputs(
        HeadLayout.host(tile(c.w0w2[0], c.b)), HeadLayout.host(tile(p.get("w1"), c.b)),
        HeadLayout.host(tile(c.w0w2[1], c.b)),
        HeadLayout.host(c.lact.toInstances(qt, df)), HeadLayout.host(c.lact.toInstances(kt, df)),
        HeadLayout.host(c.lact.toInstances(va, df)), lr[0], lr[1], lr[2], mom,
        valid == null ? null : writeMask(valid, c.b, c.len, hf));
    c.op = kernel.forward(spec.opSpec(), in);
    INDArray y = c.lact.toTokens(HeadLayout.array(c.op.output(), c.x.dataType()), df);
    c.tttNorm = RmsNorm.forward(y.reshape('c', -1, df), p.get("ttt_norm.weight"), EPS);
    INDArray yHat = c.tttNorm.out();
    if (spec.learnableTttScale()) {
      c.gate = Silu.of(Linear.forward(c.x, p.get("ttt_scale_proj.weight"), p.get("ttt_scale_proj.bias")));
      yHat = yHat.mulColumnVector(c.gate.value.reshape('c', -1, 1));
    }
    return yHat.reshape('c', (long) c.b * c.len, spec.hiddenSize());
  }

  private INDArray backwardCore(Params p, Core c, INDArray dy3, Params g) {
    int d = spec.hiddenSize();
    INDArray dOut = dy3.reshape('c', (long) c.b * c.len, d);
    INDArray dMerged = Linear.backward(c.merged, p.get("o_proj.weight"), dOut, g.get("o_proj.weight"), null);
    INDArray dx = Nd4j.zeros(c.x.dataType(), c.x.shape());

    INDArray[] dqkv = spec.tttEnabled() ? tttBackward(p, c, dMerged, g, dx) : withoutTtt(c, g);
    INDArray dq = dqkv[0];
    INDArray dk = dqkv[1];
    INDArray dv = dqkv[2];

    // Attention branch.
    long[] s = attnShape(c);
    WindowAttention.Gradients ag = attention.backward(c.attn, dMerged.reshape('c', s).dup('c'));
    long rows = (long) c.b * c.len;
    dq.addi(rope.applyBackward(ag.dq()).reshape('c', rows, d));
    dk.addi(rope.applyBackward(ag.dk()).reshape('c', rows, d));
    dv.addi(ag.dv().reshape('c', rows, d));
    if (spec.attnQkNorm()) {
      dq = RmsNorm.backward(c.qNorm, p.get("q_norm.weight"), dq, g.get("q_norm.weight"));
      dk = RmsNorm.backward(c.kNorm, p.get("k_norm.weight"), dk, g.get("k_norm.weight"));
    }
    INDArray dQkv = Nd4j.hstack(dq, dk, dv);
    Linear.backwardInto(c.x, p.get("qkv.weight"), dQkv, g.get("qkv.weight"), null, dx);
    return dx.reshape('c', c.b, c.len, d);
  }

  /**
   * The TTT branch's backward: writes its parameters' gradients (and its share of dx) and returns
   * its gradients with respect to the shared q, k and v {@code [B*L, d]}.
   */
  private INDArray[] tttBackward(Params p, Core c, INDArray dMerged, Params g, INDArray dx) {
    int d = spec.hiddenSize();
    int df = spec.lactHeadDim();
    // TTT output: gate, then ttt_norm.
    INDArray dYHat = dMerged.reshape('c', -1, df);
    if (spec.learnableTttScale()) {
      INDArray gateCol = c.gate.value.reshape('c', -1, 1);
      INDArray dGate = dYHat.mul(c.tttNorm.out()).sum(1).reshape('c', c.gate.value.shape())
          .muli(c.gate.prime());
      Linear.backwardInto(c.x, p.get("ttt_scale_proj.weight"), dGate, g.get("ttt_scale_proj.weight"),
          g.get("ttt_scale_proj.bias"), dx);
      dYHat = dYHat.mulColumnVector(gateCol);
    }
    INDArray dY = RmsNorm.backward(c.tttNorm, p.get("ttt_norm.weight"), dYHat, g.get("ttt_norm.weight"));
    LactGradients og = kernel.backward(c.op, HeadLayout.host(c.lact.toInstances(dY.reshape('c', -1, d), df)));
    DataType dt = c.x.dataType();

    // Fast-weight initial state.
    g.get("w1").assign(sumOverBatch(HeadLayout.array(og.w1(), dt), c.b));
    initialWeightBackward(p, g, "w0", c.w0w2[0], sumOverBatch(HeadLayout.array(og.w0(), dt), c.b));
    initialWeightBackward(p, g, "w2", c.w0w2[1], sumOverBatch(HeadLayout.array(og.w2(), dt), c.b));

    // Learning rates and momentum.
    INDArray dEta = Nd4j.zeros(dt, c.lrPre.shape());
    HostTensor[] dLr = {og.lr0(), og.lr1(), og.lr2()};
    for (int j = 0; j < 3; j++) {
      lrColumnView(dEta, j).assign(c.lact.toTokens(HeadLayout.array(dLr[j], dt), 1));
    }
    INDArray dLrPre = dEta.muli(Transforms.sigmoid(c.lrPre, true));
    Linear.backwardInto(c.x, p.get("lr_proj.weight"), dLrPre, g.get("lr_proj.weight"), g.get("lr_proj.bias"), dx);
    if (spec.opSpec().momentum()) {
      INDArray dm = c.lact.toTokens(HeadLayout.array(og.momentum(), dt), 1);
      INDArray dmPre = dm.muli(c.momentum.rsub(1.0).muli(c.momentum));
      Linear.backwardInto(c.x, p.get("momentum_proj.0.weight"), dmPre, g.get("momentum_proj.0.weight"),
          g.get("momentum_proj.0.bias"), dx);
    } else if (spec.useMomentum()) {
      // The set variant's single update starts from a zero buffer: the projection exists but acts on nothing.
      g.get("momentum_proj.0.weight").assign(0.0);
      g.get("momentum_proj.0.bias").assign(0.0);
    }

    // TTT q, k, v back to the shared projection.
    INDArray dqUnit = unrope(c, c.lact.toTokens(HeadLayout.array(og.q(), dt), df));
    INDArray dkUnit = unrope(c, c.lact.toTokens(HeadLayout.array(og.k(), dt), df));
    INDArray dva = c.lact.toTokens(HeadLayout.array(og.v(), dt), df);
    INDArray dqa = unitBackward(c.qUnit, c.qLen, dqUnit, df);
    INDArray dka = unitBackward(c.kUnit, c.kLen, dkUnit, df);
    INDArray dqs = c.qAct == null ? dqa : dqa.muli(c.qAct.prime());
    INDArray dks = c.kAct == null ? dka : dka.muli(c.kAct.prime());
    INDArray dv = c.vAct == null ? dva : dva.muli(c.vAct.prime());
    INDArray dScale = g.get("qk_scale");
    INDArray dOffset = g.get("qk_offset");
    column(dScale, 0).assign(dqs.mul(c.q).sum(0));
    column(dScale, 1).assign(dks.mul(c.k).sum(0));
    column(dOffset, 0).assign(dqs.sum(0));
    column(dOffset, 1).assign(dks.sum(0));
    INDArray scale = p.get("qk_scale");
    return new INDArray[] {dqs.mulRowVector(column(scale, 0)), dks.mulRowVector(column(scale, 1)), dv};
  }

  /** With the TTT branch off its parameters get zero gradients and q, k, v get none from it. */
  private INDArray[] withoutTtt(Core c, Params g) {
    for (String name : g.names()) {
      if (!SHARED.contains(name)) {
        g.get(name).assign(0.0);
      }
    }
    return new INDArray[] {Nd4j.zeros(c.q.dataType(), c.q.shape()), Nd4j.zeros(c.k.dataType(), c.k.shape()),
        Nd4j.zeros(c.v.dataType(), c.v.shape())};
  }

  private INDArray unrope(Core c, INDArray dRotated) {
    if (spec.tttNope()) {
      return dRotated;
    }
    return rope.applyBackward(dRotated.reshape('c', attnShape(c))).reshape('c', dRotated.shape());
  }

  /**
   * {@code softplus(x) = max(x, 0) + log1p(exp(-|x|))}, evaluated in float64 and returned in the
   * input's type. The learning rates sit near 1e-3, where ND4J's float32 {@code log1p} (and the
   * textbook {@code log(1 + exp(x))}) lose about 3e-5 relative precision because {@code 1 + 1e-3}
   * rounds; that alone put the float32 layer's gradients up to 1.6x above the golden tolerance
   * under Muon, whose Newton-Schulz amplifies it. The array is only {@code [B*L, 3*H]}.
   */
  static INDArray softplus(INDArray x) {
    INDArray d = x.castTo(DataType.DOUBLE);
    INDArray tail = Transforms.log1p(Transforms.exp(Transforms.abs(d, true).negi(), false), false);
    return Transforms.max(d, 0.0, true).addi(tail).castTo(x.dataType());
  }

  /** Per-head L2 norms {@code [B*L*H, 1]} of {@code a [B*L, H*w]}. */
  private static INDArray headNorms(INDArray a, int w) {
    return a.reshape('c', -1, w).norm2(true, 1);
  }

  /**
   * Backward of {@code u = a / (|a| + eps)} per head: {@code da = g / (|a| + eps) - u (u . g) / |a|}
   * (the second term is 0 for a zero head, where u is 0).
   */
  private static INDArray unitBackward(INDArray unit, INDArray len, INDArray dUnit, int w) {
    INDArray u = unit.reshape('c', -1, w);
    INDArray gu = dUnit.reshape('c', -1, w);
    INDArray dot = u.mul(gu).sum(true, 1);
    INDArray safeLen = Transforms.max(len, 1e-30, true);
    INDArray da = gu.divColumnVector(len.add(EPS)).subi(u.mulColumnVector(dot.divi(safeLen)));
    return da.reshape('c', unit.shape());
  }

  /** Column {@code j} of a {@code [d, 2]} array as a view of length d. */
  private static INDArray column(INDArray a, int j) {
    return a.get(NDArrayIndex.all(), NDArrayIndex.point(j));
  }

  /** The learning rates of fast matrix {@code j} for every head, {@code [B*L, H]} (channel h*3+j). */
  private INDArray lrColumn(INDArray eta, int j) {
    return lrColumnView(eta, j).dup('c');
  }

  private INDArray lrColumnView(INDArray eta, int j) {
    return eta.get(NDArrayIndex.all(), NDArrayIndex.interval(j, 3, eta.size(1)));
  }

  /** The initial W0 or W2 per head {@code [H, dh, df]}: the parameter, or {@code L R + 0.5 I}. */
  private INDArray initialWeight(Params p, String name) {
    if (spec.lowRank() <= 0) {
      return p.get(name).dup('c');
    }
    INDArray w = org.lactspark.kernel.nd4j.Bmm.mul(p.get(name + ".w_left").dup('c'), false,
        p.get(name + ".w_right").dup('c'), false);
    int diag = (int) Math.min(w.size(1), w.size(2));
    for (int i = 0; i < diag; i++) {
      w.get(NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.point(i)).addi(0.5);
    }
    return w;
  }

  private void initialWeightBackward(Params p, Params g, String name, INDArray w, INDArray dw) {
    if (spec.lowRank() <= 0) {
      g.get(name).assign(dw);
      return;
    }
    INDArray left = p.get(name + ".w_left").dup('c');
    INDArray right = p.get(name + ".w_right").dup('c');
    g.get(name + ".w_left").assign(org.lactspark.kernel.nd4j.Bmm.mul(dw, false, right, true));
    g.get(name + ".w_right").assign(org.lactspark.kernel.nd4j.Bmm.mul(left, true, dw, false));
  }

  /** {@code [H, ...]} repeated for each of {@code b} sequences: {@code [b*H, ...]}, instance b*H + h. */
  private static INDArray tile(INDArray perHead, int b) {
    INDArray[] copies = new INDArray[b];
    java.util.Arrays.fill(copies, perHead.dup('c'));
    return Nd4j.concat(0, copies);
  }

  /** The gradient of {@link #tile}: {@code [b*H, ...]} summed over the sequences. */
  private static INDArray sumOverBatch(INDArray inst, int b) {
    long[] s = inst.shape();
    long[] split = new long[s.length + 1];
    split[0] = b;
    split[1] = s[0] / b;
    System.arraycopy(s, 1, split, 2, s.length - 1);
    return inst.reshape('c', split).sum(0);
  }

  /** The op's write mask {@code [B*H, L]} from the real-token mask {@code [B, L]}. */
  private static HostTensor writeMask(INDArray valid, int b, int len, int heads) {
    double[] v = valid.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    double[] m = new double[b * heads * len];
    for (int i = 0; i < b; i++) {
      for (int h = 0; h < heads; h++) {
        System.arraycopy(v, i * len, m, (i * heads + h) * len, len);
      }
    }
    return HostTensor.of(m, b * heads, len);
  }
}
