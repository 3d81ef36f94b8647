package org.lactspark.kernel.testkit;

import org.lactspark.kernel.reference.ReferenceBackend;
import org.lactspark.kernel.spi.KernelBackend;

/** The reference backend against the golden vectors, finite differences and itself. */
class ReferenceKernelConformanceTest extends AbstractLactKernelConformanceTest {
  @Override
  protected KernelBackend backend() {
    return new ReferenceBackend();
  }
}
