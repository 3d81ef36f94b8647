package org.lactspark.kernel.spi;

import java.util.Optional;
import java.util.Set;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.LactKernel;

/**
 * A compute backend: the reference, ND4J, or a native library. Implementations need a public
 * no-argument constructor and must be cheap to construct; expensive start-up belongs in {@link
 * #kernel(DType)}.
 */
public interface KernelBackend {

  /** The short name used by {@code --backend}, for example {@code nd4j}. */
  String name();

  /** One line saying what this backend is (library, version, device). */
  String description();

  /** Higher is preferred when no backend is named. */
  int priority();

  /** The precisions {@link #kernel(DType)} accepts. */
  Set<DType> supportedDTypes();

  /**
   * Why this backend cannot run here (library not found, no device), or empty if it can.
   * Must not throw.
   */
  Optional<String> unavailableReason();

  /**
   * The kernel for one precision.
   *
   * @throws IllegalArgumentException if the precision is not supported, naming it and the supported ones
   * @throws BackendUnavailableException if the backend cannot run here
   */
  LactKernel kernel(DType dtype);

  /**
   * A gauge of the memory this backend uses right now, which benchmarks sample for peak memory:
   * device memory in use for a GPU backend, the process's resident memory for a native CPU backend,
   * the heap in use for a heap-only one. Each backend's javadoc says which.
   */
  long memoryInUseBytes();

  /** Standard message for an unsupported precision. */
  default IllegalArgumentException unsupported(DType dtype) {
    return new IllegalArgumentException(
        "backend '" + name() + "' does not support dtype " + dtype + " (supported: " + supportedDTypes() + ")");
  }
}
