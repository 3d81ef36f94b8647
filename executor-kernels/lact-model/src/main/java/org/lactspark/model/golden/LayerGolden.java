package org.lactspark.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lactspark.conf.official.OfficialConfig;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.LactKernel;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.model.nn.LactLayer;
import org.lactspark.model.nn.LactLayerSpec;
import org.lactspark.model.nn.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs one {@code fixtures/lact-layer} case: the layer built from the case's constructor
 * arguments and parameters, its output {@code Y} for {@code x}, and the gradients of
 * {@code sum(Y * dY)} with respect to {@code x} and every parameter.
 */
public final class LayerGolden {
  private LayerGolden() {}

  /** Loads and runs the case in {@code dir}; problems become the case's error, never an exception. */
  public static ConformanceRunner.CaseResult run(Path dir, LactKernel kernel) {
    String name = dir.getFileName().toString();
    try {
      return runOrThrow(dir, kernel);
    } catch (IOException | RuntimeException e) {
      return new ConformanceRunner.CaseResult(name, List.of(), "case " + name + ": " + e.getMessage());
    }
  }

  private static ConformanceRunner.CaseResult runOrThrow(Path dir, LactKernel kernel) throws IOException {
    JsonNode c = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
    DataType dt = kernel.dtype() == DType.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
    GoldenTensors gt = new GoldenTensors(dir, c.path("tolerances"), kernel.dtype());
    LactLayerSpec spec =
        LactLayerSpec.of(OfficialConfig.layerConfig(c.path("constructor"), dir + "/case.json constructor"));
    Map<String, INDArray> params = new LinkedHashMap<>();
    Map<String, INDArray> grads = new LinkedHashMap<>();
    for (JsonNode p : c.path("params")) {
      String pn = p.path("name").asText();
      INDArray v = gt.load("param." + pn, dt);
      params.put(pn, v);
      grads.put(pn, Nd4j.zeros(dt, v.shape()));
    }
    LactLayer layer = new LactLayer(spec, kernel);
    List<ConformanceRunner.TensorResult> results = new ArrayList<>();
    try (LactLayer.Pass pass = layer.forward(Params.of(params), gt.load("x", dt), null)) {
      results.add(gt.compare("Y", "Y", pass.output()));
      INDArray dx = layer.backward(Params.of(params), pass, gt.load("dY", dt), Params.of(grads));
      results.add(gt.compare("grad_x", "grad_x", dx));
      for (Map.Entry<String, INDArray> e : grads.entrySet()) {
        results.add(gt.compare("grad." + e.getKey(), "grad." + e.getKey(), e.getValue()));
      }
    }
    return new ConformanceRunner.CaseResult(dir.getFileName().toString(), results, null);
  }
}
