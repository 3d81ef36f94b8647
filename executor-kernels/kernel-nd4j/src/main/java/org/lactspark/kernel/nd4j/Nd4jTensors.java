package org.lactspark.kernel.nd4j;

import org.lactspark.kernel.HostTensor;
import org.nd4j.linalg.api.buffer.DataType;
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
    double[] d = t.data();
    if (dt == DataType.DOUBLE) {
      return Nd4j.create(d, shape, DataType.DOUBLE);
    }
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return Nd4j.create(f, shape, 'c');
  }

  static HostTensor toHost(INDArray a) {
    int[] shape = new int[a.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = (int) a.size(i);
    }
    boolean plain = !a.isView() && a.ordering() == 'c' && a.offset() == 0;
    INDArray c = plain ? a : a.dup('c');
    double[] data = c.data().asDouble();
    if (c != a) {
      close(c);
    }
    return HostTensor.of(data, shape);
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
