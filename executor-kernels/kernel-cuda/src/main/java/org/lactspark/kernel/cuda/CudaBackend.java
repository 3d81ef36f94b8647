package org.lactspark.kernel.cuda;

import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.spi.BackendUnavailableException;
import org.lactspark.kernel.spi.KernelBackend;

/**
 * The native CUDA backend, named {@value #NAME}: float64, float32 and bfloat16 on one NVIDIA GPU
 * through {@code liblactcuda.so}, which the kernel-cuda jar carries. Preferred over ND4J when it
 * can run. Construction is free; the library is loaded and its device started on the first call
 * that needs it ({@link #unavailableReason()}, {@link #kernel}).
 *
 * <p>System properties: {@code lact.cuda.library} (a {@code liblactcuda.so} to load instead of the
 * jar's), {@code lact.cuda.device} (device ordinal, default 0) and {@code lact.cuda.update} (the
 * update path of bfloat16 kernels: {@code bf16} as the official op, the default, {@code tf32} or
 * {@code fp32}; read by each {@link #kernel} call).
 */
public final class CudaBackend implements KernelBackend {
  /** The backend's name. */
  public static final String NAME = "cuda";

  private final Supplier<NativeLibrary> library;
  private final Map<KernelKey, CudaLactKernel> kernels = new ConcurrentHashMap<>();

  /** System property: {@code true} makes the backward recompute Newton-Schulz (saves memory). */
  static final String RECOMPUTE_NS_PROPERTY = "lact.cuda.recomputeNs";

  private record KernelKey(DType dtype, UpdatePath update, boolean recomputeNs) {}

  /** For ServiceLoader: the process-wide library, loaded on first use. */
  public CudaBackend() {
    this(NativeLibrary::get);
  }

  /** Over a given library (tests: a library from an explicit path). */
  CudaBackend(NativeLibrary library) {
    this(() -> library);
  }

  private CudaBackend(Supplier<NativeLibrary> library) {
    this.library = library;
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * The device line of the library (device, compute capability, memory, CUDA runtime and driver,
   * cuBLAS) and the bfloat16 update path; or why the backend cannot run.
   */
  @Override
  public String description() {
    Optional<String> why = unavailableReason();
    if (why.isPresent()) {
      return "CUDA via liblactcuda (unavailable: " + why.get() + ")";
    }
    String update;
    try {
      update = UpdatePath.fromSystemProperty().value();
    } catch (IllegalArgumentException e) {
      update = "invalid, " + e.getMessage();
    }
    NativeLibrary lib = library.get();
    return "CUDA device " + lib.device() + " via liblactcuda: " + lib.deviceLine() + "; bfloat16 update path "
        + update + " (" + UpdatePath.PROPERTY + ")";
  }

  /** 20: above ND4J (10) and the reference (0). */
  @Override
  public int priority() {
    return 20;
  }

  @Override
  public Set<DType> supportedDTypes() {
    return EnumSet.of(DType.FLOAT64, DType.FLOAT32, DType.BFLOAT16);
  }

  @Override
  public Optional<String> unavailableReason() {
    try {
      return library.get().failure();
    } catch (RuntimeException | LinkageError e) {
      return Optional.of("the CUDA backend failed to start: " + e);
    }
  }

  /**
   * The kernel for {@code dtype}; for bfloat16 with the update path {@code lact.cuda.update} names
   * now.
   *
   * @throws IllegalArgumentException for an unsupported dtype, or an invalid {@code
   *     lact.cuda.update} (naming the property and its value)
   * @throws BackendUnavailableException if the library or its device cannot be used, saying why
   */
  @Override
  public LactKernel kernel(DType dtype) {
    Objects.requireNonNull(dtype, "dtype");
    if (!supportedDTypes().contains(dtype)) {
      throw unsupported(dtype);
    }
    Optional<String> why = unavailableReason();
    if (why.isPresent()) {
      throw new BackendUnavailableException("backend '" + NAME + "' cannot run here: " + why.get());
    }
    UpdatePath update = UpdatePath.fromSystemProperty();
    boolean recompute = Boolean.getBoolean(RECOMPUTE_NS_PROPERTY);
    return kernels.computeIfAbsent(new KernelKey(dtype, update, recompute),
        k -> new CudaLactKernel(k.dtype(), k.update(), k.recomputeNs()));
  }

  /**
   * Device memory the library's own allocations hold right now (exact; not other processes', nor
   * the CUDA context's or cuBLAS's own); 0 when the backend cannot run.
   */
  @Override
  public long memoryInUseBytes() {
    return unavailableReason().isPresent() ? 0 : NativeLact.allocatedBytes();
  }
}
