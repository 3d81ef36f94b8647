package org.lactspark.kernel;

/** The order of applying and updating the fast weights. */
public enum LactMode {
  /**
   * Shifted block-causal (the language-model op): each chunk of {@code chunkSize} tokens is first
   * read with the current weights, then written into them; the last chunk, full or partial, is read
   * only. A token never reads weights its own chunk wrote.
   */
  BLOCK_CAUSAL,
  /**
   * Update, then apply (the set / novel-view-synthesis op): the writer tokens update the fast weights
   * once, as one chunk, then every token reads the updated weights.
   */
  BIDIRECTIONAL
}
