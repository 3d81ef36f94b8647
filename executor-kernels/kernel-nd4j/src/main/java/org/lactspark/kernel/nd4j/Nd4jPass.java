package org.lactspark.kernel.nd4j;

import java.util.List;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactForwardPass;
import org.lactspark.kernel.LactSchedule;
import org.lactspark.kernel.LactSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A forward pass of {@link Nd4jLactKernel}: the output and the saved fast-weight states. */
final class Nd4jPass implements LactForwardPass {
  final LactSpec spec;
  final OpInputs inputs;
  final LactSchedule schedule;
  final INDArray[] rho;
  private final HostTensor out;
  private final Nd4jLactKernel owner;
  private List<Nd4jLactKernel.State> versions;

  Nd4jPass(LactSpec spec, OpInputs inputs, LactSchedule schedule, HostTensor out, INDArray[] rho,
      List<Nd4jLactKernel.State> versions, Nd4jLactKernel owner) {
    this.spec = spec;
    this.inputs = inputs;
    this.schedule = schedule;
    this.out = out;
    this.rho = rho;
    this.versions = versions;
    this.owner = owner;
  }

  /** Checks that {@code pass} is an open pass of {@code kernel} and {@code dOut} fits it. */
  static Nd4jPass check(LactForwardPass pass, Nd4jLactKernel kernel, HostTensor dOut) {
    if (!(pass instanceof Nd4jPass p) || p.owner != kernel) {
      throw new IllegalArgumentException("pass: not a forward pass of this ND4J kernel");
    }
    if (p.versions == null) {
      throw new IllegalStateException("pass: the forward pass was closed");
    }
    if (!dOut.sameShape(p.out)) {
      throw new IllegalArgumentException(
          "dOut: expected shape " + p.out.shapeString() + ", got " + dOut.shapeString());
    }
    if (dOut.firstNonFinite() >= 0) {
      throw new org.lactspark.kernel.NonFiniteException("dOut: contains a non-finite value");
    }
    return p;
  }

  List<Nd4jLactKernel.State> versions() {
    return versions;
  }

  @Override
  public HostTensor output() {
    return out;
  }

  @Override
  public long savedStateBytes() {
    if (versions == null) {
      return 0;
    }
    return versions.stream().mapToLong(Nd4jLactKernel.State::bytes).sum();
  }

  @Override
  public HostTensor[] finalWeights() {
    if (versions == null) {
      throw new IllegalStateException("pass: the forward pass was closed");
    }
    INDArray[] w = versions.get(versions.size() - 1).w();
    ArrayPool pool = owner.pool();
    return new HostTensor[] {pool.toHost(w[0]), pool.toHost(w[1]), pool.toHost(w[2])};
  }

  @Override
  public void close() {
    if (versions == null) {
      return;
    }
    for (Nd4jLactKernel.State s : versions.subList(1, versions.size())) {
      s.close();
    }
    if (versions.get(0).m() != null) {
      Tape.free(versions.get(0).m());
    }
    Tape.free(rho);
    inputs.release(owner.pool());
    versions = null;
  }
}
