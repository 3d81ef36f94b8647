package org.lactspark.kernel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamLayout;

/** The model's spec and layout as the native side receives them (no GPU needed). */
class CudaModelSpecTest {
  private static final int QKV = CudaModelSpec.LAYER_TENSORS.indexOf("attn.qkv.weight");
  private static final int W0 = CudaModelSpec.LAYER_TENSORS.indexOf("attn.w0");
  private static final int W0_LEFT = CudaModelSpec.LAYER_TENSORS.indexOf("attn.w0.w_left");
  private static final int DOWN = CudaModelSpec.LAYER_TENSORS.indexOf("mlp.down_proj.weight");

  @Test
  void everyTensorOfEveryLayerIsAtItsLayoutOffset() {
    ModelConfig c = Presets.load("tiny");
    ParamLayout l = LactModelLayout.of(c);
    long[] a = CudaModelSpec.layout(c);
    int n = CudaModelSpec.LAYER_TENSORS.size();
    assertEquals(4 + c.numLayers() * n, a.length);
    assertEquals(l.offset("model.embeddings.weight"), a[0]);
    assertEquals(l.offset("model.norm.weight"), a[1]);
    assertEquals(l.offset("lm_head.weight"), a[2]);
    assertEquals(l.size(), a[3]);
    int found = 0;
    for (int i = 0; i < c.numLayers(); i++) {
      for (int t = 0; t < n; t++) {
        String name = "model.layers." + i + "." + CudaModelSpec.LAYER_TENSORS.get(t);
        long want = l.names().contains(name) ? l.offset(name) : -1;
        assertEquals(want, a[4 + i * n + t], name);
        found += want >= 0 ? 1 : 0;
      }
    }
    // every parameter but the embedding, the final norm and the head belongs to some layer slot
    assertEquals(l.specs().size() - 3, found);
    assertEquals(-1, a[4 + W0], "low rank: no full W0");
    assertEquals(l.offset("model.layers.1.mlp.down_proj.weight"), a[4 + n + DOWN]);
  }

  @Test
  void tiedAndFullRankModelsSayWhatIsAbsent() {
    ModelConfig c = Presets.load("tiny", List.of("tieWordEmbeddings=true", "lowRank=0"));
    long[] a = CudaModelSpec.layout(c);
    assertEquals(-1, a[2], "tied: no LM head");
    assertEquals(-1, a[4 + W0_LEFT]);
    assertEquals(LactModelLayout.of(c).offset("model.layers.0.attn.w0"), a[4 + W0]);
  }

  @Test
  void aLoneLayerMapsItsUnprefixedNames() {
    ParamLayout l = new ParamLayout(LactModelLayout.lactLayer("", 48, 2, 24, 6, 0.5, true, true, false, 0.02));
    long[] a = CudaModelSpec.loneLayerOffsets(l);
    assertEquals(l.offset("qkv.weight"), a[QKV]);
    assertEquals(l.offset("w0.w_left"), a[W0_LEFT]);
    assertEquals(-1, a[DOWN], "a lone layer has no MLP");
  }

  @Test
  void theSpecCarriesSizesSwitchesAndTheLearningRateShift() {
    ModelConfig c = Presets.load("tiny", List.of("tttNope=true", "padTokenId=3"));
    int[] s = CudaModelSpec.ints(c);
    assertEquals(22, s.length);
    assertEquals(c.vocabSize(), s[0]);
    assertEquals(c.mlpWidth(), s[9]);
    assertEquals(3, s[10]);
    assertEquals(1, s[11 + 7], "ttt nope");
    assertEquals(1, s[11 + 9], "ttt enabled");
    double[] d = CudaModelSpec.doubles(c);
    assertEquals(Math.log(Math.expm1(c.baseLr())), d[2], 1e-12, "softplus^-1(baseLr)");
  }
}
