package org.lactspark.kernel.nd4j;

import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.javacpp.Pointer;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.spi.BackendUnavailableException;
import org.lactspark.kernel.spi.KernelBackend;
import org.nd4j.linalg.factory.Nd4j;

/** The ND4J backend, named {@code nd4j}: float64 and float32, preferred over the reference. */
public final class Nd4jBackend implements KernelBackend {
  /** The backend's name. */
  public static final String NAME = "nd4j";

  private final Map<DType, LactKernel> kernels = new ConcurrentHashMap<>();

  /** For ServiceLoader; does not start ND4J. */
  public Nd4jBackend() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    try {
      return "ND4J " + Nd4j.getBackend().getClass().getSimpleName() + " (" + Nd4j.getBackend().buildInfo().lines().findFirst().orElse("") + ")";
    } catch (RuntimeException | LinkageError e) {
      return "ND4J (not loaded)";
    }
  }

  @Override
  public int priority() {
    return 10;
  }

  @Override
  public Set<DType> supportedDTypes() {
    return EnumSet.of(DType.FLOAT64, DType.FLOAT32);
  }

  @Override
  public Optional<String> unavailableReason() {
    try {
      Nd4j.getBackend();
      return Optional.empty();
    } catch (RuntimeException | LinkageError e) {
      return Optional.of("ND4J failed to start: " + e);
    }
  }

  @Override
  public LactKernel kernel(DType dtype) {
    if (!supportedDTypes().contains(dtype)) {
      throw unsupported(dtype);
    }
    unavailableReason().ifPresent(why -> {
      throw new BackendUnavailableException(why);
    });
    BlasThreads.configureProcess();
    return kernels.computeIfAbsent(dtype, Nd4jLactKernel::new);
  }

  /**
   * The process's resident memory. ND4J 1.0.0-M2.1 on CPU keeps no cheap count of its native
   * buffers (JavaCPP's {@code totalBytes} misses them), so the resident set is the honest gauge.
   */
  @Override
  public long memoryInUseBytes() {
    return Pointer.physicalBytes();
  }
}
