package org.lactspark.kernel.nd4j;

import org.lactspark.kernel.AbstractLactStream;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J {@link LactStream}: one {@link Nd4jLactKernel.State} outside any workspace, replaced
 * (and the old one freed) by each write, which runs the forward's own {@link
 * Nd4jLactKernel#update}. Every call's temporaries live in the op's step workspace; inputs are
 * staged through the kernel's array pool.
 */
final class Nd4jLactStream extends AbstractLactStream {
  private final Nd4jLactKernel kernel;
  private final DataType dt;
  private final DataType path;
  private INDArray[] rho;
  private Nd4jLactKernel.State state;

  Nd4jLactStream(Nd4jLactKernel kernel, LactSpec spec, HostTensor w0, HostTensor w1, HostTensor w2) {
    super(spec, w0, w1, w2);
    this.kernel = kernel;
    this.dt = kernel.dataType();
    this.path = kernel.updatePathType(spec);
    // The state outlives every call: keep it out of whatever workspace the caller has open.
    try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      ArrayPool pool = kernel.pool();
      INDArray[] w = {pool.fill(w0, dt), pool.fill(w1, dt), pool.fill(w2, dt)};
      rho = new INDArray[] {Renorm.rowNorms(w[0]), Renorm.rowNorms(w[1]), Renorm.rowNorms(w[2])};
      state = Nd4jLactKernel.State.initial(spec, w, path);
    }
  }

  @Override
  protected HostTensor readChecked(HostTensor q, int tokens) {
    ArrayPool pool = kernel.pool();
    try (BlasThreads t = BlasThreads.forOp(); MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      INDArray qa = pool.fill(q, dt);
      try (MemoryWorkspace ws = Workspaces.step()) {
        return pool.toHost(SwiGlu.apply(state.w(), qa));
      } finally {
        pool.give(qa);
      }
    }
  }

  @Override
  protected void writeChecked(HostTensor k, HostTensor v, HostTensor lr0, HostTensor lr1, HostTensor lr2,
      HostTensor momentum, int c) {
    ArrayPool pool = kernel.pool();
    try (BlasThreads t = BlasThreads.forOp(); MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      INDArray[] eta = {pool.fill(lr0, dt), pool.fill(lr1, dt), pool.fill(lr2, dt)};
      INDArray ka = pool.fill(k, dt);
      INDArray va = pool.fill(v, dt);
      INDArray m = momentum == null ? null : pool.fill(momentum, dt);
      Nd4jLactKernel.State next;
      try (MemoryWorkspace ws = Workspaces.step()) {
        // The chunk mean as the forward takes it without a write mask: sum over the tokens / c.
        INDArray beta = m == null ? null : m.sum(true, 1).divi(c);
        next = kernel.update(spec(), state, rho, new SwiGlu.Chunk(ka, va, eta), beta, path).detached();
      } finally {
        pool.give(eta);
        pool.give(ka, va, m);
      }
      state.close();
      state = next;
    }
  }

  @Override
  protected HostTensor[] weightsChecked() {
    ArrayPool pool = kernel.pool();
    INDArray[] w = state.w();
    return new HostTensor[] {pool.toHost(w[0]), pool.toHost(w[1]), pool.toHost(w[2])};
  }

  @Override
  protected void release() {
    state.close();
    Tape.free(rho);
    state = null;
    rho = null;
  }
}
