package org.lactspark.kernel.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamLayout;

/** AdamW against the textbook recursion, its decoupled decay, its mask and its state. */
class AdamWTest {

  @Test
  void matchesTheTextbookRecursionOverSeveralSteps() {
    AdamWConfig cfg = new AdamWConfig(0.9, 0.95, 1e-8, 0.1);
    Random rnd = new Random(1);
    int n = 7;
    float[] p = new float[n];
    double[] ref = new double[n];
    double[] m = new double[n];
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      p[i] = (float) rnd.nextGaussian();
      ref[i] = p[i];
    }
    AdamW opt = new AdamW(cfg, n, null);
    for (int t = 1; t <= 5; t++) {
      float[] g = new float[n];
      for (int i = 0; i < n; i++) {
        g[i] = (float) rnd.nextGaussian();
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.95 * v[i] + 0.05 * g[i] * g[i];
        double mh = m[i] / (1 - Math.pow(0.9, t));
        double vh = v[i] / (1 - Math.pow(0.95, t));
        ref[i] = ref[i] - 1e-2 * (mh / (Math.sqrt(vh) + 1e-8) + 0.1 * ref[i]);
      }
      opt.step(p, g, 1e-2);
    }
    for (int i = 0; i < n; i++) {
      assertEquals(ref[i], p[i], 1e-5, "element " + i);
    }
    assertEquals(5, opt.steps());
  }

  @Test
  void firstStepMovesEachElementByTheLearningRateAgainstItsGradient() {
    AdamW opt = new AdamW(new AdamWConfig(0.9, 0.95, 1e-15, 0.0), 3, null);
    float[] p = {1, 1, 1};
    opt.step(p, new float[] {3, -0.01f, 0}, 0.5);
    assertArrayEquals(new float[] {0.5f, 1.5f, 1f}, p, 1e-6f);
  }

  @Test
  void weightDecayIsDecoupledAndFollowsTheMask() {
    ParamLayout layout = LactModelLayout.of(Presets.load("tiny"));
    AdamW opt = AdamW.forLayout(new AdamWConfig(0.9, 0.95, 1e-15, 0.1), layout);
    float[] p = new float[Math.toIntExact(layout.size())];
    java.util.Arrays.fill(p, 2f);
    opt.step(p, new float[p.length], 0.01);
    int matrix = Math.toIntExact(layout.offset("model.layers.0.attn.qkv.weight"));
    int norm = Math.toIntExact(layout.offset("model.layers.0.attn_norm.weight"));
    assertEquals(2 - 0.01 * 0.1 * 2, p[matrix], 1e-6, "matrices decay by lr * wd * p, gradient or not");
    assertEquals(2f, p[norm], 0f, "vectors do not decay");
  }

  @Test
  void stateRoundTripsSoAResumedRunFollowsTheSameTrajectory() {
    AdamWConfig cfg = AdamWConfig.DEFAULT;
    float[] a = {0.3f, -1.2f, 2.5f};
    float[] b = a.clone();
    AdamW one = new AdamW(cfg, 3, null);
    AdamW two = new AdamW(cfg, 3, null);
    List<float[]> grads = List.of(new float[] {1, 2, 3}, new float[] {-1, 0.5f, 2}, new float[] {0.1f, -3, 1});
    one.step(a, grads.get(0), 1e-3);
    two.step(b, grads.get(0), 1e-3);
    AdamW resumed = new AdamW(cfg, 3, null);
    resumed.restore(two.state());
    for (float[] g : grads.subList(1, 3)) {
      one.step(a, g, 1e-3);
      resumed.step(b, g, 1e-3);
    }
    assertArrayEquals(a, b, 0f);
    assertEquals(3, resumed.steps());
  }

  @Test
  void aStepThatWouldOverflowChangesNothing() {
    AdamW a = new AdamW(AdamWConfig.DEFAULT, 2, null);
    float[] p = {1f, 2f};
    assertTrue(a.stepIfFinite(p, new float[] {0.5f, -0.5f}, 1e-3));
    float[] afterOne = p.clone();
    AdamW.State state = a.state();
    assertFalse(a.stepIfFinite(p, new float[] {0.5f, -0.5f}, 1e39));
    assertArrayEquals(afterOne, p);
    AdamW.State still = a.state();
    assertArrayEquals(state.m(), still.m());
    assertArrayEquals(state.v(), still.v());
    assertEquals(state.steps(), still.steps());
    AdamW plain = new AdamW(AdamWConfig.DEFAULT, 2, null);
    float[] q = {1f, 2f};
    plain.step(q, new float[] {0.5f, -0.5f}, 1e-3);
    assertArrayEquals(afterOne, q, "stepIfFinite takes the same step as step");
  }

  @Test
  void badSettingsAndSizesAreRejectedNamingThem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(1.0, 0.9, 1e-8, 0));
    assertTrue(e.getMessage().startsWith("beta1 = 1.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(0.9, 0.9, 0, 0));
    assertTrue(e.getMessage().startsWith("eps = 0.0"), e.getMessage());
    AdamW opt = new AdamW(AdamWConfig.DEFAULT, 2, null);
    e = assertThrows(IllegalArgumentException.class, () -> opt.step(new float[3], new float[3], 0.1));
    assertTrue(e.getMessage().contains("lengths 3/3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> opt.step(new float[2], new float[2], Double.NaN));
    assertTrue(e.getMessage().startsWith("lr = NaN"), e.getMessage());
  }
}
