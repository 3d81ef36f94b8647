/**
 * The {@code nd4j} {@link org.lactspark.kernel.model.ModelEngine}: the DL4J graph of {@link
 * org.lactspark.model.graph.LactModels} behind the engine interface, registered through {@link
 * java.util.ServiceLoader} ({@link org.lactspark.model.engine.Nd4jEngineProvider}). It runs
 * anywhere ND4J runs (its CPU backend, or ND4J's CUDA backend bound to the task's GPU), so it is
 * the engine every other one falls back to. {@link org.lactspark.model.engine.GraphInputs} is the
 * one place a {@link org.lactspark.kernel.model.TokenBatch} becomes the graph's input arrays.
 */
package org.lactspark.model.engine;
