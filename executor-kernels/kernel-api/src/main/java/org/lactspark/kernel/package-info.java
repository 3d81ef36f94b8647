/**
 * The kernel contracts: what an executor computes, independent of who computes it.
 *
 * <p>The central operation is the LaCT fast-weight op ({@link org.lactspark.kernel.LactKernel}):
 * block-causal apply-then-update (or bidirectional update-then-apply) of a per-head SwiGLU fast
 * weight, with per-token learning rates, optional momentum and Muon, and row renormalisation,
 * forward and hand-written backward. Tensors cross this API as {@link
 * org.lactspark.kernel.HostTensor} (row-major float64 host arrays) so that the API, its reference
 * implementation and its conformance suite need neither ND4J nor Spark: the native GPU backend runs
 * them on a host with only a small Java runtime.
 *
 * <p>Public and stable within a minor version. Depends on the JDK only.
 */
package org.lactspark.kernel;
