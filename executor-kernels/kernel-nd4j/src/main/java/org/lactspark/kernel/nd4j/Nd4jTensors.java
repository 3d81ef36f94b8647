package org.lactspark.kernel.nd4j;

import org.lactspark.kernel.HostTensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Copies between the API's float64 host tensors and ND4J arrays of the kernel's precision. */
final class Nd4jTensors {
  private Nd4jTensors() {}

  static INDArray toNd4j(HostTensor t, DataType dt) {
    long[] shape = new long[t.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.dim(i);
    }
    INDArray d = Nd4j.create(t.data(), shape, DataType.DOUBLE);
    return dt == DataType.DOUBLE ? d : d.castTo(dt);
  }

  static HostTensor toHost(INDArray a) {
    INDArray d = a.castTo(DataType.DOUBLE).dup('c');
    int[] shape = new int[a.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = (int) a.size(i);
    }
    return HostTensor.of(d.data().asDouble(), shape);
  }
}
