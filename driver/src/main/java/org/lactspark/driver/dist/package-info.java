/**
 * Data-parallel training on Spark: {@link org.lactspark.driver.dist.SyncStep} (one pass, gradients
 * summed in task order) and {@link org.lactspark.driver.dist.AveragingRound} (K local steps, then
 * parameters averaged), both computing on executor-resident models ({@link
 * org.lactspark.driver.dist.Workers}, {@link org.lactspark.driver.dist.ModelWorker}). A worker's
 * training steps run on a {@link org.lactspark.kernel.model.ModelEngine} chosen by the train key
 * {@code engine} for the GPU Spark assigned the task ({@link org.lactspark.driver.dist.GpuBinding},
 * the only place that reads Spark's resources); evaluation runs on the DL4J graph.
 */
package org.lactspark.driver.dist;
