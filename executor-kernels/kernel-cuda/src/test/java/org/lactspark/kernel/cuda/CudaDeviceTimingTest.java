package org.lactspark.kernel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.DeviceTimedKernel;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.synth.SyntheticLactInputs;

/**
 * {@link DeviceTimedKernel#timeOnDevice} on every precision: sensible numbers, the pass's own
 * saved-state size, nothing left allocated, and its arguments checked. GPU only.
 */
@RequiresCuda
class CudaDeviceTimingTest {
  private static final CudaBackend BACKEND = new CudaBackend();

  @Test
  void timesEveryPrecisionAndLeavesNothingAllocated() {
    SyntheticLactInputs gen = new SyntheticLactInputs(7);
    LactInputs in = gen.next(2, 32, 48, 256, true);
    HostTensor dOut = gen.normal(2, 256, 32);
    LactSpec spec = LactSpec.blockCausal(64, true, true);
    for (DType t : BACKEND.supportedDTypes()) {
      DeviceTimedKernel k = assertInstanceOf(DeviceTimedKernel.class, BACKEND.kernel(t));
      long before = NativeLact.allocatedBytes();
      DeviceTimedKernel.DeviceTiming timing = k.timeOnDevice(spec, in, dOut, 1, 3);
      assertEquals(before, NativeLact.allocatedBytes(), t + ": allocations after timing");
      assertTrue(timing.forwardBackwardMs() > timing.forwardMs(), t + ": " + timing);
      assertTrue(timing.peakBytes() >= timing.savedBytes() && timing.savedBytes() > 0, t + ": " + timing);
      try (LactForwardPass p = BACKEND.kernel(t).forward(spec, in)) {
        assertEquals(p.savedStateBytes(), timing.savedBytes(), t + ": saved state of one pass");
      }
    }
  }

  @Test
  void argumentsAreCheckedNamingThem() {
    SyntheticLactInputs gen = new SyntheticLactInputs(8);
    LactInputs in = gen.next(1, 8, 8, 32, false);
    LactSpec spec = LactSpec.blockCausal(8, false, false);
    DeviceTimedKernel k = (DeviceTimedKernel) BACKEND.kernel(DType.FLOAT32);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> k.timeOnDevice(spec, in, HostTensor.zeros(1, 31, 8), 0, 1));
    assertTrue(e.getMessage().startsWith("dOut:"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> k.timeOnDevice(spec, in, gen.normal(1, 32, 8), 0, 0));
    assertTrue(e.getMessage().startsWith("runs = 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> k.timeOnDevice(spec, in, gen.normal(1, 32, 8), -1, 1));
    assertTrue(e.getMessage().startsWith("warmup = -1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> k.timeOnDevice(spec.withMomentum(true), in, gen.normal(1, 32, 8), 0, 1));
    assertTrue(e.getMessage().startsWith("momentum:"), e.getMessage());
  }
}
