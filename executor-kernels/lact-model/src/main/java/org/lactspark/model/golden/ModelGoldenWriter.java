package org.lactspark.model.golden;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.official.OfficialConfig;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.golden.Npy;
import org.lactspark.kernel.golden.Tolerances;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.graph.ModelParams;
import org.lactspark.model.io.WholeDirectory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Writes a model golden case from this project's own model on ND4J, in the format of {@code
 * fixtures/lact-model} (its README): the cross-backend reference for another backend of the whole
 * model (a native GPU model must reproduce ND4J's logits, loss and every parameter gradient). The
 * values are computed in float64; each tensor's float32 tolerance is {@code max(1e-4, 4 x the
 * float32 ND4J model's own error on it)}, so a tensor that Muon makes ill-conditioned in float32
 * gets the room the official fixtures give theirs, measured the same way. The case is written
 * whole or not at all ({@link WholeDirectory}).
 */
public final class ModelGoldenWriter {
  /** How much room a float32 tensor gets over the float32 ND4J model's own error on it. */
  static final double FLOAT32_MARGIN = 4.0;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ModelGoldenWriter() {}

  /**
   * What one case holds: the model, the seed of its parameters and tokens, and the token batch;
   * with {@code documents}, each row is cut into several documents at seeded positions and the
   * last row ends in padding ({@code documents.npy}), so a backend's packing and masks are checked.
   */
  public record Shape(int batch, int seqLen, long seed, boolean documents) {
    /** Validates, naming the field. */
    public Shape {
      if (batch < 1) {
        throw new IllegalArgumentException("batch = " + batch + ": must be >= 1");
      }
      if (seqLen < 2) {
        throw new IllegalArgumentException("seqLen = " + seqLen + ": must be >= 2 (the loss scores positions 0..L-2)");
      }
    }
  }

  /**
   * Computes the case and writes it to {@code out}.
   *
   * @throws IllegalArgumentException if the config cannot be written as an official {@code
   *     config.json}
   * @throws IOException if {@code out} exists and is not an empty directory (checked first), or
   *     writing fails
   */
  public static void write(ModelConfig config, Shape shape, Path out) throws IOException {
    ObjectNode officialConfig = officialOrNull(config);
    WholeDirectory.write(out, "give a new or empty directory", tmp -> writeCase(config, officialConfig, shape, tmp));
  }

  /** The official config.json of {@code config}, or null when the official model cannot express it. */
  private static ObjectNode officialOrNull(ModelConfig config) {
    try {
      return OfficialConfig.write(config, "float64");
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Document numbers per position: 1 to 3 documents per row, the last row's tail padding (0). */
  private static long[] documents(Shape shape, SplittableRandom rnd) {
    long[] docs = new long[shape.batch() * shape.seqLen()];
    for (int b = 0; b < shape.batch(); b++) {
      int cuts = rnd.nextInt(3);
      java.util.TreeSet<Integer> starts = new java.util.TreeSet<>();
      while (starts.size() < cuts && shape.seqLen() > 4) {
        starts.add(2 + rnd.nextInt(shape.seqLen() - 3));
      }
      int end = b == shape.batch() - 1 ? shape.seqLen() - 1 - rnd.nextInt(Math.max(1, shape.seqLen() / 4)) : shape.seqLen();
      long doc = 1;
      for (int t = 0; t < shape.seqLen(); t++) {
        if (starts.contains(t)) {
          doc++;
        }
        docs[b * shape.seqLen() + t] = t < end ? doc : 0;
      }
    }
    return docs;
  }

  private static void writeCase(ModelConfig config, ObjectNode officialConfig, Shape shape, Path tmp) throws IOException {
    SplittableRandom rnd = new SplittableRandom(shape.seed());
    long[] ids = new long[shape.batch() * shape.seqLen()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = rnd.nextInt(config.vocabSize());
    }
    long[] labels = ids.clone();
    ArrayNode ignored = JSON.createArrayNode();
    for (int b = 0; b < shape.batch(); b++) { // one ignored label per row exercises ignore_index
      int t = 1 + rnd.nextInt(shape.seqLen() - 1);
      labels[b * shape.seqLen() + t] = -100;
      ignored.addArray().add(b).add(t);
    }
    long[] docs = shape.documents() ? documents(shape, rnd) : null;
    Run f64 = Run.of(config, shape, ids, labels, docs, DataType.DOUBLE, null);
    Run f32 = Run.of(config, shape, ids, labels, docs, DataType.FLOAT, f64.params);

    ObjectNode tolerances = JSON.createObjectNode();
    tolerances.put("metric", "||ours - ref|| / ||ref|| per tensor (Frobenius; the scalar loss as a one-element vector)");
    tolerances.put("float64", Tolerances.relative(org.lactspark.kernel.DType.FLOAT64, Double.NaN, false));
    tolerances.put("float32_default", Tolerances.relative(org.lactspark.kernel.DType.FLOAT32, Double.NaN, false));
    ObjectNode perTensor = tolerances.putObject("float32_per_tensor");
    for (Map.Entry<String, HostTensor> e : f64.tensors.entrySet()) {
      Npy.write(tmp.resolve(e.getKey() + ".npy"), e.getValue());
      if (!e.getKey().startsWith("param.")) {
        double err = Tolerances.relativeError(f32.tensors.get(e.getKey()), e.getValue()); // as the runner measures
        perTensor.put(e.getKey(), Math.max(1e-4, FLOAT32_MARGIN * err));
      }
    }
    Npy.writeInt64(tmp.resolve("input_ids.npy"), ids, shape.batch(), shape.seqLen());
    Npy.writeInt64(tmp.resolve("labels.npy"), labels, shape.batch(), shape.seqLen());
    if (docs != null) {
      Npy.writeInt64(tmp.resolve("documents.npy"), docs, shape.batch(), shape.seqLen());
    }
    if (officialConfig != null) {
      Files.writeString(tmp.resolve("config.json"), JSON.writeValueAsString(officialConfig));
    }
    ObjectNode c = JSON.createObjectNode();
    c.put("model", "LaCTForCausalLM as lact-spark's ND4J model computes it (lact-model ModelGoldenWriter)");
    c.put("purpose", "cross-backend reference: another backend of the whole model must reproduce these values");
    if (officialConfig != null) {
      c.set("config", officialConfig);
    }
    // the project's own keys say what the official config cannot (document restart, TTT off, padding id)
    c.set("model_config", JSON.readTree(org.lactspark.conf.load.ModelConfigLoader.toJson(config)));
    c.put("batch", shape.batch());
    c.put("seq_len", shape.seqLen());
    c.put("dtype", "float64");
    c.put("seed", shape.seed());
    if (docs != null) {
      c.put("documents", "documents.npy: per position its document number, 0 for padding; it is the model's sequence mask");
    }
    ObjectNode lab = c.putObject("labels");
    lab.put("convention", "labels.npy is passed as `labels` unshifted (it equals input_ids except at -100 entries); "
        + "the model scores logits[:, t] against labels[:, t + 1] and ignores the last position");
    lab.put("ignore_index", -100);
    lab.set("minus100_at", ignored);
    ArrayNode params = c.putArray("params");
    for (Map.Entry<String, INDArray> e : f64.params.entrySet()) {
      ObjectNode p = params.addObject();
      p.put("name", e.getKey());
      ArrayNode dims = p.putArray("shape");
      for (long d : e.getValue().shape()) {
        dims.add(d);
      }
    }
    ObjectNode tied = c.putObject("tied_weights");
    if (config.tieWordEmbeddings()) {
      tied.put("lm_head.weight", "model.embeddings.weight");
    }
    c.set("tolerances", tolerances);
    c.putArray("notes")
        .add("logits: the model in inference (eval) mode; loss and grad.*: one training-mode forward and backward.")
        .add("float32_per_tensor: max(1e-4, " + FLOAT32_MARGIN + " x the float32 ND4J model's relative error on the tensor).");
    Files.writeString(tmp.resolve("case.json"), JSON.writeValueAsString(c));
  }

  /** One precision's forward and backward: logits, loss, parameters and gradients by file name. */
  private static final class Run {
    final Map<String, INDArray> params;
    final Map<String, HostTensor> tensors = new LinkedHashMap<>();

    private Run(Map<String, INDArray> params) {
      this.params = params;
    }

    /** Builds the model in {@code dt}, with {@code from}'s parameters if given (else seeded ones). */
    static Run of(ModelConfig config, Shape shape, long[] ids, long[] labels, long[] docs, DataType dt,
        Map<String, INDArray> from) {
      ComputationGraph graph = LactModels.build(config, new LactModels.Options(dt, shape.seed(), "nd4j", new NoOp()));
      Map<String, INDArray> params = ModelParams.byOfficialName(graph);
      if (from != null) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
          e.getValue().assign(from.get(e.getKey()).castTo(dt));
        }
      }
      Run r = new Run(params);
      INDArray in = matrix(ids, shape, dt);
      INDArray mask = docs == null ? null : matrix(docs, shape, dt);
      r.put("logits", mask == null ? graph.outputSingle(in) : graph.output(false, new INDArray[] {in}, new INDArray[] {mask})[0]);
      graph.clearLayerMaskArrays();
      graph.setInputs(in);
      graph.setLabels(matrix(labels, shape, dt));
      if (mask != null) {
        graph.setLayerMaskArrays(new INDArray[] {mask}, null);
      }
      graph.computeGradientAndScore();
      graph.clearLayerMaskArrays();
      r.tensors.put("loss", HostTensor.of(new double[] {graph.score()}));
      Map<String, INDArray> grads = ModelParams.gradientsByOfficialName(graph.gradient());
      for (Map.Entry<String, INDArray> e : params.entrySet()) {
        r.put("param." + e.getKey(), e.getValue());
        r.put("grad." + e.getKey(), grads.get(e.getKey()));
      }
      return r;
    }

    private void put(String name, INDArray a) {
      tensors.put(name, GoldenTensors.host(a));
    }

    private static INDArray matrix(long[] values, Shape shape, DataType dt) {
      double[] d = new double[values.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = values[i];
      }
      return Nd4j.create(d, new long[] {shape.batch(), shape.seqLen()}, DataType.DOUBLE).castTo(dt);
    }
  }
}
