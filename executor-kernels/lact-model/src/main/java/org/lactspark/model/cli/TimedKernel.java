package org.lactspark.model.cli;

import java.util.concurrent.atomic.AtomicLong;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.LactStream;
import org.lactspark.kernel.NewtonSchulzSchedule;

/** A kernel that adds the wall time of every forward and backward to a counter. */
final class TimedKernel implements LactKernel {
  private final LactKernel inner;
  private final AtomicLong nanos;
  private final AtomicLong flops;

  TimedKernel(LactKernel inner, AtomicLong nanos, AtomicLong flops) {
    this.inner = inner;
    this.nanos = nanos;
    this.flops = flops;
  }

  @Override
  public DType dtype() {
    return inner.dtype();
  }

  @Override
  public LactForwardPass forward(LactSpec spec, LactInputs in) {
    long t = System.nanoTime();
    try {
      return inner.forward(spec, in);
    } finally {
      nanos.addAndGet(System.nanoTime() - t);
      flops.addAndGet((long) org.lactspark.kernel.LactFlops.forwardBackward(spec, in.n(), in.dIn(), in.dH(), in.seqLen()));
    }
  }

  @Override
  public LactGradients backward(LactForwardPass pass, HostTensor dOut) {
    long t = System.nanoTime();
    try {
      return inner.backward(pass, dOut);
    } finally {
      nanos.addAndGet(System.nanoTime() - t);
    }
  }

  /** Streams are not timed: the benchmark times training steps, which never stream. */
  @Override
  public LactStream stream(LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2) {
    return inner.stream(spec, w0, w1, w2);
  }

  @Override
  public HostTensor newtonSchulz(HostTensor g, NewtonSchulzSchedule schedule) {
    return inner.newtonSchulz(g, schedule);
  }

  @Override
  public HostTensor newtonSchulzBackward(HostTensor g, HostTensor dX, NewtonSchulzSchedule schedule) {
    return inner.newtonSchulzBackward(g, dX, schedule);
  }
}
