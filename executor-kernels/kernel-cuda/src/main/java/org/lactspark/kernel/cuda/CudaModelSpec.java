package org.lactspark.kernel.cuda;

import java.util.List;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamLayout;

/**
 * A {@link ModelConfig} and its parameter layout in the array codes of {@link NativeLact}'s model
 * methods. The native side has no layout of its own: it is given every tensor's offset in the flat
 * vector of {@link LactModelLayout}, so the layout has one definition and a checkpoint moves
 * between backends unchanged.
 */
final class CudaModelSpec {
  /**
   * A layer's tensors by their official names (after the {@code model.layers.i.} prefix), in the
   * order of {@code enum LayerTensor} in {@code model.h}.
   */
  static final List<String> LAYER_TENSORS = List.of(
      "attn_norm.weight", "attn.w1", "attn.qk_scale", "attn.qk_offset", "attn.qkv.weight", "attn.o_proj.weight",
      "attn.w0", "attn.w0.w_left", "attn.w0.w_right", "attn.w2", "attn.w2.w_left", "attn.w2.w_right",
      "attn.lr_proj.weight", "attn.lr_proj.bias", "attn.ttt_scale_proj.weight", "attn.ttt_scale_proj.bias",
      "attn.ttt_norm.weight", "attn.momentum_proj.0.weight", "attn.momentum_proj.0.bias", "attn.q_norm.weight",
      "attn.k_norm.weight", "mlp_norm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight");

  private CudaModelSpec() {}

  /** The 22 integers of the spec (sizes, then the switches as 1 or 0). */
  static int[] ints(ModelConfig c) {
    boolean[] flags = {c.useMuon(), c.useMomentum(), c.qkvSilu(), c.noVSilu(), c.attnQkNorm(), c.learnableTttScale(),
        c.tttPrenorm(), c.tttNope(), c.tieWordEmbeddings(), c.tttEnabled(), c.documentRestart()};
    int[] out = new int[22];
    int[] sizes = {c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numAttnHeads(), c.numLactHeads(),
        c.fastHiddenDim(), c.windowSize(), c.chunkSize(), c.lowRank(), c.mlpWidth(), c.padTokenId()};
    System.arraycopy(sizes, 0, out, 0, sizes.length);
    for (int i = 0; i < flags.length; i++) {
      out[11 + i] = flags[i] ? 1 : 0;
    }
    return out;
  }

  /** RoPE theta, the block norms' eps and the learning-rate shift softplus^-1(baseLr). */
  static double[] doubles(ModelConfig c) {
    double y = c.baseLr();
    return new double[] {c.ropeTheta(), c.normEps(), y + Math.log(-Math.expm1(-y))};
  }

  /** The Newton-Schulz coefficients of the language model's op. */
  static double[] ns() {
    return NativeArgs.ns(NewtonSchulzSchedule.LM_FIVE_STEP);
  }

  /** The offsets of the model's tensors: embedding, final norm, LM head (-1 tied), total, then per layer. */
  static long[] layout(ModelConfig c) {
    ParamLayout l = LactModelLayout.of(c);
    long[] out = new long[4 + c.numLayers() * LAYER_TENSORS.size()];
    out[0] = l.offset("model.embeddings.weight");
    out[1] = l.offset("model.norm.weight");
    out[2] = c.tieWordEmbeddings() ? -1 : l.offset("lm_head.weight");
    out[3] = l.size();
    for (int i = 0; i < c.numLayers(); i++) {
      long[] layer = layerOffsets(l, "model.layers." + i + ".");
      System.arraycopy(layer, 0, out, 4 + i * LAYER_TENSORS.size(), layer.length);
    }
    return out;
  }

  /** The offsets of one block's tensors named {@code prefix + LAYER_TENSORS[j]} (-1: absent). */
  static long[] layerOffsets(ParamLayout l, String prefix) {
    long[] out = new long[LAYER_TENSORS.size()];
    List<String> names = l.names();
    for (int j = 0; j < out.length; j++) {
      String name = prefix + LAYER_TENSORS.get(j);
      out[j] = names.contains(name) ? l.offset(name) : -1;
    }
    return out;
  }

  /** The offsets of a lone LaCT layer's tensors (names without a prefix: {@code qkv.weight}, ...). */
  static long[] loneLayerOffsets(ParamLayout l) {
    long[] out = new long[LAYER_TENSORS.size()];
    List<String> names = l.names();
    for (int j = 0; j < out.length; j++) {
      String t = LAYER_TENSORS.get(j);
      String name = t.startsWith("attn.") ? t.substring("attn.".length()) : null;
      out[j] = name != null && names.contains(name) ? l.offset(name) : -1;
    }
    return out;
  }
}
