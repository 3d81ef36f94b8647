package org.lactspark.kernel.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.function.DoubleUnaryOperator;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.reference.ReferenceBackend;
import org.lactspark.kernel.spi.KernelBackend;
import org.lactspark.kernel.synth.SyntheticLactInputs;

/**
 * What the conformance suite's layers share: the backend under test, the reference, seeded inputs
 * and small tensor edits. Every randomised test uses a fixed seed, printed in its display name or
 * message, so a failure reproduces.
 */
public abstract class KernelTestSupport {
  /** The float64 reference kernel, the oracle. */
  protected static final LactKernel REFERENCE = new ReferenceBackend().kernel(DType.FLOAT64);

  /** The backend under test. */
  protected abstract KernelBackend backend();

  /** The backend's kernel for {@code t}; the test is skipped (with the reason) if unsupported. */
  protected LactKernel kernel(DType t) {
    assumeTrue(backend().supportedDTypes().contains(t),
        () -> "backend " + backend().name() + " does not support " + t);
    return backend().kernel(t);
  }

  /** The float64 kernel under test. */
  protected LactKernel f64() {
    return kernel(DType.FLOAT64);
  }

  /** Seeded synthetic inputs; learning rates of scale {@code baseLr}. */
  protected static LactInputs inputs(long seed, int n, int dIn, int dH, int len, boolean momentum, double baseLr) {
    return new SyntheticLactInputs(seed).next(n, dIn, dH, len, momentum, baseLr);
  }

  /** A seeded standard-normal upstream gradient {@code [n, L, dIn]}. */
  protected static HostTensor upstream(long seed, LactInputs in) {
    return new SyntheticLactInputs(seed ^ 0x5DEECE66DL).normal(in.n(), in.seqLen(), in.dIn());
  }

  /** A copy of a {@code [n, L, d]} tensor with tokens {@code [from, to)} of every instance mapped. */
  protected static HostTensor editTokens(HostTensor t, int from, int to, DoubleUnaryOperator f) {
    HostTensor c = t.copy();
    int len = t.dim(1);
    int d = t.dim(2);
    for (int i = 0; i < t.dim(0); i++) {
      for (int tok = from; tok < to; tok++) {
        for (int j = 0; j < d; j++) {
          int idx = (i * len + tok) * d + j;
          c.data()[idx] = f.applyAsDouble(c.data()[idx]);
        }
      }
    }
    return c;
  }

  /**
   * Inputs with every per-token tensor edited on tokens {@code [from, to)} by {@code f}, except the
   * momentum coefficients, which become {@code 1 - m} there (they must stay in (0, 1)); weights
   * unchanged.
   */
  protected static LactInputs editAllTokens(LactInputs in, int from, int to, DoubleUnaryOperator f) {
    return new LactInputs(in.w0(), in.w1(), in.w2(), editTokens(in.q(), from, to, f),
        editTokens(in.k(), from, to, f), editTokens(in.v(), from, to, f),
        editTokens(in.lr0(), from, to, f), editTokens(in.lr1(), from, to, f),
        editTokens(in.lr2(), from, to, f),
        in.momentum() == null ? null : editTokens(in.momentum(), from, to, x -> 1 - x),
        in.writeMask());
  }

  /** A tensor of the given shape filled with {@code value}. */
  protected static HostTensor filled(double value, int... shape) {
    HostTensor t = HostTensor.zeros(shape);
    java.util.Arrays.fill(t.data(), value);
    return t;
  }

  /** The op's spec with the given switches, post-norm, block-causal. */
  protected static LactSpec spec(int chunk, boolean muon, boolean momentum) {
    return LactSpec.blockCausal(chunk, muon, momentum);
  }
}
