package org.lactspark.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.golden.CaseTensors;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.ModelCases;
import org.nd4j.linalg.factory.Nd4j;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.graph.ModelParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs one {@code fixtures/lact-model} case through the DL4J model: the graph built from the
 * case's config ({@link ModelCases}), loaded with the stored parameters by official name, gives the
 * logits for {@code input_ids} (with {@code documents.npy} as the sequence mask when the case has
 * one), the loss against {@code labels} and the gradient of every parameter.
 */
public final class ModelGolden {
  private ModelGolden() {}

  /** Loads and runs the case in {@code dir}; problems become the case's error, never an exception. */
  public static ConformanceRunner.CaseResult run(Path dir, String backend, DType dtype) {
    String name = dir.getFileName().toString();
    try {
      return runOrThrow(dir, backend, dtype);
    } catch (IOException | RuntimeException e) {
      return new ConformanceRunner.CaseResult(name, List.of(), "case " + name + ": " + e.getMessage());
    }
  }

  private static ConformanceRunner.CaseResult runOrThrow(Path dir, String backend, DType dtype) throws IOException {
    JsonNode c = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
    DataType dt = dtype == DType.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
    GoldenTensors gt = new GoldenTensors(dir, c.path("tolerances"), dtype);
    ModelConfig config = ModelCases.config(c, dir + "/case.json");
    LactModels.Options o = new LactModels.Options(dt, 0L, backend, new org.nd4j.linalg.learning.config.NoOp());
    ComputationGraph graph = LactModels.build(config, o);
    Map<String, INDArray> params = ModelParams.byOfficialName(graph);
    requireSameNames(dir, c.path("params"), c.path("tied_weights"), params.keySet());
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      e.getValue().assign(gt.load("param." + e.getKey(), dt).reshape('c', e.getValue().shape()));
    }
    INDArray ids = gt.load("input_ids", dt);
    INDArray labels = gt.load("labels", dt);
    int[] docs = ModelCases.documents(new CaseTensors(dir, c.path("tolerances"), dtype), dir, (int) ids.size(0),
        (int) ids.size(1));
    // the document numbers ride as the feature mask, as the training worker passes them
    INDArray mask = docs == null ? null
        : Nd4j.createFromArray(docs).castTo(dt).reshape('c', ids.size(0), ids.size(1));
    List<ConformanceRunner.TensorResult> results = new ArrayList<>();
    INDArray logits = mask == null ? graph.outputSingle(ids)
        : graph.output(false, new INDArray[] {ids}, new INDArray[] {mask})[0];
    graph.clearLayerMaskArrays();
    results.add(gt.compare("logits", "logits", logits));
    graph.setInputs(ids);
    graph.setLabels(labels);
    if (mask != null) {
      graph.setLayerMaskArrays(new INDArray[] {mask}, null);
    }
    graph.computeGradientAndScore();
    graph.clearLayerMaskArrays();
    results.add(gt.compare("loss", "loss", Nd4j.scalar(graph.score())));
    Map<String, INDArray> grads = ModelParams.gradientsByOfficialName(graph.gradient());
    for (String p : params.keySet()) {
      results.add(gt.compare("grad." + p, "grad." + p, grads.get(p)));
    }
    return new ConformanceRunner.CaseResult(dir.getFileName().toString(), results, null);
  }

  /**
   * The case's state_dict keys ({@code case.json > params[].name}, less tied aliases) must be
   * exactly the model's.
   */
  private static void requireSameNames(Path dir, JsonNode listed, JsonNode tied, java.util.Set<String> ours) {
    java.util.Set<String> theirs = new java.util.TreeSet<>();
    // Names in a tie (either side): the model holds such a tensor once, under one of them.
    java.util.Set<String> tiedNames = new java.util.TreeSet<>();
    for (JsonNode entry : listed) {
      theirs.add(entry.path("name").asText());
      if (entry.hasNonNull("tied_to")) {
        tiedNames.add(entry.path("name").asText());
        tiedNames.add(entry.path("tied_to").asText());
      }
    }
    tied.fields().forEachRemaining(e -> {
      tiedNames.add(e.getKey());
      tiedNames.add(e.getValue().asText());
    });
    if (theirs.isEmpty()) {
      throw new IllegalArgumentException(dir + "/case.json: no params listed");
    }
    java.util.Set<String> missing = new java.util.TreeSet<>(theirs);
    missing.removeAll(ours);
    missing.removeAll(tiedNames);
    java.util.Set<String> extra = new java.util.TreeSet<>(ours);
    extra.removeAll(theirs);
    if (!missing.isEmpty() || !extra.isEmpty()) {
      throw new IllegalArgumentException(dir + "/case.json params: the official state_dict has " + missing
          + " that the model lacks, and the model has " + extra + " that it lacks");
    }
  }
}
