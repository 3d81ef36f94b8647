/**
 * The training step of a whole LaCT language model behind one interface, so the code a Spark task
 * runs is the same whatever computes it: {@link ModelEngine} (parameters in, summed loss and
 * gradient out), {@link TokenBatch} (token ids with document numbers), {@link LossTargets} (which
 * positions are scored against which token), and {@link ModelEngines}, which finds the registered
 * {@link ModelEngineProvider}s (ND4J in lact-model, the native CUDA model in kernel-cuda) and picks
 * one. Nothing here depends on ND4J, Spark or Hadoop.
 */
package org.lactspark.kernel.model;
