package org.lactspark.model.nn;

import org.lactspark.kernel.nd4j.Silu;
import org.lactspark.kernel.nd4j.Tape;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The block's MLP (fla GatedMLP): {@code down(silu(gate(x)) * up(x))}, no biases. Parameters
 * {@code gate_proj.weight [I, d]}, {@code up_proj.weight [I, d]}, {@code down_proj.weight [d, I]}.
 */
public final class SwiGluMlp {
  private SwiGluMlp() {}

  /**
   * Saved activations of one forward. The pass owns {@code gate}, {@code act}, {@code up} and
   * {@code hidden}; {@code out} belongs to the caller and {@code x} (the input) to whoever passed it.
   */
  public record Pass(INDArray out, INDArray x, INDArray gate, Silu act, INDArray up, INDArray hidden)
      implements AutoCloseable {
    /** Frees what the pass owns. */
    @Override
    public void close() {
      act.close();
      Tape.free(gate, up, hidden);
    }
  }

  /** {@code x [rows, d]}; keep it unmodified until the backward. */
  public static Pass forward(Params p, INDArray x) {
    INDArray gate = Linear.forward(x, p.get("gate_proj.weight"), null);
    INDArray up = Linear.forward(x, p.get("up_proj.weight"), null);
    Silu act = Silu.of(gate);
    INDArray hidden = act.value.mul(up);
    return new Pass(Linear.forward(hidden, p.get("down_proj.weight"), null), x, gate, act, up, hidden);
  }

  /** Writes the three weight gradients into {@code g}; returns {@code dx}. */
  public static INDArray backward(Params p, Pass s, INDArray dy, Params g) {
    try (Tape t = new Tape()) {
      INDArray dHidden = t.own(
          Linear.backward(s.hidden(), p.get("down_proj.weight"), dy, g.get("down_proj.weight"), null));
      INDArray dUp = t.own(dHidden.mul(s.act().value));
      INDArray dGate = dHidden.muli(s.up()).muli(s.act().prime());
      INDArray dx = Linear.backward(s.x(), p.get("gate_proj.weight"), dGate, g.get("gate_proj.weight"), null);
      Linear.backwardInto(s.x(), p.get("up_proj.weight"), dUp, g.get("up_proj.weight"), null, dx);
      return dx;
    }
  }
}
