package org.lactspark.kernel.nd4j;

import org.lactspark.kernel.LactInputs;
import org.lactspark.kernel.LactSchedule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The op's inputs as ND4J arrays: initial weights, {@code q, k, v [n, L, dIn]}, the write mask
 * {@code [n, L, 1]} (ones if none was given), the masked learning rates {@code eta_j = lr_j * mask}
 * and the masked momentum coefficients {@code m * mask}.
 */
record OpInputs(INDArray[] w, INDArray q, INDArray k, INDArray v, INDArray[] eta, INDArray mask, INDArray maskedMomentum) {

  static OpInputs of(LactInputs in, DataType dt, ArrayPool pool) {
    INDArray[] w = {pool.fill(in.w0(), dt), pool.fill(in.w1(), dt), pool.fill(in.w2(), dt)};
    INDArray mask = pool.take(dt, in.n(), in.seqLen(), 1);
    if (in.writeMask() == null) {
      mask.assign(1.0);
    } else {
      INDArray given = pool.fill(in.writeMask(), dt);
      mask.assign(given.reshape(in.n(), in.seqLen(), 1));
      pool.give(given);
    }
    INDArray[] eta = {
      pool.fill(in.lr0(), dt).muli(mask), pool.fill(in.lr1(), dt).muli(mask), pool.fill(in.lr2(), dt).muli(mask)
    };
    INDArray mm = in.momentum() == null ? null : pool.fill(in.momentum(), dt).muli(mask);
    return new OpInputs(w, pool.fill(in.q(), dt), pool.fill(in.k(), dt), pool.fill(in.v(), dt), eta, mask, mm);
  }

  /** Hands every array back to the pool. */
  void release(ArrayPool pool) {
    pool.give(w);
    pool.give(eta);
    pool.give(q, k, v, mask, maskedMomentum);
  }

  /** Tokens {@code [start, end)} of a {@code [n, L, d]} array, as a view. */
  static INDArray rows(INDArray t, LactSchedule.Step step) {
    return t.get(NDArrayIndex.all(), NDArrayIndex.interval(step.start(), step.end()), NDArrayIndex.all());
  }

  /**
   * A contiguous copy of tokens {@code [start, end)}. Matrix products take copies, not views: ND4J
   * 1.0.0-M2.1 cannot slice a view of a view (the slice comes back without a buffer), and BLAS runs
   * faster on contiguous blocks anyway. The copy costs O(C d), against O(C d^2) for the products.
   */
  static INDArray block(INDArray t, LactSchedule.Step step) {
    return rows(t, step).dup('c');
  }

  SwiGlu.Chunk chunk(LactSchedule.Step step) {
    return new SwiGlu.Chunk(block(k, step), block(v, step),
        new INDArray[] {block(eta[0], step), block(eta[1], step), block(eta[2], step)});
  }

  /** Writers in the step's range per instance, at least 1 (a chunk with none has a zero numerator). */
  INDArray writers(LactSchedule.Step step) {
    return Transforms.max(rows(mask, step).sum(true, 1), 1.0, false);
  }

  /** The chunk's momentum coefficient {@code [n, 1, 1]}: the mean over its writer tokens. */
  INDArray beta(LactSchedule.Step step) {
    return rows(maskedMomentum, step).sum(true, 1).divi(writers(step));
  }
}
