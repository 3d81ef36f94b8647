/**
 * The native CUDA backend of the kernel API ({@link org.lactspark.kernel.cuda.CudaBackend}, named
 * {@code cuda}): the LaCT op, its backward, Newton-Schulz and streams on one NVIDIA GPU through
 * {@code liblactcuda.so} (sources in {@code src/main/native}, carried inside the jar).
 *
 * <p>The JNI surface is one package-private class, {@code NativeLact}; everything else here checks
 * arguments exactly as the other backends do before calling it, owns the native handles ({@code
 * NativeHandle}: closed by their owner, freed by a {@link java.lang.ref.Cleaner} as a last resort)
 * and turns a missing library or device into an unavailability reason ({@code NativeLibrary}).
 * Native failures arrive as {@link org.lactspark.kernel.cuda.CudaException}. Public API: {@code
 * CudaBackend} and {@code CudaException}; the rest is internal. Depends on {@code kernel-api} and
 * SLF4J only: no ND4J, Spark or Hadoop, so it runs on a GPU host with a small bundled runtime.
 */
package org.lactspark.kernel.cuda;
