package org.lactspark.kernel.cuda;

import java.util.Objects;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.NonFiniteException;

/**
 * A forward pass of {@link CudaLactKernel}: the output on the heap and the saved state in device
 * memory, owned through a {@link NativeHandle} until {@link #close()}. The backward may run any
 * number of times while the pass is open.
 */
final class CudaPass implements LactForwardPass {
  private final CudaLactKernel owner;
  private final LactSpec spec;
  private final int n;
  private final int dIn;
  private final int dH;
  private final int len;
  private final HostTensor out;
  private final NativeHandle handle;
  private final long savedBytes;

  /** Takes ownership of {@code handle} (frees it if asking for its size fails). */
  CudaPass(CudaLactKernel owner, LactSpec spec, int[] dims, HostTensor out, NativeHandle handle) {
    this.owner = owner;
    this.spec = spec;
    this.n = dims[0];
    this.dIn = dims[1];
    this.dH = dims[2];
    this.len = dims[3];
    this.out = out;
    this.handle = handle;
    try {
      this.savedBytes = handle.apply(NativeLact::savedBytes);
    } catch (RuntimeException e) {
      handle.close();
      throw e;
    }
  }

  /**
   * Checks that {@code pass} is an open pass of {@code kernel} and {@code dOut} fits it.
   *
   * @throws IllegalArgumentException for another kernel's pass or a misshapen or non-finite {@code dOut}
   * @throws IllegalStateException if the pass was closed
   */
  static CudaPass check(LactForwardPass pass, CudaLactKernel kernel, HostTensor dOut) {
    if (!(pass instanceof CudaPass p) || p.owner != kernel) {
      throw new IllegalArgumentException("pass: not a forward pass of this CUDA kernel");
    }
    p.handle.requireOpen();
    Objects.requireNonNull(dOut, "dOut");
    if (!dOut.sameShape(p.out)) {
      throw new IllegalArgumentException("dOut: expected shape " + p.out.shapeString() + ", got " + dOut.shapeString());
    }
    if (dOut.firstNonFinite() >= 0) {
      throw new NonFiniteException("dOut: contains a non-finite value");
    }
    return p;
  }

  /** The gradients of {@code sum(output * dOut)} ({@code dOut} checked by {@link #check}). */
  LactGradients backward(HostTensor dOut) {
    int tokens = n * len;
    double[][] g = {
      new double[n * dH * dIn], new double[n * dIn * dH], new double[n * dH * dIn],
      new double[tokens * dIn], new double[tokens * dIn], new double[tokens * dIn],
      new double[tokens], new double[tokens], new double[tokens],
      spec.momentum() ? new double[tokens] : null,
    };
    handle.accept(h -> NativeLact.backward(h, dOut.data(), g));
    return new LactGradients(
        HostTensor.of(g[0], n, dH, dIn), HostTensor.of(g[1], n, dIn, dH), HostTensor.of(g[2], n, dH, dIn),
        HostTensor.of(g[3], n, len, dIn), HostTensor.of(g[4], n, len, dIn), HostTensor.of(g[5], n, len, dIn),
        HostTensor.of(g[6], n, len, 1), HostTensor.of(g[7], n, len, 1), HostTensor.of(g[8], n, len, 1),
        g[9] == null ? null : HostTensor.of(g[9], n, len, 1));
  }

  @Override
  public HostTensor output() {
    return out;
  }

  /** Device bytes the pass holds for its backward; 0 once closed. */
  @Override
  public long savedStateBytes() {
    return handle.isClosed() ? 0 : savedBytes;
  }

  @Override
  public HostTensor[] finalWeights() {
    double[] w0 = new double[n * dH * dIn];
    double[] w1 = new double[n * dIn * dH];
    double[] w2 = new double[n * dH * dIn];
    handle.accept(h -> NativeLact.finalWeights(h, w0, w1, w2));
    return new HostTensor[] {HostTensor.of(w0, n, dH, dIn), HostTensor.of(w1, n, dIn, dH), HostTensor.of(w2, n, dH, dIn)};
  }

  /** Frees the device memory; idempotent. */
  @Override
  public void close() {
    handle.close();
  }
}
