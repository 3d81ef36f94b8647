package org.lactspark.kernel.nd4j;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.lactspark.kernel.HostTensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Recycles the large arrays a pass holds from the call that creates it to the call that closes it
 * (inputs {@code [n, L, d]}, the output), which no workspace can scope, and the staging arrays of
 * host copies. A training loop calls the op
 * with the same shapes again and again; taking last call's buffers instead of fresh native memory
 * saved about 85 ms per call at the benchmark shape, because touching new pages is that slow here.
 * Holds at most {@code maxBytes}; beyond that, returned arrays are freed.
 */
final class ArrayPool {
  private record Key(DataType type, long[] shape) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.type == type && Arrays.equals(k.shape, shape);
    }

    @Override
    public int hashCode() {
      return 31 * type.hashCode() + Arrays.hashCode(shape);
    }
  }

  private final Map<Key, Deque<INDArray>> free = new HashMap<>();
  private final long maxBytes;
  private long heldBytes;

  ArrayPool(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** An array of the shape, contents undefined, outside any workspace. */
  synchronized INDArray take(DataType type, long... shape) {
    Deque<INDArray> q = free.get(new Key(type, shape));
    if (q != null && !q.isEmpty()) {
      INDArray a = q.pop();
      heldBytes -= bytes(a);
      return a;
    }
    try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return Nd4j.createUninitialized(type, shape);
    }
  }

  /**
   * An array holding {@code t}'s values in {@code type}: a bulk copy into native memory, then (for
   * float32) ND4J's own parallel cast from a recycled float64 staging array, so no Java loop
   * touches the elements and no fresh pages are touched once the pool is warm.
   */
  INDArray fill(HostTensor t, DataType type) {
    long[] shape = new long[t.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.dim(i);
    }
    INDArray a = take(type, shape);
    if (type == DataType.DOUBLE) {
      Nd4jTensors.nativeBytes(a).asDoubleBuffer().put(t.data());
      return a;
    }
    INDArray staging = take(DataType.DOUBLE, shape);
    Nd4jTensors.nativeBytes(staging).asDoubleBuffer().put(t.data());
    a.assign(staging);
    give(staging);
    return a;
  }

  /** A host copy of {@code a} (any precision, any layout), staged through a recycled array. */
  HostTensor toHost(INDArray a) {
    int[] shape = new int[a.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = (int) a.size(i);
    }
    double[] data = new double[(int) a.length()];
    boolean plain = !a.isView() && a.ordering() == 'c' && a.offset() == 0 && a.dataType() == DataType.DOUBLE;
    if (plain) {
      Nd4jTensors.nativeBytes(a).asDoubleBuffer().get(data);
    } else {
      INDArray staging = take(DataType.DOUBLE, a.shape());
      staging.assign(a);
      Nd4jTensors.nativeBytes(staging).asDoubleBuffer().get(data);
      give(staging);
    }
    return HostTensor.of(data, shape);
  }

  /** Hands arrays back (nulls, views and workspace arrays are ignored). */
  synchronized void give(INDArray... arrays) {
    for (INDArray a : arrays) {
      if (a == null || a.isView() || a.isAttached() || a.wasClosed()) {
        continue;
      }
      long b = bytes(a);
      if (heldBytes + b > maxBytes) {
        Tape.free(a);
        continue;
      }
      free.computeIfAbsent(new Key(a.dataType(), a.shape()), k -> new ArrayDeque<>()).push(a);
      heldBytes += b;
    }
  }

  private static long bytes(INDArray a) {
    return a.length() * a.dataType().width();
  }
}
