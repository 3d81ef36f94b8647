package org.lactspark.kernel.testkit;

import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.LactSpec;

/** Runs one kernel's forward (and backward) and closes the pass. */
public final class OpRunner {
  private OpRunner() {}

  /** The output. */
  public static HostTensor forward(LactKernel k, LactSpec spec, LactInputs in) {
    try (LactForwardPass p = k.forward(spec, in)) {
      return p.output();
    }
  }

  /** The gradients of {@code sum(output * dOut)}. */
  public static LactGradients gradients(LactKernel k, LactSpec spec, LactInputs in, HostTensor dOut) {
    try (LactForwardPass p = k.forward(spec, in)) {
      return k.backward(p, dOut);
    }
  }

  /** {@code sum(output * dOut)}. */
  public static double loss(LactKernel k, LactSpec spec, LactInputs in, HostTensor dOut) {
    HostTensor o = forward(k, spec, in);
    double s = 0;
    for (int i = 0; i < o.size(); i++) {
      s += o.data()[i] * dOut.data()[i];
    }
    return s;
  }

  /** A deep copy of the inputs (the mask is shared; it is never modified). */
  public static LactInputs copy(LactInputs in) {
    return new LactInputs(in.w0().copy(), in.w1().copy(), in.w2().copy(), in.q().copy(), in.k().copy(),
        in.v().copy(), in.lr0().copy(), in.lr1().copy(), in.lr2().copy(),
        in.momentum() == null ? null : in.momentum().copy(), in.writeMask());
  }
}
