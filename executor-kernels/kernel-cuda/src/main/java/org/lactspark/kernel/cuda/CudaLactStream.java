package org.lactspark.kernel.cuda;

import org.lactspark.kernel.AbstractLactStream;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.LactStreamShape;

/**
 * The CUDA {@link org.lactspark.kernel.LactStream}: the library keeps the fast weights,
 * accumulators, momentum buffers and target row norms on the device between calls, owned through a
 * {@link NativeHandle} until {@link #close()}. Arguments are checked by {@link AbstractLactStream},
 * so the messages are those of every backend. Not thread-safe (as the interface says), though a
 * racing close cannot free the state under a running call.
 */
final class CudaLactStream extends AbstractLactStream {
  private final NativeHandle handle;

  CudaLactStream(CudaLactKernel kernel, LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2) {
    super(spec, w0, w1, w2);
    LactStreamShape shape = shape();
    int[] dims = {shape.n(), shape.dIn(), shape.dH()};
    long h = NativeLact.streamOpen(kernel.precision(), kernel.update().code(), dims, NativeArgs.spec(spec),
        NativeArgs.ns(spec.nsSchedule()), w0.data(), w1.data(), w2.data());
    this.handle = new NativeHandle("stream", h, NativeLact::freeStream, "stream: closed");
  }

  @Override
  protected HostTensor readChecked(HostTensor q, int t) {
    double[] out = new double[q.size()];
    handle.accept(h -> NativeLact.streamRead(h, t, q.data(), out));
    return HostTensor.of(out, shape().n(), t, shape().dIn());
  }

  @Override
  protected void writeChecked(HostTensor k, HostTensor v, HostTensor lr0, HostTensor lr1, HostTensor lr2,
      HostTensor momentum, int c) {
    handle.accept(h -> NativeLact.streamWrite(h, c, k.data(), v.data(), lr0.data(), lr1.data(), lr2.data(),
        NativeArgs.dataOrNull(momentum)));
  }

  @Override
  protected HostTensor[] weightsChecked() {
    int n = shape().n();
    int dIn = shape().dIn();
    int dH = shape().dH();
    double[] w0 = new double[n * dH * dIn];
    double[] w1 = new double[n * dIn * dH];
    double[] w2 = new double[n * dH * dIn];
    handle.accept(h -> NativeLact.streamWeights(h, w0, w1, w2));
    return new HostTensor[] {HostTensor.of(w0, n, dH, dIn), HostTensor.of(w1, n, dIn, dH), HostTensor.of(w2, n, dH, dIn)};
  }

  /** Frees the device state. */
  @Override
  protected void release() {
    handle.close();
  }
}
