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

  /**
   * {@code x [rows, d]}; keep it unmodified until the backward. The up projection runs on a
   * helper thread ({@link Branches}) beside the gate projection: the products are the
   * MLP's cost, and each runs best single-threaded here, so two at once use both cores.
   */
  public static Pass forward(Params p, INDArray x) {
    Branches.Both<INDArray, INDArray> both = Branches.together(
        () -> Linear.forward(x, p.get("up_proj.weight"), null), () -> Linear.forward(x, p.get("gate_proj.weight"), null));
    INDArray up = both.side();
    INDArray gate = both.own();
    Silu act = Silu.of(gate);
    INDArray hidden = act.value.mul(up);
    return new Pass(Linear.forward(hidden, p.get("down_proj.weight"), null), x, gate, act, up, hidden);
  }

  /**
   * Writes the three weight gradients into {@code g}; returns {@code dx}. The weight gradients are
   * computed on a helper thread beside the input gradients (they read the same arrays and write
   * only into {@code g}).
   */
  public static INDArray backward(Params p, Pass s, INDArray dy, Params g) {
    try (Tape t = new Tape()) {
      INDArray dHidden = t.own(Branches.together(() -> {
        Linear.weightGradients(s.hidden(), dy, g.get("down_proj.weight"), null);
        return null;
      }, () -> Linear.inputGradient(dy, p.get("down_proj.weight"))).own());
      INDArray dUp = t.own(dHidden.mul(s.act().value));
      INDArray dGate = dHidden.muli(s.up()).muli(s.act().prime());
      return Branches.together(() -> {
        Linear.weightGradients(s.x(), dGate, g.get("gate_proj.weight"), null);
        Linear.weightGradients(s.x(), dUp, g.get("up_proj.weight"), null);
        return null;
      }, () -> {
        INDArray dx = Linear.inputGradient(dGate, p.get("gate_proj.weight"));
        Linear.addInputGradient(dUp, p.get("up_proj.weight"), dx);
        return dx;
      }).own();
    }
  }
}
