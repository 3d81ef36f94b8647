package org.lactspark.kernel.params;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;

/** The model's parameter layout against the official state_dict and the spec's initialisation. */
class LactModelLayoutTest {

  /**
   * The state_dict of the official model for the lact-model golden case's configuration, in order
   * (copied from shared/fixtures/lact-model/v1_muon_momentum_lowrank_untied_d32_L36_c12/case.json).
   */
  private static final List<String> OFFICIAL = List.of(
        "model.embeddings.weight [61, 32]",
        "model.layers.0.attn_norm.weight [32]",
        "model.layers.0.attn.w1 [2, 16, 16]",
        "model.layers.0.attn.qk_scale [32, 2]",
        "model.layers.0.attn.qk_offset [32, 2]",
        "model.layers.0.attn.qkv.weight [96, 32]",
        "model.layers.0.attn.o_proj.weight [32, 32]",
        "model.layers.0.attn.w0.w_left [2, 16, 4]",
        "model.layers.0.attn.w0.w_right [2, 4, 16]",
        "model.layers.0.attn.w2.w_left [2, 16, 4]",
        "model.layers.0.attn.w2.w_right [2, 4, 16]",
        "model.layers.0.attn.lr_proj.weight [6, 32]",
        "model.layers.0.attn.lr_proj.bias [6]",
        "model.layers.0.attn.ttt_scale_proj.weight [2, 32]",
        "model.layers.0.attn.ttt_scale_proj.bias [2]",
        "model.layers.0.attn.ttt_norm.weight [16]",
        "model.layers.0.attn.momentum_proj.0.weight [2, 32]",
        "model.layers.0.attn.momentum_proj.0.bias [2]",
        "model.layers.0.mlp_norm.weight [32]",
        "model.layers.0.mlp.gate_proj.weight [48, 32]",
        "model.layers.0.mlp.up_proj.weight [48, 32]",
        "model.layers.0.mlp.down_proj.weight [32, 48]",
        "model.layers.1.attn_norm.weight [32]",
        "model.layers.1.attn.w1 [2, 16, 16]",
        "model.layers.1.attn.qk_scale [32, 2]",
        "model.layers.1.attn.qk_offset [32, 2]",
        "model.layers.1.attn.qkv.weight [96, 32]",
        "model.layers.1.attn.o_proj.weight [32, 32]",
        "model.layers.1.attn.w0.w_left [2, 16, 4]",
        "model.layers.1.attn.w0.w_right [2, 4, 16]",
        "model.layers.1.attn.w2.w_left [2, 16, 4]",
        "model.layers.1.attn.w2.w_right [2, 4, 16]",
        "model.layers.1.attn.lr_proj.weight [6, 32]",
        "model.layers.1.attn.lr_proj.bias [6]",
        "model.layers.1.attn.ttt_scale_proj.weight [2, 32]",
        "model.layers.1.attn.ttt_scale_proj.bias [2]",
        "model.layers.1.attn.ttt_norm.weight [16]",
        "model.layers.1.attn.momentum_proj.0.weight [2, 32]",
        "model.layers.1.attn.momentum_proj.0.bias [2]",
        "model.layers.1.mlp_norm.weight [32]",
        "model.layers.1.mlp.gate_proj.weight [48, 32]",
        "model.layers.1.mlp.up_proj.weight [48, 32]",
        "model.layers.1.mlp.down_proj.weight [32, 48]",
        "model.norm.weight [32]",
        "lm_head.weight [61, 32]"
);

  private static ModelConfig goldenCaseConfig() {
    return Presets.load("tiny", List.of("vocabSize=61", "hiddenSize=32", "numLayers=2", "numAttnHeads=4",
        "numLactHeads=2", "interMulti=1", "windowSize=10", "chunkSize=12", "lowRank=4", "intermediateSize=48",
        "contextLength=64"));
  }

