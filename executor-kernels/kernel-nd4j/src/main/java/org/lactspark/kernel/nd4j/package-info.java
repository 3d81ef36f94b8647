/**
 * The ND4J implementation of the kernel API (CPU {@code nd4j-native} by default; an
 * {@code nd4j-cuda-11.x} build profile serves GPUs up to sm_86).
 *
 * <p>The op runs all {@code n} instances at once: elementwise work is one ND4J op over
 * {@code [n, C, d]} blocks, matrix products go straight to BLAS ({@code Nd4j.gemm}) per instance on
 * views, with accumulation into the gradient buffers through BLAS's {@code beta}. Temporaries live
 * in a per-step ND4J workspace, so memory is reused chunk after chunk and freed deterministically.
 * The maths is the reference's ({@code org.lactspark.kernel.reference}), batched.
 */
package org.lactspark.kernel.nd4j;
