package org.lactspark.kernel.optim;

/**
 * AdamW hyper-parameters, validated at construction (the message names the field).
 *
 * @param beta1 first-moment decay, in [0, 1)
 * @param beta2 second-moment decay, in [0, 1)
 * @param eps added to the root of the second moment, > 0 (the paper's recipe uses 1e-15)
 * @param weightDecay decoupled weight decay per unit learning rate, >= 0
 */
public record AdamWConfig(double beta1, double beta2, double eps, double weightDecay) implements java.io.Serializable {

  /**
   * The defaults: eps 1e-15 as the language-model recipe (lact-spec 1.12, which gives no betas or
   * decay); betas 0.9 / 0.95 as the NVS recipe (lact-spec 2); weight decay 0.1, a common choice for
   * language models. The train job will make all four configurable.
   */
  public static final AdamWConfig DEFAULT = new AdamWConfig(0.9, 0.95, 1e-15, 0.1);

  /** Validates every field. */
  public AdamWConfig {
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException("beta1 = " + beta1 + ": must be in [0, 1)");
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("beta2 = " + beta2 + ": must be in [0, 1)");
    }
    if (!(eps > 0) || !Double.isFinite(eps)) {
      throw new IllegalArgumentException("eps = " + eps + ": must be > 0 and finite");
    }
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw new IllegalArgumentException("weightDecay = " + weightDecay + ": must be >= 0 and finite");
    }
  }
}
