package org.lactspark.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.Npy;
import org.lactspark.kernel.golden.Tolerances;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Loading stored tensors and comparing ours with them under a case's tolerances. */
final class GoldenTensors {
  private final Path dir;
  private final JsonNode tolerances;
  private final DType dtype;

  GoldenTensors(Path dir, JsonNode tolerances, DType dtype) {
    this.dir = dir;
    this.tolerances = tolerances;
    this.dtype = dtype;
  }

  /** {@code name.npy} as an array of {@code dt}. */
  INDArray load(String name, DataType dt) throws IOException {
    HostTensor t = Npy.read(dir.resolve(name + ".npy"));
    long[] shape = new long[t.rank()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.dim(i);
    }
    return Nd4j.create(t.data(), shape, DataType.DOUBLE).castTo(dt);
  }

  /** Compares {@code ours} with {@code file.npy} under the tolerance for {@code tensor}. */
  ConformanceRunner.TensorResult compare(String tensor, String file, INDArray ours) throws IOException {
    HostTensor ref = Npy.read(dir.resolve(file + ".npy"));
    double tol = tolerance(tensor);
    HostTensor mine = host(ours);
    if (ref.rank() == 0 && mine.size() == 1) {
      // A scalar (the loss): compare as one-element vectors.
      mine = HostTensor.of(new double[] {mine.data()[0]}, 1);
      ref = HostTensor.of(new double[] {ref.data()[0]}, 1);
    }
    Tolerances.Verdict v = Tolerances.check(mine, ref, tol);
    return new ConformanceRunner.TensorResult(tensor, v.error(), tol, v.failure());
  }

  private double tolerance(String tensor) {
    if (dtype == DType.FLOAT64) {
      return tolerances.path("float64").asDouble(1e-9);
    }
    JsonNode per = tolerances.path("float32_per_tensor").get(tensor);
    return per != null ? per.asDouble() : tolerances.path("float32_default").asDouble(1e-4);
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
