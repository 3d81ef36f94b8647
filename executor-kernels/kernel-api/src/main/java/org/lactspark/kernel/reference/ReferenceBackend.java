package org.lactspark.kernel.reference;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.spi.KernelBackend;

/** The float64 reference as a backend named {@code reference}: always available, never preferred. */
public final class ReferenceBackend implements KernelBackend {
  /** The backend's name. */
  public static final String NAME = "reference";

  private static final LactKernel KERNEL = new ReferenceLactKernel();

  /** For ServiceLoader. */
  public ReferenceBackend() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "pure-Java float64 reference (slow; the oracle)";
  }

  @Override
  public int priority() {
    return 0;
  }

  @Override
  public Set<DType> supportedDTypes() {
    return EnumSet.of(DType.FLOAT64);
  }

  @Override
  public Optional<String> unavailableReason() {
    return Optional.empty();
  }

  @Override
  public LactKernel kernel(DType dtype) {
    if (dtype != DType.FLOAT64) {
      throw unsupported(dtype);
    }
    return KERNEL;
  }

  @Override
  public long memoryInUseBytes() {
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }
}
