package org.lactspark.kernel.golden;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;

/**
 * The stored tensors of a layer or model case ({@code fixtures/lact-layer}, {@code
 * fixtures/lact-model}: {@code name.npy} files beside {@code case.json}) and the comparison of a
 * backend's tensors with them under the case's tolerances: {@code tolerances.float64} (default
 * 1e-9) in float64, and in float32 {@code tolerances.float32_per_tensor[tensor]} or else {@code
 * tolerances.float32_default} (default 1e-4). These cases hold no bfloat16 tolerances.
 */
public final class CaseTensors {
  private final Path dir;
  private final JsonNode tolerances;
  private final DType dtype;

  /**
   * @param tolerances the case's {@code tolerances} object
   * @throws IllegalArgumentException for bfloat16, which these cases do not define
   */
  public CaseTensors(Path dir, JsonNode tolerances, DType dtype) {
    if (dtype == DType.BFLOAT16) {
      throw new IllegalArgumentException(dir + ": layer and model cases define float64 and float32 tolerances only");
    }
    this.dir = dir;
    this.tolerances = tolerances;
    this.dtype = dtype;
  }

  /** {@code name.npy}. */
  public HostTensor load(String name) throws IOException {
    return Npy.read(dir.resolve(name + ".npy"));
  }

  /** Compares {@code ours} (any shape of the same size) with {@code file.npy} under the tolerance for {@code tensor}. */
  public ConformanceRunner.TensorResult compare(String tensor, String file, HostTensor ours) throws IOException {
    HostTensor ref = load(file);
    double tol = tolerance(tensor);
    HostTensor mine = ours;
    if (ref.rank() == 0 && mine.size() == 1) {
      // A scalar (the loss): compare as one-element vectors.
      mine = HostTensor.of(new double[] {mine.data()[0]}, 1);
      ref = HostTensor.of(new double[] {ref.data()[0]}, 1);
    } else if (mine.size() == ref.size()) {
      mine = HostTensor.of(mine.data(), ref.shape());
    }
    Tolerances.Verdict v = Tolerances.check(mine, ref, tol);
    return new ConformanceRunner.TensorResult(tensor, v.error(), tol, v.failure());
  }

  /** The tolerance of {@code tensor} in this case's precision. */
  public double tolerance(String tensor) {
    if (dtype == DType.FLOAT64) {
      return tolerances.path("float64").asDouble(1e-9);
    }
    JsonNode per = tolerances.path("float32_per_tensor").get(tensor);
    return per != null ? per.asDouble() : tolerances.path("float32_default").asDouble(1e-4);
  }
}
