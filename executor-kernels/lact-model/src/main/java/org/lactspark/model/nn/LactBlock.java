package org.lactspark.model.nn;

import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.nd4j.Tape;
import org.lactspark.kernel.nd4j.Workspaces;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The pre-norm residual block ({@code LaCTBlock}): {@code h = x + attn(RMSNorm(x))},
 * {@code out = h + mlp(RMSNorm(h))}. Parameters: {@code attn_norm.weight}, {@code attn.*} (the
 * {@link LactLayer}'s), {@code mlp_norm.weight}, {@code mlp.*} (the {@link SwiGluMlp}'s).
 */
public final class LactBlock {
  private final LactLayer attn;
  private final double normEps;

  /** A block around a LaCT layer of {@code spec}; {@code normEps} is the block norms' eps. */
  public LactBlock(LactLayerSpec spec, LactKernel kernel, double normEps) {
    this.attn = new LactLayer(spec, kernel);
    this.normEps = normEps;
  }

  /** Saved activations of one forward. */
  public static final class Pass implements AutoCloseable {
    private final INDArray out;
    private final RmsNorm.Pass attnNorm;
    private final LactLayer.Pass attn;
    private final RmsNorm.Pass mlpNorm;
    private final SwiGluMlp.Pass mlp;

    Pass(INDArray out, RmsNorm.Pass attnNorm, LactLayer.Pass attn, RmsNorm.Pass mlpNorm, SwiGluMlp.Pass mlp) {
      this.out = out;
      this.attnNorm = attnNorm;
      this.attn = attn;
      this.mlpNorm = mlpNorm;
      this.mlp = mlp;
    }

    /** The block output {@code [B, L, d]}. */
    public INDArray output() {
      return out;
    }

    /** Frees everything the forward saved (not the output, which is the caller's). */
    @Override
    public void close() {
      attn.close();
      attnNorm.close();
      mlp.close();
      mlpNorm.close();
      // The MLP's input: the second norm's output, which the MLP pass only refers to.
      Tape.free(mlpNorm.out());
    }
  }

  /** The block on {@code x [B, L, d]} with a sequence mask (may be null). */
  public Pass forward(Params p, INDArray x, INDArray mask) {
    long b = x.size(0);
    long len = x.size(1);
    long d = x.size(2);
    INDArray out = x.dup('c');
    INDArray h = out.reshape('c', b * len, d);
    RmsNorm.Pass n1 = RmsNorm.forward(h, p.get("attn_norm.weight"), normEps);
    LactLayer.Pass a = attn.forward(p.sub("attn."), n1.out().reshape('c', b, len, d), mask);
    Tape.free(n1.out());
    h.addi(a.output().reshape('c', b * len, d));
    Tape.free(a.output());
    RmsNorm.Pass n2 = RmsNorm.forward(h, p.get("mlp_norm.weight"), normEps);
    SwiGluMlp.Pass m = SwiGluMlp.forward(p.sub("mlp."), n2.out());
    h.addi(m.out());
    Tape.free(m.out());
    return new Pass(out, n1, a, n2, m);
  }

  /** A streaming state of this block's LaCT layer with the block's parameters {@code p}. */
  public LactLayerStream stream(Params p) {
    return attn.stream(p.sub("attn."));
  }

  /**
   * The block on the next {@code t} tokens of one streamed sequence, forward only: the same
   * composition as {@link #forward} with the LaCT layer's state carried by {@code s}.
   *
   * @param x the block input {@code [t, d]}; not modified
   * @return a new array {@code [t, d]} belonging to the caller
   */
  public INDArray forwardStream(Params p, LactLayerStream s, INDArray x) {
    INDArray h = x.dup('c');
    RmsNorm.Pass n1 = RmsNorm.forward(h, p.get("attn_norm.weight"), normEps);
    INDArray a = s.feed(n1.out());
    n1.close();
    Tape.free(n1.out());
    h.addi(a);
    Tape.free(a);
    RmsNorm.Pass n2 = RmsNorm.forward(h, p.get("mlp_norm.weight"), normEps);
    SwiGluMlp.Pass m = SwiGluMlp.forward(p.sub("mlp."), n2.out());
    h.addi(m.out());
    Tape.free(m.out());
    m.close();
    n2.close();
    Tape.free(n2.out());
    return h;
  }

  /** Writes every parameter gradient into {@code g}; returns {@code dx [B, L, d]}. */
  public INDArray backward(Params p, Pass s, INDArray dy, Params g) {
    long b = dy.size(0);
    long len = dy.size(1);
    long d = dy.size(2);
    INDArray dx = dy.dup('c');
    INDArray dh = dx.reshape('c', b * len, d);
    // Temporaries in a per-thread workspace reused call after call (see LactLayer's backward);
    // dx is made outside it, and the LaCT layer's dx comes back from outside its own.
    try (Tape temp = new Tape();
        MemoryWorkspace ws = Workspaces.scratch("lact-model-block-backward")) {
      INDArray dn2 = temp.own(SwiGluMlp.backward(p.sub("mlp."), s.mlp, dh, g.sub("mlp.")));
      dh.addi(temp.own(RmsNorm.backward(s.mlpNorm, p.get("mlp_norm.weight"), dn2, g.get("mlp_norm.weight"))));
      INDArray dn1 = temp.own(attn.backward(p.sub("attn."), s.attn, dx, g.sub("attn.")));
      dh.addi(temp.own(
          RmsNorm.backward(s.attnNorm, p.get("attn_norm.weight"), dn1.reshape('c', b * len, d), g.get("attn_norm.weight"))));
    }
    return dx;
  }
}
