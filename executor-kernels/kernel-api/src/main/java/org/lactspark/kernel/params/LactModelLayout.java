package org.lactspark.kernel.params;

import java.util.ArrayList;
import java.util.List;
import org.lactspark.conf.ModelConfig;

/**
 * The parameter layout of the LaCT language model for a {@link ModelConfig}: the official
 * state_dict names, shapes and order ({@code LaCTForCausalLM}), with the reference's
 * initialisation (lact-spec 1.2): Linear and embedding weights {@code N(0, initializerRange^2)};
 * biases 0; norm weights and {@code qk_scale} 1; {@code qk_offset} 0; initial {@code w1}
 * {@code N(0, 1/d_h)}; full-rank {@code w0}, {@code w2} {@code N(0, 1/d_f)}; low-rank factors
 * {@code w_left N(0, (g/sqrt(r))^2)}, {@code w_right N(0, (g/sqrt(d_f))^2)}.
 */
public final class LactModelLayout {
  private LactModelLayout() {}

  /** The layout of the whole model. */
  public static ParamLayout of(ModelConfig c) {
    List<ParamSpec> p = new ArrayList<>();
    ParamInit linear = new ParamInit.Normal(c.initializerRange());
    int d = c.hiddenSize();
    p.add(new ParamSpec("model.embeddings.weight", new int[] {c.vocabSize(), d}, linear));
    for (int i = 0; i < c.numLayers(); i++) {
      String pre = "model.layers." + i + ".";
      p.add(new ParamSpec(pre + "attn_norm.weight", new int[] {d}, ParamInit.ONES));
      p.addAll(lactLayer(pre + "attn.", c.hiddenSize(), c.numLactHeads(), c.fastHiddenDim(), c.lowRank(),
          c.fwInitGain(), c.learnableTttScale(), c.useMomentum(), c.attnQkNorm(), c.initializerRange()));
      p.add(new ParamSpec(pre + "mlp_norm.weight", new int[] {d}, ParamInit.ONES));
      p.addAll(mlp(pre + "mlp.", d, c.mlpWidth(), c.initializerRange()));
    }
    p.add(new ParamSpec("model.norm.weight", new int[] {d}, ParamInit.ONES));
    if (!c.tieWordEmbeddings()) {
      p.add(new ParamSpec("lm_head.weight", new int[] {c.vocabSize(), d}, linear));
    }
    return new ParamLayout(p);
  }

  /** The SwiGLU MLP's weights ({@code GatedMLP}), names prefixed. */
  public static List<ParamSpec> mlp(String pre, int d, int width, double initializerRange) {
    ParamInit linear = new ParamInit.Normal(initializerRange);
    return List.of(
        new ParamSpec(pre + "gate_proj.weight", new int[] {width, d}, linear),
        new ParamSpec(pre + "up_proj.weight", new int[] {width, d}, linear),
        new ParamSpec(pre + "down_proj.weight", new int[] {d, width}, linear));
  }

  /**
   * The parameters of one LaCT layer ({@code LaCTSWIGLULayer}), names prefixed, in the official
   * order.
   *
   * @param pre name prefix
   * @param d model width
   * @param h fast-weight heads
   * @param dh fast-weight hidden width
   * @param lowRank rank of the initial W0 and W2 (0: full-rank parameters)
   * @param gain gain of the low-rank initialisation
   * @param tttScale whether the silu gate's projection exists
   * @param momentum whether the momentum projection exists
   * @param qkNorm whether q_norm and k_norm exist
   * @param initializerRange std of the linear weights
   */
  public static List<ParamSpec> lactLayer(String pre, int d, int h, int dh, int lowRank, double gain,
      boolean tttScale, boolean momentum, boolean qkNorm, double initializerRange) {
    List<ParamSpec> p = new ArrayList<>();
    ParamInit linear = new ParamInit.Normal(initializerRange);
    int df = d / h;
    p.add(new ParamSpec(pre + "w1", new int[] {h, df, dh}, new ParamInit.Normal(1.0 / Math.sqrt(dh))));
    p.add(new ParamSpec(pre + "qk_scale", new int[] {d, 2}, ParamInit.ONES));
    p.add(new ParamSpec(pre + "qk_offset", new int[] {d, 2}, ParamInit.ZEROS));
    p.add(new ParamSpec(pre + "qkv.weight", new int[] {3 * d, d}, linear));
    p.add(new ParamSpec(pre + "o_proj.weight", new int[] {d, d}, linear));
    for (String w : new String[] {"w0", "w2"}) {
      if (lowRank > 0) {
        p.add(new ParamSpec(pre + w + ".w_left", new int[] {h, dh, lowRank}, new ParamInit.Normal(gain / Math.sqrt(lowRank))));
        p.add(new ParamSpec(pre + w + ".w_right", new int[] {h, lowRank, df}, new ParamInit.Normal(gain / Math.sqrt(df))));
      } else {
        p.add(new ParamSpec(pre + w, new int[] {h, dh, df}, new ParamInit.Normal(1.0 / Math.sqrt(df))));
      }
    }
    p.add(new ParamSpec(pre + "lr_proj.weight", new int[] {3 * h, d}, linear));
    p.add(new ParamSpec(pre + "lr_proj.bias", new int[] {3 * h}, ParamInit.ZEROS));
    if (tttScale) {
      p.add(new ParamSpec(pre + "ttt_scale_proj.weight", new int[] {h, d}, linear));
      p.add(new ParamSpec(pre + "ttt_scale_proj.bias", new int[] {h}, ParamInit.ZEROS));
    }
    p.add(new ParamSpec(pre + "ttt_norm.weight", new int[] {df}, ParamInit.ONES));
    if (momentum) {
      p.add(new ParamSpec(pre + "momentum_proj.0.weight", new int[] {h, d}, linear));
      p.add(new ParamSpec(pre + "momentum_proj.0.bias", new int[] {h}, ParamInit.ZEROS));
    }
    if (qkNorm) {
      p.add(new ParamSpec(pre + "q_norm.weight", new int[] {d}, ParamInit.ONES));
      p.add(new ParamSpec(pre + "k_norm.weight", new int[] {d}, ParamInit.ONES));
    }
    return p;
  }
}
