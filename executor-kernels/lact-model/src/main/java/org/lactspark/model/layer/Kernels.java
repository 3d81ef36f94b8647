package org.lactspark.model.layer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.spi.KernelBackends;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The LaCT op kernel for a layer: the named backend ({@code auto}: the best available) in the
 * network's precision. Kernels are thread-safe and shared by every layer of a JVM.
 */
public final class Kernels {
  private static final Map<String, LactKernel> CACHE = new ConcurrentHashMap<>();
  private static volatile java.util.function.UnaryOperator<LactKernel> decorator = k -> k;

  private Kernels() {}

  /**
   * The kernel for a layer.
   *
   * @throws IllegalArgumentException if the network's type is neither float nor double, or the
   *     backend is unknown or lacks that precision
   */
  static LactKernel of(String backend, DataType networkType) {
    DType dt = switch (networkType) {
      case DOUBLE -> DType.FLOAT64;
      case FLOAT -> DType.FLOAT32;
      default -> throw new IllegalArgumentException(
          "network data type " + networkType + ": the LaCT layers run in FLOAT or DOUBLE");
    };
    String name = backend == null || backend.isBlank() ? "auto" : backend;
    return CACHE.computeIfAbsent(name + "/" + dt, k -> decorator.apply(KernelBackends.select(name).kernel(dt)));
  }

  /**
   * Wraps every kernel handed to layers built from now on (benchmarks use it to time the op
   * inside a whole training step). Clears the cache.
   */
  public static void decorate(java.util.function.UnaryOperator<LactKernel> wrapper) {
    decorator = java.util.Objects.requireNonNull(wrapper, "wrapper");
    CACHE.clear();
  }
}
