/**
 * Scoring as a Spark ML stage: {@link org.lactspark.driver.ml.SequenceLossScorer}, a {@code
 * Transformer} that adds each token sequence's loss under a checkpoint to a DataFrame, so that
 * evaluation fits in an existing Spark ML pipeline. The numbers are those of {@code bin/lact eval}:
 * the same executor-resident model ({@link org.lactspark.driver.dist.Workers}), the same forward
 * pass and the same scoring rule ({@link org.lactspark.kernel.model.LossTargets}).
 */
package org.lactspark.driver.ml;
