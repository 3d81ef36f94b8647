/**
 * {@code bin/lact harness}: a model engine trained over a prepared dataset's shards outside Spark,
 * with the code a Spark task runs for a step ({@link org.lactspark.kernel.model.TrainSteps}) and the
 * driver's update ({@link org.lactspark.kernel.optim.UpdateStep}); for a GPU host that carries only
 * the kernel jars (no Spark, Hadoop or ND4J), where it shows that the native engine trains: the loss
 * falls and the throughput is reported.
 */
package org.lactspark.harness;
