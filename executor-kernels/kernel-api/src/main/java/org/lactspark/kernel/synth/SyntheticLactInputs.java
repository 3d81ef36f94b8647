package org.lactspark.kernel.synth;

import java.util.Random;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactInputs;

/**
 * Random LaCT op inputs with the scales the layer produces (lact-spec 1.3): fast weights
 * {@code N(0, 1/fan_in)}; queries and keys {@code silu} then L2-normalised per token; values
 * {@code silu} of a standard normal; learning rates {@code softplus(0.5 z + softplus^-1(base))};
 * momentum coefficients {@code sigmoid(z)}. The same seed always gives the same inputs.
 */
public final class SyntheticLactInputs {
  private final Random rnd;

  /** A generator with a fixed seed. */
  public SyntheticLactInputs(long seed) {
    this.rnd = new Random(seed);
  }

  /** Inputs of the given sizes, with base learning rate 1e-3. */
  public LactInputs next(int n, int dIn, int dH, int seqLen, boolean withMomentum) {
    return next(n, dIn, dH, seqLen, withMomentum, 1e-3);
  }

  /** Inputs of the given sizes and base learning rate. */
  public LactInputs next(int n, int dIn, int dH, int seqLen, boolean withMomentum, double baseLr) {
    HostTensor w0 = gaussian(1.0 / Math.sqrt(dIn), n, dH, dIn);
    HostTensor w1 = gaussian(1.0 / Math.sqrt(dH), n, dIn, dH);
    HostTensor w2 = gaussian(1.0 / Math.sqrt(dIn), n, dH, dIn);
    HostTensor q = unitRows(siluOf(gaussian(1.0, n, seqLen, dIn)), dIn);
    HostTensor k = unitRows(siluOf(gaussian(1.0, n, seqLen, dIn)), dIn);
    HostTensor v = siluOf(gaussian(1.0, n, seqLen, dIn));
    return LactInputs.of(w0, w1, w2, q, k, v, learningRates(n, seqLen, baseLr),
        learningRates(n, seqLen, baseLr), learningRates(n, seqLen, baseLr),
        withMomentum ? momentum(n, seqLen) : null);
  }

  /** A standard normal tensor, for upstream gradients. */
  public HostTensor normal(int... shape) {
    return gaussian(1.0, shape);
  }

  private HostTensor gaussian(double std, int... shape) {
    HostTensor t = HostTensor.zeros(shape);
    double[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = std * rnd.nextGaussian();
    }
    return t;
  }

  private static HostTensor siluOf(HostTensor t) {
    double[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = d[i] / (1.0 + Math.exp(-d[i]));
    }
    return t;
  }

  private static HostTensor unitRows(HostTensor t, int width) {
    double[] d = t.data();
    for (int r = 0; r < d.length; r += width) {
      double s = 0;
      for (int j = 0; j < width; j++) {
        s += d[r + j] * d[r + j];
      }
      double scale = 1.0 / (Math.sqrt(s) + 1e-5);
      for (int j = 0; j < width; j++) {
        d[r + j] *= scale;
      }
    }
    return t;
  }

  private HostTensor learningRates(int n, int len, double base) {
    double shift = base + Math.log(-Math.expm1(-base)); // softplus^-1(base)
    HostTensor t = gaussian(0.5, n, len, 1);
    double[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = Math.log1p(Math.exp(d[i] + shift));
    }
    return t;
  }

  private HostTensor momentum(int n, int len) {
    HostTensor t = gaussian(1.0, n, len, 1);
    double[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = 1.0 / (1.0 + Math.exp(-d[i]));
    }
    return t;
  }
}
