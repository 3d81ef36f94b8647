package org.lactspark.kernel.model;

import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.params.LactModelLayout;

/**
 * The FLOPs of one training step as the official model's reference measurement counts them, so
 * model-FLOPs utilisation compares across backends and with the reference: 6 x parameters x
 * tokens, plus per layer the attention's 12 x d x (sum over positions of min(i + 1, window)) and
 * the TTT op's 3 x [18 x d_f x d_h x L x heads + (with Muon) 3 x 30 x heads x d_f^3 x updates],
 * where updates = ceil(L / C) - 1 per sequence.
 */
public final class ModelFlops {
  private ModelFlops() {}

  /** FLOPs of a forward and backward over {@code batch} sequences of {@code length} tokens. */
  public static double step(ModelConfig c, int batch, int length) {
    double params = LactModelLayout.of(c).size();
    double tokens = (double) batch * length;
    double keys = 0;
    for (long i = 0; i < length; i++) {
      keys += Math.min(i + 1, (long) c.windowSize());
    }
    double attention = 12.0 * c.hiddenSize() * keys * batch;
    double ttt = 0;
    if (c.tttEnabled()) {
      double df = c.lactHeadDim();
      double heads = c.numLactHeads();
      long updates = Math.max(0, (length + c.chunkSize() - 1) / c.chunkSize() - 1);
      double op = 18.0 * df * c.fastHiddenDim() * length * heads;
      double muon = c.useMuon() ? 3.0 * 30.0 * heads * df * df * df * updates : 0.0;
      ttt = 3.0 * (op + muon) * batch;
    }
    return 6.0 * params * tokens + c.numLayers() * (attention + ttt);
  }
}
