package org.lactspark.kernel.reference;

import java.util.Arrays;
import org.lactspark.kernel.AbstractLactStream;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.LactStreamShape;

/**
 * The reference {@link LactStream}: per instance, the state the forward carries between chunks
 * ({@link ReferenceLactKernel.State}) and the initial row norms; each write runs the forward's own
 * {@link ReferenceLactKernel#update}.
 */
final class ReferenceLactStream extends AbstractLactStream {
  private final double[][][] rho;
  private ReferenceLactKernel.State[] states;

  ReferenceLactStream(LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2) {
    super(spec, w0, w1, w2);
    LactStreamShape shape = shape();
    int n = shape.n();
    int dIn = shape.dIn();
    int dH = shape.dH();
    int size = dH * dIn;
    rho = new double[n][][];
    states = new ReferenceLactKernel.State[n];
    for (int i = 0; i < n; i++) {
      // Mat.copyOf copies, so the caller's tensors may change afterwards.
      Mat[] w = {
        Mat.copyOf(w0.data(), i * size, dH, dIn), Mat.copyOf(w1.data(), i * size, dIn, dH),
        Mat.copyOf(w2.data(), i * size, dH, dIn)
      };
      rho[i] = ReferenceLactKernel.rowNorms(w);
      states[i] = ReferenceLactKernel.State.initial(spec, w);
    }
  }

  @Override
  protected HostTensor readChecked(HostTensor q, int t) {
    LactStreamShape shape = shape();
    int dIn = shape.dIn();
    HostTensor out = HostTensor.zeros(shape.n(), t, dIn);
    for (int i = 0; i < shape.n(); i++) {
      Mat o = SwiGluMath.apply(states[i].w(), Mat.copyOf(q.data(), i * t * dIn, t, dIn));
      System.arraycopy(o.a, 0, out.data(), i * t * dIn, o.a.length);
    }
    return out;
  }

  @Override
  protected void writeChecked(HostTensor k, HostTensor v, HostTensor lr0, HostTensor lr1, HostTensor lr2,
      HostTensor momentum, int c) {
    LactStreamShape shape = shape();
    int dIn = shape.dIn();
    double[] mask = new double[c];
    Arrays.fill(mask, 1.0);
    for (int i = 0; i < shape.n(); i++) {
      double[][] eta = {
        Arrays.copyOfRange(lr0.data(), i * c, (i + 1) * c), Arrays.copyOfRange(lr1.data(), i * c, (i + 1) * c),
        Arrays.copyOfRange(lr2.data(), i * c, (i + 1) * c)
      };
      double[] m = momentum == null ? new double[c] : Arrays.copyOfRange(momentum.data(), i * c, (i + 1) * c);
      Chunk chunk = new Chunk(Mat.copyOf(k.data(), i * c * dIn, c, dIn), Mat.copyOf(v.data(), i * c * dIn, c, dIn),
          eta, m, mask);
      states[i] = ReferenceLactKernel.update(spec(), states[i], rho[i], chunk).next();
    }
  }

  @Override
  protected HostTensor[] weightsChecked() {
    LactStreamShape shape = shape();
    int n = shape.n();
    HostTensor[] out = {
      HostTensor.zeros(n, shape.dH(), shape.dIn()), HostTensor.zeros(n, shape.dIn(), shape.dH()),
      HostTensor.zeros(n, shape.dH(), shape.dIn())
    };
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 3; j++) {
        double[] a = states[i].w()[j].a;
        System.arraycopy(a, 0, out[j].data(), i * a.length, a.length);
      }
    }
    return out;
  }

  @Override
  protected void release() {
    states = null;
  }
}
