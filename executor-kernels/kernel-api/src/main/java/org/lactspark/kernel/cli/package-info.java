/**
 * The compute-only commands ({@code conformance}, {@code bench lact-op}, {@code bench train-step})
 * on picocli, and the model choice they share ({@link org.lactspark.kernel.cli.ModelChoice}). They
 * need only the kernel jars and a backend, so they run on a GPU host with a small bundled Java
 * runtime; {@code bench train-step} finds its backends' {@link
 * org.lactspark.kernel.cli.TrainStepBenchmark}s with ServiceLoader. A CLI package: the one place in
 * {@code kernel-api} that writes to standard output.
 */
package org.lactspark.kernel.cli;
