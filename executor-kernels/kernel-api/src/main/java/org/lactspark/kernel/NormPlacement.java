package org.lactspark.kernel;

/** Where the row renormalisation of the fast weights sits relative to the update. */
public enum NormPlacement {
  /**
   * {@code W <- renorm(W + dW)} after every update (the released configurations;
   * {@code block_causal_lact_swiglu}).
   */
  POSTNORM,
  /**
   * Un-normalised accumulators {@code Wm <- Wm + dW}; the weights used are {@code renorm(Wm)}
   * ({@code prenorm_block_causal_lact_swiglu}). The first chunk uses the initial weights as given.
   */
  PRENORM
}
