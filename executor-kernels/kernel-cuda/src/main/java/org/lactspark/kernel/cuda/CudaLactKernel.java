package org.lactspark.kernel.cuda;

import java.util.Arrays;
import java.util.Objects;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.DeviceTimedKernel;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.KernelException;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.LactStream;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.NonFiniteException;

/**
 * The LaCT op on the GPU through {@code liblactcuda}, in one precision (and, for bfloat16, one
 * {@link UpdatePath}). Arguments are checked here, as the other backends check them, before
 * anything crosses to the library; the library converts the float64 host arrays to the device
 * precision. A forward returns a {@link CudaPass} that holds the saved state in device memory until
 * it is closed. Thread-safe: the library serialises its calls.
 */
final class CudaLactKernel implements LactKernel, DeviceTimedKernel {
  private final DType dtype;
  private final int precision;
  private final UpdatePath update;
  private final int updateCode;

  /**
   * @param recomputeNs the backward recomputes Newton-Schulz's iterates instead of keeping them
   *     from the forward
   */
  CudaLactKernel(DType dtype, UpdatePath update, boolean recomputeNs) {
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    this.precision = NativeArgs.precision(dtype);
    this.update = Objects.requireNonNull(update, "update");
    this.updateCode = update.code() | (recomputeNs ? NativeLact.RECOMPUTE_NS : 0);
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  /** The update path this kernel passes to the library (used by bfloat16 only). */
  UpdatePath update() {
    return update;
  }

  /** The library's precision code. */
  int precision() {
    return precision;
  }

  /** {@code {n, dIn, dH, L}} of the inputs. */
  private static int[] dims(LactInputs in) {
    return new int[] {in.n(), in.dIn(), in.dH(), in.seqLen()};
  }

  @Override
  public LactForwardPass forward(LactSpec spec, LactInputs in) {
    Objects.requireNonNull(in, "inputs");
    in.checkAgainst(spec);
    int[] dims = dims(in);
    double[] out = new double[in.q().size()];
    long handle = NativeLact.forward(precision, updateCode, dims, NativeArgs.spec(spec),
        NativeArgs.ns(spec.nsSchedule()), in.w0().data(), in.w1().data(), in.w2().data(), in.q().data(),
        in.k().data(), in.v().data(), in.lr0().data(), in.lr1().data(), in.lr2().data(),
        spec.momentum() ? in.momentum().data() : null, NativeArgs.dataOrNull(in.writeMask()), out);
    NativeHandle h = new NativeHandle("forward pass", handle, NativeLact::freePass, "pass: the forward pass was closed");
    return new CudaPass(this, spec, dims, HostTensor.of(out, in.q().shape()), h);
  }

  @Override
  public LactGradients backward(LactForwardPass pass, HostTensor dOut) {
    return CudaPass.check(pass, this, dOut).backward(dOut);
  }

  @Override
  public LactStream stream(LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2) {
    return new CudaLactStream(this, spec, w0, w1, w2);
  }

  @Override
  public HostTensor newtonSchulz(HostTensor g, NewtonSchulzSchedule schedule) {
    checkBatch("g", g);
    Objects.requireNonNull(schedule, "schedule");
    double[] out = new double[g.size()];
    if (out.length > 0) {
      NativeLact.newtonSchulz(precision, updateCode, g.dim(0), g.dim(1), g.dim(2), NativeArgs.ns(schedule),
          g.data(), out);
    }
    return HostTensor.of(out, g.shape());
  }

  @Override
  public HostTensor newtonSchulzBackward(HostTensor g, HostTensor dX, NewtonSchulzSchedule schedule) {
    checkBatch("g", g);
    checkBatch("dX", dX);
    Objects.requireNonNull(schedule, "schedule");
    if (!dX.sameShape(g)) {
      throw new IllegalArgumentException("dX: expected shape " + g.shapeString() + ", got " + dX.shapeString());
    }
    double[] out = new double[g.size()];
    if (out.length > 0) {
      NativeLact.newtonSchulzBackward(precision, updateCode, g.dim(0), g.dim(1), g.dim(2),
          NativeArgs.ns(schedule), g.data(), dX.data(), out);
    }
    return HostTensor.of(out, g.shape());
  }

  private static void checkBatch(String name, HostTensor t) {
    Objects.requireNonNull(t, name);
    if (t.rank() != 3) {
      throw new IllegalArgumentException(name + ": expected rank 3 [b, rows, cols], got " + t.shapeString());
    }
    if (t.firstNonFinite() >= 0) {
      throw new NonFiniteException(name + ": contains a non-finite value");
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The library times the op without a write mask; inputs with one are refused.
   */
  @Override
  public DeviceTiming timeOnDevice(LactSpec spec, LactInputs in, HostTensor dOut, int warmup, int runs) {
    Objects.requireNonNull(in, "inputs");
    Objects.requireNonNull(dOut, "dOut");
    in.checkAgainst(spec);
    if (in.writeMask() != null) {
      throw new IllegalArgumentException("writeMask: timeOnDevice times the op with every token writing; "
          + "pass inputs without a write mask");
    }
    if (!dOut.sameShape(in.q())) {
      throw new IllegalArgumentException("dOut: expected shape " + in.q().shapeString() + ", got " + dOut.shapeString());
    }
    if (dOut.firstNonFinite() >= 0) {
      throw new NonFiniteException("dOut: contains a non-finite value");
    }
    if (warmup < 0) {
      throw new IllegalArgumentException("warmup = " + warmup + ": must be >= 0");
    }
    if (runs < 1) {
      throw new IllegalArgumentException("runs = " + runs + ": must be >= 1");
    }
    double[] r = NativeLact.timeOnDevice(precision, updateCode, dims(in), NativeArgs.spec(spec),
        NativeArgs.ns(spec.nsSchedule()), in.w0().data(), in.w1().data(), in.w2().data(), in.q().data(),
        in.k().data(), in.v().data(), in.lr0().data(), in.lr1().data(), in.lr2().data(),
        spec.momentum() ? in.momentum().data() : null, dOut.data(), warmup, runs);
    if (r == null || r.length != 4) {
      throw new KernelException("liblactcuda timeOnDevice returned " + Arrays.toString(r)
          + ": expected {forward ms, forward+backward ms, peak bytes, saved bytes}");
    }
    try {
      return new DeviceTiming(r[0], r[1], (long) r[2], (long) r[3]);
    } catch (IllegalArgumentException e) {
      throw new KernelException("liblactcuda timeOnDevice returned " + Arrays.toString(r) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "CudaLactKernel[" + dtype + (dtype == DType.BFLOAT16 ? ", update " + update : "") + "]";
  }
}
