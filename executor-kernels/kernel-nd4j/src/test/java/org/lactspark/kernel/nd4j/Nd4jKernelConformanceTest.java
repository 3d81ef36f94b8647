package org.lactspark.kernel.nd4j;

import org.lactspark.kernel.spi.KernelBackend;
import org.lactspark.kernel.testkit.AbstractLactKernelConformanceTest;

/** The ND4J backend against the golden vectors, the reference and finite differences. */
class Nd4jKernelConformanceTest extends AbstractLactKernelConformanceTest {
  private static final KernelBackend BACKEND = new Nd4jBackend();

  @Override
  protected KernelBackend backend() {
    return BACKEND;
  }
}