  @Test
  void namesShapesAndOrderAreTheOfficialStateDict() {
    ParamLayout layout = LactModelLayout.of(goldenCaseConfig());
    List<String> ours = layout.specs().stream().map(s -> s.name() + " " + Arrays.toString(s.shape()))
        .collect(Collectors.toList());
    assertEquals(OFFICIAL, ours);
  }

  @Test
  void optionalParametersFollowTheConfig() {
    ModelConfig c = Presets.load("tiny", List.of("lowRank=0", "tieWordEmbeddings=true", "useMomentum=false",
        "learnableTttScale=false", "attnQkNorm=true"));
    ParamLayout l = LactModelLayout.of(c);
    assertEquals(List.of(2, 32, 32), asList(l.spec("model.layers.0.attn.w0").shape()));
    assertTrue(!l.names().contains("lm_head.weight"));
    assertTrue(l.names().stream().noneMatch(n -> n.contains("momentum_proj") || n.contains("ttt_scale_proj")));
    assertEquals(List.of(64), asList(l.spec("model.layers.1.attn.k_norm.weight").shape()));
  }

  @Test
  void initialisationFollowsTheSpecAndIsReproducible() {
    ModelConfig c = Presets.load("small");
    ParamLayout l = LactModelLayout.of(c);
    float[] a = new float[Math.toIntExact(l.size())];
    l.initialise(a, 7);
    float[] b = new float[a.length];
    l.initialise(b, 7);
    assertTrue(Arrays.equals(a, b), "same seed, same values");
    assertEquals(0.02, std(a, l, "model.layers.0.attn.qkv.weight"), 0.002);
    assertEquals(1 / Math.sqrt(c.fastHiddenDim()), std(a, l, "model.layers.0.attn.w1"), 0.01 / Math.sqrt(c.fastHiddenDim()) * 5);
    assertEquals(0.5 / Math.sqrt(32), std(a, l, "model.layers.2.attn.w0.w_left"), 0.01);
    assertEquals(1.0, a[Math.toIntExact(l.offset("model.layers.3.attn.qk_scale"))], 0.0);
    assertEquals(0.0, a[Math.toIntExact(l.offset("model.layers.3.attn.lr_proj.bias"))], 0.0);
    float[] other = new float[a.length];
    l.initialise(other, 8);
    assertTrue(!Arrays.equals(a, other), "another seed, other values");
    // adding a parameter elsewhere leaves the others' initial values alone
    ParamLayout tied = LactModelLayout.of(Presets.load("small", List.of("tieWordEmbeddings=true")));
    float[] t = new float[Math.toIntExact(tied.size())];
    tied.initialise(t, 7);
    int off = Math.toIntExact(l.offset("model.layers.1.mlp.up_proj.weight"));
    int offT = Math.toIntExact(tied.offset("model.layers.1.mlp.up_proj.weight"));
    assertEquals(a[off + 5], t[offT + 5], 0.0);
  }

  @Test
  void misuseIsAClearError() {
    ParamLayout l = LactModelLayout.of(Presets.load("tiny"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.spec("model.missing"));
    assertTrue(e.getMessage().contains("model.missing"));
    e = assertThrows(IllegalArgumentException.class, () -> l.initialise(new float[3], 1));
    assertTrue(e.getMessage().contains("length 3"));
    ParamSpec s = new ParamSpec("x", new int[] {2}, ParamInit.ZEROS);
    e = assertThrows(IllegalArgumentException.class, () -> new ParamLayout(List.of(s, s)));
    assertTrue(e.getMessage().contains("'x' is declared twice"));
  }

  private static List<Integer> asList(int[] a) {
    return Arrays.stream(a).boxed().collect(Collectors.toList());
  }

  private static double std(float[] flat, ParamLayout l, String name) {
    int off = Math.toIntExact(l.offset(name));
    int n = Math.toIntExact(l.spec(name).size());
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += flat[off + i] * flat[off + i];
    }
    return Math.sqrt(s / n);
  }
}
