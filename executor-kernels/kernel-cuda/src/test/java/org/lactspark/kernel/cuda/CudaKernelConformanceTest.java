package org.lactspark.kernel.cuda;

import org.lactspark.kernel.spi.KernelBackend;
import org.lactspark.kernel.testkit.AbstractLactKernelConformanceTest;

/**
 * The CUDA backend against the golden vectors, the reference, finite differences, the invariants
 * and its own streams, in every precision it declares (the testkit's whole suite: {@code
 * AbstractLactKernelConformanceTest} extends the invariant and stream suites). GPU only.
 */
@RequiresCuda
class CudaKernelConformanceTest extends AbstractLactKernelConformanceTest {
  private static final KernelBackend BACKEND = new CudaBackend();

  @Override
  protected KernelBackend backend() {
    return BACKEND;
  }
}
