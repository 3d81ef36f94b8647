/**
 * The LaCT language model as a DL4J {@code ComputationGraph}: built from a {@link
 * org.lactspark.conf.ModelConfig} ({@link LactModels}), its parameters exchanged with the flat
 * layout of {@code org.lactspark.kernel.params} without DL4J objects ({@link ModelParams}), and saved
 * and loaded as the project's model file ({@link ModelFiles}).
 */
package org.lactspark.model.graph;
