package org.lactspark.model.layer;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link LayerGradientCheckTest} for the set variant of the LaCT layer and for the block: every
 * entry of the layer under test, checked by DL4J's GradientCheckUtil in float64.
 */
class LactVariantsGradientCheckTest {
  @BeforeAll
  static void doubles() {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  /**
   * The set variant: one update from every token, then every token reads it; Muon, low rank.
   * Momentum off: the set variant has none, and with momentum configured the backward fails (see
   * {@link SetVariantMomentumTest}).
   */
  @Test
  void bidirectionalLactLayer() {
    LactSwiGluLayer layer = LactSwiGluLayer.of(
        LayerGradientCheckTest.spec("useMomentum=false").withBidirectional(true), 0.5, 0.5);
    LayerGradientCheckTest.check(LayerGradientCheckTest.around(layer), LayerGradientCheckTest.EMBEDDING_AND_HEAD,
        Set.of());
  }

  /**
   * The block (norms, LaCT layer, MLP, residuals) with q/k norms and full-rank W0 and W2. The plain
   * linear weights (checked entry by entry in {@code LayerGradientCheckTest}) are checked here along
   * one random direction each, except qkv.weight, which the q/k norms' backward feeds.
   */
  @Test
  void blockWithQkNormAndFullRankFastWeights() {
    LactBlockLayer block = LactBlockLayer.of(LayerGradientCheckTest.spec("attnQkNorm=true", "lowRank=0"),
        0.5, 0.5, 1e-6, 6);
    Set<String> alongADirection = new HashSet<>(LayerGradientCheckTest.EMBEDDING_AND_HEAD);
    alongADirection.addAll(Set.of("layer.attn.o_proj.weight", "layer.attn.lr_proj.weight",
        "layer.mlp.gate_proj.weight", "layer.mlp.up_proj.weight", "layer.mlp.down_proj.weight"));
    LayerGradientCheckTest.check(LayerGradientCheckTest.around(block), alongADirection, Set.of());
  }
}
