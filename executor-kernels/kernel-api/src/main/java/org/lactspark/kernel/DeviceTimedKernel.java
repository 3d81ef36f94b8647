package org.lactspark.kernel;

/**
 * Optional capability of a {@link LactKernel} that runs on an accelerator: timing the op with its
 * inputs already in device memory, so that the numbers measure the op and not the copies between
 * the JVM heap and the device (which {@link LactKernel#forward} and {@link LactKernel#backward}
 * include, as every caller of the kernel API pays them). Benchmarks check for it with {@code
 * instanceof}.
 */
public interface DeviceTimedKernel {

  /**
   * Times the op on the device: the inputs are uploaded once, then {@code warmup} untimed and
   * {@code runs} timed forwards, then as many forward-plus-backward runs (upstream gradient {@code
   * dOut}), each timed with device events.
   *
   * @param spec the op
   * @param in its inputs
   * @param dOut the upstream gradient {@code [n, L, dIn]}
   * @param warmup untimed runs before each timed series, {@code >= 0}
   * @param runs timed runs per series, {@code >= 1}; the medians are reported
   * @throws IllegalArgumentException if the inputs do not fit the spec, {@code dOut} is misshapen
   *     or not finite, or a count is out of range (naming it)
   * @throws KernelException if the device fails
   */
  DeviceTiming timeOnDevice(LactSpec spec, LactInputs in, HostTensor dOut, int warmup, int runs);

  /**
   * What {@link #timeOnDevice} measured.
   *
   * @param forwardMs median milliseconds of one forward
   * @param forwardBackwardMs median milliseconds of one forward plus its backward
   * @param peakBytes the most device memory the kernel held during the runs above what it held
   *     before them (inputs already uploaded)
   * @param savedBytes device memory one forward pass keeps for its backward
   */
  record DeviceTiming(double forwardMs, double forwardBackwardMs, long peakBytes, long savedBytes) {

    /** Checks that the times are positive and finite and the byte counts not negative. */
    public DeviceTiming {
      if (!(forwardMs > 0 && Double.isFinite(forwardMs))) {
        throw new IllegalArgumentException("forwardMs = " + forwardMs + ": must be finite and > 0");
      }
      if (!(forwardBackwardMs > 0 && Double.isFinite(forwardBackwardMs))) {
        throw new IllegalArgumentException(
            "forwardBackwardMs = " + forwardBackwardMs + ": must be finite and > 0");
      }
      if (peakBytes < 0) {
        throw new IllegalArgumentException("peakBytes = " + peakBytes + ": must be >= 0");
      }
      if (savedBytes < 0) {
        throw new IllegalArgumentException("savedBytes = " + savedBytes + ": must be >= 0");
      }
    }
  }
}
