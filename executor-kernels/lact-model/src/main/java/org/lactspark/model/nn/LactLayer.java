package org.lactspark.model.nn;

import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.nd4j.Silu;
import org.lactspark.kernel.nd4j.Tape;
import org.lactspark.kernel.nd4j.Workspaces;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastDivOp;
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
 *
 * <p>Memory: every array the layer creates is freed at a known point ({@link Tape}): a forward's
 * temporaries when the forward returns, what it saved when its {@link Pass} is closed, a
 * backward's temporaries when the backward returns. Only the returned output and input gradient
 * belong to the caller.
 */
public final class LactLayer {
  /** eps of the per-head L2 norm of the TTT q and k, and of ttt_norm, q_norm and k_norm (fla's 1e-5). */
  static final double EPS = 1e-5;

  /** Parameters the attention branch uses; with the TTT branch off, only these get gradients. */
  private static final String BACKWARD_WORKSPACE = "lact-model-lact-layer-backward";
  private static final String FORWARD_WORKSPACE = "lact-model-lact-layer-op-inputs";

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
   * A streaming state for this layer with parameters {@code p} (inference on one sequence, fed
   * in pieces: {@link LactLayerStream}). The parameters are read at every step, not copied.
   */
  public LactLayerStream stream(Params p) {
    return new LactLayerStream(this, p);
  }

  LactKernel kernel() {
    return kernel;
  }

  Rope rope() {
    return rope;
  }

  WindowAttention attention() {
    return attention;
  }

