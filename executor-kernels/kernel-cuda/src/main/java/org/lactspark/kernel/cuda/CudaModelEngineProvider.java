package org.lactspark.kernel.cuda;

import java.util.Optional;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.ModelEngineProvider;

/**
 * Registers the {@code cuda} model engine: preferred over ND4J on a task that Spark assigned a GPU
 * when {@code liblactcuda} loads there. Trains in bfloat16 products (float32 master weights and
 * accumulation) unless {@value #DTYPE_PROPERTY} says {@code float32} or {@code float64}.
 */
public final class CudaModelEngineProvider implements ModelEngineProvider {
  /** System property: the engine's precision ({@code bfloat16}, the default, {@code float32}, {@code float64}). */
  public static final String DTYPE_PROPERTY = "lact.cuda.modelDtype";

  @Override
  public String name() {
    return CudaBackend.NAME;
  }

  /** 20: above ND4J. */
  @Override
  public int priority() {
    return 20;
  }

  @Override
  public Optional<String> unavailableReason(ModelConfig config, int device) {
    if (device < 0) {
      return Optional.of("no GPU was assigned to this task");
    }
    NativeLibrary lib;
    try {
      lib = NativeLibrary.get();
    } catch (RuntimeException | LinkageError e) {
      return Optional.of("the CUDA library failed to start: " + e);
    }
    Optional<String> why = lib.failure();
    if (why.isPresent()) {
      return why;
    }
    if (lib.device() != device) {
      return Optional.of("liblactcuda runs on CUDA device " + lib.device() + " in this JVM (" + NativeLibrary.DEVICE_PROPERTY
          + "), but the task was assigned GPU " + device + "; give each executor one GPU or set " + NativeLibrary.DEVICE_PROPERTY);
    }
    try {
      dtype();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
    return Optional.empty();
  }

  @Override
  public ModelEngine open(ModelConfig config, int device) {
    return new CudaModelEngine(config, dtype());
  }

  static DType dtype() {
    String v = System.getProperty(DTYPE_PROPERTY, "bfloat16");
    try {
      return DType.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(DTYPE_PROPERTY + " = '" + v + "': " + e.getMessage(), e);
    }
  }
}
