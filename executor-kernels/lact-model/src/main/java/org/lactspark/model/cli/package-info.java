/**
 * Command-line pieces of the model: {@code model import|export|golden} (mounted by {@link
 * org.lactspark.kernel.cli.CliExtension}), the {@code nd4j} backend of {@code bench train-step}
 * (a {@link org.lactspark.kernel.cli.TrainStepBenchmark}; the command itself is kernel-api's), and
 * the GEMM peak the train job's MFU divides by.
 */
package org.lactspark.model.cli;
