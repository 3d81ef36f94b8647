package org.lactspark.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.golden.CaseTensors;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A case's stored tensors as ND4J arrays, and ours compared with them: kernel-api's {@link
 * CaseTensors} does the loading, the tolerance lookup and the comparison (the rule every backend
 * is held to), this class only converts from and to {@link INDArray}.
 */
final class GoldenTensors {
  private final CaseTensors tensors;

  /** @throws IllegalArgumentException for bfloat16, which layer and model cases do not define */
  GoldenTensors(Path dir, JsonNode tolerances, DType dtype) {
    this.tensors = new CaseTensors(dir, tolerances, dtype);
  }

  /** {@code name.npy} as an array of {@code dt}. */
  INDArray load(String name, DataType dt) throws IOException {
    HostTensor t = tensors.load(name);
    long[] shape = new long[t.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.dim(i);
    }
    return Nd4j.create(t.data(), shape, DataType.DOUBLE).castTo(dt);
  }

  /** Compares {@code ours} with {@code file.npy} under the case's tolerance for {@code tensor}. */
  ConformanceRunner.TensorResult compare(String tensor, String file, INDArray ours) throws IOException {
    return tensors.compare(tensor, file, host(ours));
  }

  /** A float64 host copy of {@code a} in C order, with its shape. */
  static HostTensor host(INDArray a) {
    long[] s = a.shape();
    int[] shape = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      shape[i] = (int) s[i];
    }
    return HostTensor.of(a.dup('c').castTo(DataType.DOUBLE).data().asDouble(), shape);
  }
}
