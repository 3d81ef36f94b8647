package org.lactspark.kernel.cli;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.DeviceTimedKernel;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.LactStream;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.reference.ReferenceBackend;
import org.lactspark.kernel.spi.KernelBackend;

/**
 * A test-only backend named {@value #NAME} (registered in this module's test resources, priority
 * below the reference, so never chosen automatically): the reference kernel plus a {@link
 * DeviceTimedKernel} that returns {@link #TIMING} and remembers the counts it was asked for.
 */
public final class DeviceTimedTestBackend implements KernelBackend {
  /** The backend's name. */
  public static final String NAME = "device-timed-test";

  /** What every {@code timeOnDevice} call returns. */
  public static final DeviceTimedKernel.DeviceTiming TIMING = new DeviceTimedKernel.DeviceTiming(2.0, 6.0, 1234, 99);

  /** The {@code warmup} and {@code runs} of the last {@code timeOnDevice} call. */
  static volatile int[] lastCounts;

  /** For ServiceLoader. */
  public DeviceTimedTestBackend() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "reference kernel with a fixed device timing (tests only)";
  }

  @Override
  public int priority() {
    return -1;
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
    return new Timed(new ReferenceBackend().kernel(dtype));
  }

  @Override
  public long memoryInUseBytes() {
    return 0;
  }

  private record Timed(LactKernel ref) implements LactKernel, DeviceTimedKernel {
    @Override
    public DType dtype() {
      return ref.dtype();
    }

    @Override
    public LactForwardPass forward(LactSpec spec, LactInputs inputs) {
      return ref.forward(spec, inputs);
    }

    @Override
    public LactGradients backward(LactForwardPass pass, HostTensor dOut) {
      return ref.backward(pass, dOut);
    }

    @Override
    public LactStream stream(LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2) {
      return ref.stream(spec, w0, w1, w2);
    }

    @Override
    public HostTensor newtonSchulz(HostTensor g, NewtonSchulzSchedule schedule) {
      return ref.newtonSchulz(g, schedule);
    }

    @Override
    public HostTensor newtonSchulzBackward(HostTensor g, HostTensor dX, NewtonSchulzSchedule schedule) {
      return ref.newtonSchulzBackward(g, dX, schedule);
    }

    @Override
    public DeviceTiming timeOnDevice(LactSpec spec, LactInputs in, HostTensor dOut, int warmup, int runs) {
      lastCounts = new int[] {warmup, runs};
      return TIMING;
    }
  }
}