  /**
   * The layer on {@code x [B, L, d]} with a sequence mask (null: every token real, one document
   * per row; see {@link Segments}).
   */
  public Pass forward(Params p, INDArray x, INDArray mask) {
    requireInput(x);
    int b = (int) x.size(0);
    int len = (int) x.size(1);
    Segments seg = Segments.of(mask, b, len);
    if (spec.documentRestart() && mask != null) {
      Segments.Packing packing = seg.packDocuments();
      if (packing.rows() == 0) {
        return new Pass(Nd4j.zeros(x.dataType(), x.shape()), null, packing);
      }
      Core core = forwardCore(p, packing.gather(x), packing.mask(x.dataType()));
      INDArray out = packing.scatter(core.out);
      Tape.free(core.out);
      return new Pass(out, core, packing);
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
      INDArray dx = backwardCore(p, pass.core, pass.packing.gather(dy), g);
      INDArray scattered = pass.packing.scatter(dx);
      Tape.free(dx);
      return scattered;
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

    /** Frees everything the forward saved (not the output, which is the caller's). */
    @Override
    public void close() {
      if (core != null) {
        core.close();
      }
    }
  }

  /**
   * Saved activations of the unpacked computation. The arrays belong to {@link #saved} or to the
   * sub-passes, except {@link #out}, which is handed on.
   */
  static final class Core implements AutoCloseable {
    final Tape saved = new Tape();
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

    @Override
    public void close() {
      for (AutoCloseable part : new AutoCloseable[] {qNorm, kNorm, attn, qAct, kAct, vAct, tttNorm, gate, op}) {
        if (part != null) {
          try {
            part.close();
          } catch (Exception e) {
            throw new IllegalStateException("could not free a LaCT layer pass", e);
          }
        }
      }
      saved.close();
    }
  }

  /** The layer on {@code x3}, which the returned core takes over, as it does {@code valid}. */
  private Core forwardCore(Params p, INDArray x3, INDArray valid) {
    Core c = new Core();
    c.saved.ownAll(x3, valid);
    try (Tape temp = new Tape()) {
      forwardCore(p, c, x3, valid, temp);
    }
    return c;
  }

  private void forwardCore(Params p, Core c, INDArray x3, INDArray valid, Tape temp) {
    c.b = (int) x3.size(0);
    c.len = (int) x3.size(1);
    int d = spec.hiddenSize();
    int hf = spec.numLactHeads();
    int df = spec.lactHeadDim();
    c.lact = new HeadLayout(c.b, c.len, hf);
    c.x = x3.reshape('c', (long) c.b * c.len, d);
    Projected pr = project(p, c.x, c.saved, temp);
    c.q = pr.q();
    c.k = pr.k();
    c.v = pr.v();
    c.qNorm = pr.qNorm();
    c.kNorm = pr.kNorm();
    // The attention branch runs beside the TTT branch (Branches); it reads only q, k, v and valid.
    Branches.Both<Attended, INDArray> both = Branches.together(() -> attend(c, valid),
        () -> spec.tttEnabled() ? tttOutput(p, c, valid, temp) : null);
    Attended a = both.side();
    INDArray ttt = both.own();
    c.saved.ownAll(a.q(), a.k());
    c.attn = a.pass();
    c.merged = c.saved.own(a.merged());
    if (ttt != null) {
      c.merged.addi(ttt);
    }
    c.out = Linear.forward(c.merged, p.get("o_proj.weight"), null, c.b, c.len, d);
  }

  /**
   * The shared projection's q, k, v {@code [rows, d]} (q and k RMS-normalised when
   * {@code attnQkNorm}, with the norms' passes, else null).
   */
  record Projected(INDArray q, INDArray k, INDArray v, RmsNorm.Pass qNorm, RmsNorm.Pass kNorm) {}

  /**
   * The shared projection of {@code x [rows, d]} and the optional q/k norms (lact-spec 1.3 steps
   * 1-2), the one code both the whole-sequence forward and {@link LactLayerStream} run. The arrays
   * of the result are owned by {@code owner} (the norm passes are the caller's to close).
   */
  Projected project(Params p, INDArray x, Tape owner, Tape temp) {
    int d = spec.hiddenSize();
    INDArray qkv = temp.own(Linear.forward(x, p.get("qkv.weight"), null));
    INDArray q = owner.own(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).dup('c'));
    INDArray k = owner.own(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d)).dup('c'));
    INDArray v = owner.own(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * d, 3 * d)).dup('c'));
    if (!spec.attnQkNorm()) {
      return new Projected(q, k, v, null, null);
    }
    RmsNorm.Pass qNorm = RmsNorm.forward(q, p.get("q_norm.weight"), EPS);
    RmsNorm.Pass kNorm = RmsNorm.forward(k, p.get("k_norm.weight"), EPS);
    return new Projected(owner.own(qNorm.out()), owner.own(kNorm.out()), v, qNorm, kNorm);
  }

  /** The attention branch's results: roped q and k (kept by its pass), the pass and its output. */
  private record Attended(INDArray q, INDArray k, WindowAttention.Pass pass, INDArray merged) {}

  private long[] attnShape(Core c) {
    return new long[] {c.b, c.len, spec.numAttnHeads(), spec.attnHeadDim()};
  }

  /**
   * The attention branch (may run on a helper thread: it only reads {@code c}'s q, k, v): its
   * output as a new {@code [B*L, d]}, and what its backward needs.
   */
  private Attended attend(Core c, INDArray valid) {
    long[] s = attnShape(c);
    INDArray q = rope.apply(c.q.reshape('c', s));
    INDArray k = rope.apply(c.k.reshape('c', s));
    WindowAttention.Pass pass = attention.forward(q, k, c.v.reshape('c', s), valid);
    return new Attended(q, k, pass, pass.output().reshape('c', (long) c.b * c.len, spec.hiddenSize()).dup('c'));
  }

  /** The TTT branch's output {@code [B*L, d]} (a view of an array owned by {@code temp} or the pass). */
  private INDArray tttOutput(Params p, Core c, INDArray valid, Tape temp) {
    TttFeatures f = tttFeatures(p, c.x, c.q, c.k, c.v, c.saved, temp);
    c.qs = f.qs;
    c.ks = f.ks;
    c.qAct = f.qAct;
    c.kAct = f.kAct;
    c.vAct = f.vAct;
    c.qLen = f.qLen;
    c.kLen = f.kLen;
    c.qUnit = f.qUnit;
    c.kUnit = f.kUnit;
    c.lrPre = f.lrPre;
    c.momentum = f.momentum;
    c.w0w2 = new INDArray[] {c.saved.own(initialWeight(p, "w0")), c.saved.own(initialWeight(p, "w2"))};
    LactInputs in;
    // Everything between here and the op only feeds its host inputs: a per-thread workspace
    // reused call after call holds it (see the backward).
    try (MemoryWorkspace ws = Workspaces.scratch(FORWARD_WORKSPACE)) {
      in = opInputs(p, c, f, valid);
    }
    c.op = kernel.forward(spec.opSpec(), in);
    TttOut o = tttNormAndGate(p, c.x, c.op.output(), c.lact, c.saved, temp);
    c.tttNorm = o.norm();
    c.gate = o.gate();
    return o.yHat();
  }

  /**
   * The TTT branch's per-token features of one forward (lact-spec 1.3 steps 3, 6, 7, 9, 10):
   * scaled and offset q and k, their silu (and v's), the per-head lengths and unit vectors, the
   * learning-rate pre-activations and the momentum coefficients, all {@code [rows, ...]}
   * token-major. The arrays are owned by the tape given to {@link #tttFeatures}; {@link #close()}
   * frees the silu passes.
   */
  static final class TttFeatures implements AutoCloseable {
    INDArray qs;
    INDArray ks;
    Silu qAct;
    Silu kAct;
    Silu vAct;
    /** The op's values: v, or silu(v). */
    INDArray va;
    INDArray qLen;
    INDArray kLen;
    INDArray qUnit;
    INDArray kUnit;
    INDArray lrPre;
    INDArray momentum;

    @Override
    public void close() {
      for (Silu s : new Silu[] {qAct, kAct, vAct}) {
        if (s != null) {
          s.close();
        }
      }
    }
  }

  /**
   * The TTT features of {@code x [rows, d]} and its projections (the one code of the forward and
   * {@link LactLayerStream}); the arrays are owned by {@code owner}.
   */
  TttFeatures tttFeatures(Params p, INDArray x, INDArray q, INDArray k, INDArray v, Tape owner, Tape temp) {
    int df = spec.lactHeadDim();
    INDArray scale = p.get("qk_scale");
    INDArray offset = p.get("qk_offset");
    TttFeatures f = new TttFeatures();
    f.qs = owner.own(q.mulRowVector(column(scale, 0)).addiRowVector(column(offset, 0)));
    f.ks = owner.own(k.mulRowVector(column(scale, 1)).addiRowVector(column(offset, 1)));
    INDArray qa = f.qs;
    INDArray ka = f.ks;
    f.va = v;
    if (spec.qkvSilu()) {
      f.qAct = Silu.of(f.qs);
      f.kAct = Silu.of(f.ks);
      qa = f.qAct.value;
      ka = f.kAct.value;
      if (!spec.noVSilu()) {
        f.vAct = Silu.of(v);
        f.va = f.vAct.value;
      }
    }
    f.qLen = owner.own(headNorms(qa, df));
    f.kLen = owner.own(headNorms(ka, df));
    f.qUnit = owner.own(unit(qa, f.qLen, df, temp));
    f.kUnit = owner.own(unit(ka, f.kLen, df, temp));
    f.lrPre = owner.own(Linear.forward(x, p.get("lr_proj.weight"), p.get("lr_proj.bias")).addi(spec.lrShift()));
    if (spec.opSpec().momentum()) {
      f.momentum = owner.own(Transforms.sigmoid(
          Linear.forward(x, p.get("momentum_proj.0.weight"), p.get("momentum_proj.0.bias")), false));
    }
    return f;
  }

  /** The op's inputs as host tensors; call inside a workspace (every array made here is temporary). */
  private LactInputs opInputs(Params p, Core c, TttFeatures f, INDArray valid) {
    HostTensor[] t = tokenInputs(c.lact, f, 0);
    return new LactInputs(
        HeadLayout.host(tile(c.w0w2[0], c.b)), HeadLayout.host(tile(p.get("w1"), c.b)),
        HeadLayout.host(tile(c.w0w2[1], c.b)), t[0], t[1], t[2], t[3], t[4], t[5], t[6],
        valid == null ? null : writeMask(valid, c.b, c.len, spec.numLactHeads()));
  }

  /**
   * The op's per-token inputs in its instance layout {@code [B*H, L, w]} as host tensors:
   * {@code q, k} (unit vectors, rotated at positions {@code position + t} unless {@code tttNope}),
   * {@code v}, the three learning rates {@code softplus(lrPre)} and the momentum coefficients (null
   * without momentum). Call inside a workspace: every array made here is temporary.
   */
  HostTensor[] tokenInputs(HeadLayout lact, TttFeatures f, long position) {
    int df = spec.lactHeadDim();
    long rows = f.qUnit.size(0);
    long[] heads = {lact.batch(), lact.length(), spec.numAttnHeads(), spec.attnHeadDim()};
    INDArray qt = spec.tttNope() ? f.qUnit : rope.apply(f.qUnit.reshape('c', heads), position);
    INDArray kt = spec.tttNope() ? f.kUnit : rope.apply(f.kUnit.reshape('c', heads), position);
    qt = qt.reshape('c', rows, spec.hiddenSize());
    kt = kt.reshape('c', rows, spec.hiddenSize());
    INDArray eta = softplus(f.lrPre);
    HostTensor[] lr = new HostTensor[3];
    for (int j = 0; j < 3; j++) {
      lr[j] = HeadLayout.host(lact.toInstances(lrColumn(eta, j), 1));
    }
    HostTensor mom = f.momentum == null ? null : HeadLayout.host(lact.toInstances(f.momentum, 1));
    return new HostTensor[] {
      HeadLayout.host(lact.toInstances(qt, df)), HeadLayout.host(lact.toInstances(kt, df)),
      HeadLayout.host(lact.toInstances(f.va, df)), lr[0], lr[1], lr[2], mom
    };
  }

  /**
   * The TTT output after {@code ttt_norm} and the gate: {@code yHat [rows, d]} (owned by {@code
   * owner} or {@code temp}), with the norm's pass and the gate (null without {@code
   * learnableTttScale}) for the backward, which the caller closes.
   */
  record TttOut(INDArray yHat, RmsNorm.Pass norm, Silu gate) {}

  /**
   * {@code silu(x W_s + b_s) * RMSNorm(y)} per head (lact-spec 1.3 step 13) of the op's output
   * {@code y [B*H, L, df]} (the one code of the forward and {@link LactLayerStream}).
   */
  TttOut tttNormAndGate(Params p, INDArray x, HostTensor y, HeadLayout lact, Tape owner, Tape temp) {
    int df = spec.lactHeadDim();
    INDArray yt = temp.own(lact.toTokens(temp.own(HeadLayout.array(y, x.dataType())), df));
    RmsNorm.Pass norm = RmsNorm.forward(yt.reshape('c', -1, df), p.get("ttt_norm.weight"), EPS);
    INDArray yHat = owner.own(norm.out());
    Silu gate = null;
    if (spec.learnableTttScale()) {
      gate = Silu.of(temp.own(Linear.forward(x, p.get("ttt_scale_proj.weight"), p.get("ttt_scale_proj.bias"))));
      yHat = temp.own(yHat.mulColumnVector(gate.value.reshape('c', -1, 1)));
    }
    return new TttOut(yHat.reshape('c', x.size(0), spec.hiddenSize()), norm, gate);
  }

  /** {@code a / (|a| + eps)} per head of {@code df} channels, a new array of {@code a}'s shape. */
  private static INDArray unit(INDArray a, INDArray len, int df, Tape temp) {
    INDArray u = Nd4j.createUninitialized(a.dataType(), a.shape());
    Nd4j.exec(new BroadcastDivOp(a.reshape('c', -1, df), temp.own(len.add(EPS)), u.reshape('c', -1, df), 0));
    return u;
  }

  /** The backward of the unpacked computation; takes over {@code dy3}; returns a new dx {@code [B, L, d]}. */
  private INDArray backwardCore(Params p, Core c, INDArray dy3, Params g) {
    // The backward's temporaries (about forty arrays of the layer's activation size) live in a
    // per-thread workspace: its memory is reused call after call instead of being allocated and
    // freed each time. Only dx, made outside it, leaves; gradients are written into g's views.
    try (Tape temp = new Tape();
        MemoryWorkspace ws = Workspaces.scratch(BACKWARD_WORKSPACE)) {
      temp.own(dy3);
      return backwardCore(p, c, dy3, g, temp);
    }
  }

  private INDArray backwardCore(Params p, Core c, INDArray dy3, Params g, Tape temp) {
    int d = spec.hiddenSize();
    long rows = (long) c.b * c.len;
    INDArray dOut = dy3.reshape('c', rows, d);
    INDArray dMerged = temp.own(
        Linear.backward(c.merged, p.get("o_proj.weight"), dOut, g.get("o_proj.weight"), null));
    INDArray dx3;
    try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      dx3 = Nd4j.zeros(c.x.dataType(), c.b, c.len, d);
    }
    INDArray dx = dx3.reshape('c', rows, d);

    // The attention branch's backward runs beside the TTT branch's (Branches).
    Branches.Both<INDArray[], INDArray[]> both = Branches.together(() -> attentionBackward(c, dMerged),
        () -> spec.tttEnabled() ? tttBackward(p, c, dMerged, g, dx, temp) : withoutTtt(c, g, temp));
    INDArray[] ag = both.side();
    INDArray[] dqkv = both.own();
    temp.ownAll(ag);
    INDArray dq = dqkv[0].addi(ag[0].reshape('c', rows, d));
    INDArray dk = dqkv[1].addi(ag[1].reshape('c', rows, d));
    INDArray dv = dqkv[2].addi(ag[2].reshape('c', rows, d));
    if (spec.attnQkNorm()) {
      dq = temp.own(RmsNorm.backward(c.qNorm, p.get("q_norm.weight"), dq, g.get("q_norm.weight")));
      dk = temp.own(RmsNorm.backward(c.kNorm, p.get("k_norm.weight"), dk, g.get("k_norm.weight")));
    }
    INDArray dQkv = temp.own(Nd4j.hstack(dq, dk, dv));
    Linear.backwardInto(c.x, p.get("qkv.weight"), dQkv, g.get("qkv.weight"), null, dx);
    return dx3;
  }

  /**
   * The attention branch's gradients with respect to the (un-roped) q, k and v, each a new
   * {@code [B, L, Ha, dh]} made outside any workspace (it may run on a helper thread; {@code
   * dMerged} is only read).
   */
  private INDArray[] attentionBackward(Core c, INDArray dMerged) {
    WindowAttention.Gradients ag = attention.backward(c.attn, dMerged.reshape('c', attnShape(c)));
    INDArray dq = rope.applyBackward(ag.dq());
    INDArray dk = rope.applyBackward(ag.dk());
    Tape.free(ag.dq(), ag.dk());
    return new INDArray[] {dq, dk, ag.dv()};
  }

  /**
   * The TTT branch's backward: writes its parameters' gradients (and its share of dx) and returns
   * its gradients with respect to the shared q, k and v {@code [B*L, d]}.
   */
  private INDArray[] tttBackward(Params p, Core c, INDArray dMerged, Params g, INDArray dx, Tape temp) {
    int d = spec.hiddenSize();
    int df = spec.lactHeadDim();
    // TTT output: gate, then ttt_norm.
    INDArray dYHat = dMerged.reshape('c', -1, df);
    if (spec.learnableTttScale()) {
      INDArray gateCol = c.gate.value.reshape('c', -1, 1);
      INDArray dGate = temp.own(temp.own(dYHat.mul(c.tttNorm.out())).sum(1));
      dGate = dGate.reshape('c', c.gate.value.shape()).muli(c.gate.prime());
      Linear.backwardInto(c.x, p.get("ttt_scale_proj.weight"), dGate, g.get("ttt_scale_proj.weight"),
          g.get("ttt_scale_proj.bias"), dx);
      dYHat = temp.own(dYHat.mulColumnVector(gateCol));
    }
    INDArray dY = temp.own(RmsNorm.backward(c.tttNorm, p.get("ttt_norm.weight"), dYHat, g.get("ttt_norm.weight")));
    LactGradients og = kernel.backward(c.op,
        HeadLayout.host(temp.own(c.lact.toInstances(dY.reshape('c', -1, d), df))));
    DataType dt = c.x.dataType();

    // Fast-weight initial state.
    g.get("w1").assign(sumOverBatch(HeadLayout.array(og.w1(), dt), c.b, temp));
    initialWeightBackward(p, g, "w0", sumOverBatch(HeadLayout.array(og.w0(), dt), c.b, temp), temp);
    initialWeightBackward(p, g, "w2", sumOverBatch(HeadLayout.array(og.w2(), dt), c.b, temp), temp);

    // Learning rates and momentum.
    INDArray dEta = temp.own(Nd4j.zeros(dt, c.lrPre.shape()));
    HostTensor[] dLr = {og.lr0(), og.lr1(), og.lr2()};
    for (int j = 0; j < 3; j++) {
      lrColumnView(dEta, j).assign(tokens(dLr[j], 1, c, temp));
    }
    INDArray dLrPre = dEta.muli(temp.own(Transforms.sigmoid(c.lrPre, true)));
    Linear.backwardInto(c.x, p.get("lr_proj.weight"), dLrPre, g.get("lr_proj.weight"), g.get("lr_proj.bias"), dx);
    if (spec.opSpec().momentum()) {
      INDArray dm = tokens(og.momentum(), 1, c, temp);
      INDArray dmPre = dm.muli(temp.own(c.momentum.rsub(1.0)).muli(c.momentum));
      Linear.backwardInto(c.x, p.get("momentum_proj.0.weight"), dmPre, g.get("momentum_proj.0.weight"),
          g.get("momentum_proj.0.bias"), dx);
    } else if (spec.useMomentum()) {
      // The set variant's single update starts from a zero buffer: the projection exists but acts on nothing.
      g.get("momentum_proj.0.weight").assign(0.0);
      g.get("momentum_proj.0.bias").assign(0.0);
    }

    // TTT q, k, v back to the shared projection.
    INDArray dqUnit = unrope(c, tokens(og.q(), df, c, temp), temp);
    INDArray dkUnit = unrope(c, tokens(og.k(), df, c, temp), temp);
    INDArray dva = tokens(og.v(), df, c, temp);
    INDArray dqa = unitBackward(c.qUnit, c.qLen, dqUnit, df, temp);
    INDArray dka = unitBackward(c.kUnit, c.kLen, dkUnit, df, temp);
    INDArray dqs = c.qAct == null ? dqa : dqa.muli(c.qAct.prime());
    INDArray dks = c.kAct == null ? dka : dka.muli(c.kAct.prime());
    INDArray dv = c.vAct == null ? dva : dva.muli(c.vAct.prime());
    INDArray dScale = g.get("qk_scale");
    INDArray dOffset = g.get("qk_offset");
    column(dScale, 0).assign(temp.own(temp.own(dqs.mul(c.q)).sum(0)));
    column(dScale, 1).assign(temp.own(temp.own(dks.mul(c.k)).sum(0)));
    column(dOffset, 0).assign(temp.own(dqs.sum(0)));
    column(dOffset, 1).assign(temp.own(dks.sum(0)));
    INDArray scale = p.get("qk_scale");
    return new INDArray[] {
      temp.own(dqs.mulRowVector(column(scale, 0))), temp.own(dks.mulRowVector(column(scale, 1))), dv
    };
  }

  /** An op gradient {@code [B*H, L, w]} as a new {@code [B*L, H*w]} in the layer's type, owned by {@code temp}. */
  private static INDArray tokens(HostTensor inst, int w, Core c, Tape temp) {
    return temp.own(c.lact.toTokens(temp.own(HeadLayout.array(inst, c.x.dataType())), w));
  }

  /** With the TTT branch off its parameters get zero gradients and q, k, v get none from it. */
  private INDArray[] withoutTtt(Core c, Params g, Tape temp) {
    for (String name : g.names()) {
      if (!SHARED.contains(name)) {
        g.get(name).assign(0.0);
      }
    }
    return new INDArray[] {temp.own(Nd4j.zeros(c.q.dataType(), c.q.shape())),
        temp.own(Nd4j.zeros(c.k.dataType(), c.k.shape())), temp.own(Nd4j.zeros(c.v.dataType(), c.v.shape()))};
  }

  private INDArray unrope(Core c, INDArray dRotated, Tape temp) {
    if (spec.tttNope()) {
      return dRotated;
    }
    return temp.own(rope.applyBackward(dRotated.reshape('c', attnShape(c)))).reshape('c', dRotated.shape());
  }

  /**
   * {@code softplus(x) = max(x, 0) + log1p(exp(-|x|))}, evaluated in float64 and returned in the
   * input's type. The learning rates sit near 1e-3, where ND4J's float32 {@code log1p} (and the
   * textbook {@code log(1 + exp(x))}) lose about 3e-5 relative precision because {@code 1 + 1e-3}
   * rounds; that alone put the float32 layer's gradients up to 1.6x above the golden tolerance
   * under Muon, whose Newton-Schulz amplifies it. The array is only {@code [B*L, 3*H]}.
   */
  static INDArray softplus(INDArray x) {
    try (Tape temp = new Tape()) {
      INDArray d = x.dataType() == DataType.DOUBLE ? x : temp.own(x.castTo(DataType.DOUBLE));
      INDArray tail = temp.own(Transforms.log1p(Transforms.exp(Transforms.abs(d, true).negi(), false), false));
      INDArray sp = Transforms.max(d, 0.0, true).addi(tail);
      if (x.dataType() == DataType.DOUBLE) {
        return sp;
      }
      return temp.own(sp).castTo(x.dataType());
    }
  }

  /** Per-head L2 norms {@code [B*L*H, 1]} of {@code a [B*L, H*w]}. */
  private static INDArray headNorms(INDArray a, int w) {
    return a.reshape('c', -1, w).norm2(true, 1);
  }

  /**
   * Backward of {@code u = a / (|a| + eps)} per head: {@code da = g / (|a| + eps) - u (u . g) / |a|}
   * (the second term is 0 for a zero head, where u is 0).
   */
  private static INDArray unitBackward(INDArray unit, INDArray len, INDArray dUnit, int w, Tape temp) {
    INDArray u = unit.reshape('c', -1, w);
    INDArray gu = dUnit.reshape('c', -1, w);
    INDArray dot = temp.own(temp.own(u.mul(gu)).sum(true, 1));
    INDArray safeLen = temp.own(Transforms.max(len, 1e-30, true));
    INDArray da = temp.own(gu.divColumnVector(temp.own(len.add(EPS))));
    da.subi(temp.own(u.mulColumnVector(dot.divi(safeLen))));
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
  INDArray initialWeight(Params p, String name) {
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

  private void initialWeightBackward(Params p, Params g, String name, INDArray dw, Tape temp) {
    if (spec.lowRank() <= 0) {
      g.get(name).assign(dw);
      return;
    }
    INDArray left = temp.own(p.get(name + ".w_left").dup('c'));
    INDArray right = temp.own(p.get(name + ".w_right").dup('c'));
    g.get(name + ".w_left").assign(temp.own(org.lactspark.kernel.nd4j.Bmm.mul(dw, false, right, true)));
    g.get(name + ".w_right").assign(temp.own(org.lactspark.kernel.nd4j.Bmm.mul(left, true, dw, false)));
  }

  /**
   * {@code [H, ...]} repeated for each of {@code b} sequences: {@code [b*H, ...]}, instance b*H + h
   * (called inside the op-input workspace, which reclaims the copies).
   */
  private static INDArray tile(INDArray perHead, int b) {
    INDArray[] copies = new INDArray[b];
    java.util.Arrays.fill(copies, perHead.dup('c'));
    return b == 1 ? copies[0] : Nd4j.concat(0, copies);
  }


  /** The gradient of {@link #tile}: {@code inst [b*H, ...]}, which {@code temp} takes over, summed over the sequences. */
  private static INDArray sumOverBatch(INDArray inst, int b, Tape temp) {
    temp.own(inst);
    long[] s = inst.shape();
    long[] split = new long[s.length + 1];
    split[0] = b;
    split[1] = s[0] / b;
    System.arraycopy(s, 1, split, 2, s.length - 1);
    return temp.own(inst.reshape('c', split).sum(0));
  }

  /** The op's write mask {@code [B*H, L]} from the real-token mask {@code [B, L]}. */
  private static HostTensor writeMask(INDArray valid, int b, int len, int heads) {
    double[][] v = valid.toDoubleMatrix();
    double[] m = new double[b * heads * len];
    for (int i = 0; i < b; i++) {
      for (int h = 0; h < heads; h++) {
        System.arraycopy(v[i], 0, m, (i * heads + h) * len, len);
      }
    }
    return HostTensor.of(m, b * heads, len);
  }
}
