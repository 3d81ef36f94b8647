package org.lactspark.model.official;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.official.OfficialConfig;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.graph.ModelParams;
import org.lactspark.model.io.WholeDirectory;
import org.lactspark.model.safetensors.SafetensorsWriter;
import org.lactspark.model.safetensors.ShardedCheckpoint;
import org.lactspark.model.safetensors.StDType;
import org.lactspark.model.safetensors.TensorInfo;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An official model directory (Hugging Face format: {@code config.json} plus
 * {@code model.safetensors}, or shards listed in {@code model.safetensors.index.json}) into a
 * project graph, and a project graph out to one.
 *
 * <p>Tensors keep their official state_dict names ({@link ModelParams#byOfficialName}). The import
 * reads every tensor and checks names and shapes before the caller writes anything, so a missing,
 * extra or misshapen tensor is one message naming it and no output. The export writes into a
 * temporary sibling directory and renames it into place.
 */
public final class OfficialCheckpoint {
  /** The configuration file of a model directory. */
  public static final String CONFIG = "config.json";
  /** The weights file of an unsharded model directory. */
  public static final String WEIGHTS = "model.safetensors";

  /** The head's name, absent from a tied model's parameters. */
  static final String TIED_HEAD = "lm_head.weight";
  /** The matrix a tied head uses. */
  static final String TIED_EMBEDDING = "model.embeddings.weight";

  private OfficialCheckpoint() {}

  /** A model read from an official directory. */
  public record Imported(ModelConfig config, ComputationGraph graph) {}

  /**
   * Reads an official model directory into a new graph of {@code options.dtype()} (weights in F32,
   * BF16, F16 or F64 are converted).
   *
   * @throws IOException if a file is missing or unreadable
   * @throws IllegalArgumentException naming the config field or tensor that does not fit
   */
  public static Imported read(Path dir, LactModels.Options options) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + ": not a directory (expected an official model directory with " + CONFIG + ")");
    }
    Path configFile = dir.resolve(CONFIG);
    if (!Files.isRegularFile(configFile)) {
      throw new IOException(dir + ": no " + CONFIG);
    }
    ModelConfig config = OfficialConfig.read(configFile);
    ComputationGraph graph = LactModels.build(config, options);
    Map<String, INDArray> params = ModelParams.byOfficialName(graph);
    try (ShardedCheckpoint ck = ShardedCheckpoint.open(dir)) {
      Set<String> stored = new TreeSet<>(ck.names());
      if (config.tieWordEmbeddings() && stored.remove(TIED_HEAD)) {
        // A tied model may list the head under its own name too (the same matrix); the
        // embedding's copy is the one used, as in the official model.
        requireShape(dir, ck.info(TIED_HEAD), params.get(TIED_EMBEDDING).shape());
      }
      requireSameNames(dir, stored, params.keySet());
      for (Map.Entry<String, INDArray> e : params.entrySet()) {
        requireShape(dir, ck.info(e.getKey()), e.getValue().shape());
      }
      for (Map.Entry<String, INDArray> e : params.entrySet()) {
        INDArray view = e.getValue();
        INDArray values = view.dataType() == DataType.DOUBLE
            ? Nd4j.create(ck.readDoubles(e.getKey()), view.shape(), 'c')
            : Nd4j.create(ck.readFloats(e.getKey()), view.shape(), 'c');
        view.assign(values.castTo(view.dataType()));
      }
    }
    return new Imported(config, graph);
  }

  /**
   * Writes {@code graph} as an official model directory {@code dir} ({@code config.json} and one
   * {@code model.safetensors} in F32 or BF16). {@code dir} must not exist, or be an empty directory.
   *
   * @throws IllegalArgumentException if the config cannot be expressed officially or the dtype is not F32/BF16
   * @throws IOException if {@code dir} is not empty or cannot be written
   */
  public static void write(ComputationGraph graph, ModelConfig config, Path dir, StDType dtype) throws IOException {
    if (dtype != StDType.F32 && dtype != StDType.BF16) {
      throw new IllegalArgumentException("export dtype must be F32 or BF16, got " + dtype);
    }
    ModelParams.requireLayout(graph, config);
    String torchDtype = dtype == StDType.F32 ? "float32" : "bfloat16";
    byte[] configJson = new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
        .writeValueAsBytes(OfficialConfig.write(config, torchDtype));
    WholeDirectory.write(dir, "export writes a new directory (remove it or choose another)", tmp -> {
      Files.write(tmp.resolve(CONFIG), configJson);
      List<SafetensorsWriter.NamedTensor> tensors = new ArrayList<>();
      for (Map.Entry<String, INDArray> e : ModelParams.byOfficialName(graph).entrySet()) {
        INDArray v = e.getValue();
        float[] data = v.dup('c').castTo(DataType.FLOAT).data().asFloat();
        tensors.add(new SafetensorsWriter.NamedTensor(e.getKey(), v.shape(), data));
      }
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("format", "pt");
      SafetensorsWriter.write(tmp.resolve(WEIGHTS), tensors, meta, dtype);
    });
  }

  private static void requireSameNames(Path dir, Set<String> stored, Set<String> expected) {
    Set<String> missing = new TreeSet<>(expected);
    missing.removeAll(stored);
    Set<String> extra = new TreeSet<>(stored);
    extra.removeAll(expected);
    if (!missing.isEmpty() || !extra.isEmpty()) {
      StringBuilder m = new StringBuilder(dir + ": the weights do not match " + CONFIG + ":");
      if (!missing.isEmpty()) {
        m.append(" missing tensors ").append(missing);
      }
      if (!extra.isEmpty()) {
        m.append(missing.isEmpty() ? "" : ";").append(" unexpected tensors ").append(extra);
      }
      throw new IllegalArgumentException(m.toString());
    }
  }

  private static void requireShape(Path dir, TensorInfo info, long[] expected) {
    if (!Arrays.equals(info.shape(), expected)) {
      throw new IllegalArgumentException(dir + ": tensor '" + info.name() + "' has shape "
          + Arrays.toString(info.shape()) + " but " + CONFIG + " gives " + Arrays.toString(expected));
    }
  }
}
