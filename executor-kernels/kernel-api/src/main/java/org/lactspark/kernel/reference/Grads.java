package org.lactspark.kernel.reference;

import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactGradients;
import org.lactspark.kernel.LactInputs;

/** Gradient accumulators shaped like the inputs. */
final class Grads {
  final HostTensor w0;
  final HostTensor w1;
  final HostTensor w2;
  final HostTensor q;
  final HostTensor k;
  final HostTensor v;
  final HostTensor lr0;
  final HostTensor lr1;
  final HostTensor lr2;
  final HostTensor momentum;

  Grads(LactInputs in, boolean withMomentum) {
    w0 = HostTensor.zeros(in.w0().shape());
    w1 = HostTensor.zeros(in.w1().shape());
    w2 = HostTensor.zeros(in.w2().shape());
    q = HostTensor.zeros(in.q().shape());
    k = HostTensor.zeros(in.k().shape());
    v = HostTensor.zeros(in.v().shape());
    lr0 = HostTensor.zeros(in.lr0().shape());
    lr1 = HostTensor.zeros(in.lr1().shape());
    lr2 = HostTensor.zeros(in.lr2().shape());
    momentum = withMomentum ? HostTensor.zeros(in.momentum().shape()) : null;
  }

  LactGradients toGradients() {
    return new LactGradients(w0, w1, w2, q, k, v, lr0, lr1, lr2, momentum);
  }
}
