package org.lactspark.kernel.nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.lactspark.kernel.HostTensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Copies between the API's float64 host tensors and ND4J arrays of the kernel's precision, and
 * frees arrays deterministically (fresh native memory is expensive to touch, so buffers are handed
 * back as soon as they are dead rather than when the garbage collector gets to them).
 */
final class Nd4jTensors {
  private Nd4jTensors() {}

  static INDArray toNd4j(HostTensor t, DataType dt) {
    long[] shape = new long[t.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.dim(i);
    }
    INDArray a = Nd4j.createUninitialized(dt, shape);
    copyInto(t.data(), a);
    return a;
  }

  /**
   * Copies row-major values into a contiguous array of the same length: a bulk copy into native
   * memory, then (for float32) ND4J's own parallel cast, so no Java loop touches the elements
   * (ND4J's element-wise {@code setData} took about 70 ms per call at the benchmark shape).
   */
  static void copyInto(double[] src, INDArray dst) {
    if (dst.dataType() == DataType.DOUBLE) {
      nativeBytes(dst).asDoubleBuffer().put(src);
      return;
    }
    try (MemoryWorkspace ws = Workspaces.step()) {
      INDArray staging = Nd4j.createUninitialized(DataType.DOUBLE, dst.shape());
      nativeBytes(staging).asDoubleBuffer().put(src);
      dst.assign(staging);
    }
  }

  static HostTensor toHost(INDArray a) {
    int[] shape = new int[a.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = (int) a.size(i);
    }
    double[] data = new double[(int) a.length()];
    try (MemoryWorkspace ws = Workspaces.step()) {
      boolean plain = !a.isView() && a.ordering() == 'c' && a.offset() == 0 && a.dataType() == DataType.DOUBLE;
      INDArray d = plain ? a : a.castTo(DataType.DOUBLE).dup('c');
      nativeBytes(d).asDoubleBuffer().get(data);
    }
    return HostTensor.of(data, shape);
  }

  /** The array's native buffer as a native-order byte buffer positioned at its first element. */
  private static ByteBuffer nativeBytes(INDArray a) {
    if (a.isView() || a.ordering() != 'c' || a.offset() != 0) {
      throw new IllegalArgumentException("need a whole contiguous array, got a view");
    }
    ByteBuffer b = a.data().asNio().order(ByteOrder.nativeOrder());
    b.position(0);
    b.limit((int) (a.length() * a.dataType().width()));
    return b.slice().order(ByteOrder.nativeOrder());
  }

  /** Frees each closeable array (nulls and views are skipped). */
  static void close(INDArray... arrays) {
    for (INDArray a : arrays) {
      if (a != null && a.closeable()) {
        a.close();
      }
    }
  }
}
