package org.lactspark.model.official;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.official.OfficialConfig;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.cli.Cli;
import org.lactspark.kernel.golden.Npy;
import org.lactspark.kernel.testkit.Fixtures;
import org.lactspark.model.cli.ModelCommand;
import org.lactspark.model.graph.LactModels;
import org.lactspark.model.graph.ModelFiles;
import org.lactspark.model.graph.ModelParams;
import org.lactspark.model.safetensors.SafetensorsFile;
import org.lactspark.model.safetensors.SafetensorsWriter;
import org.lactspark.model.safetensors.StDType;
import org.lactspark.model.safetensors.TensorInfo;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class OfficialCheckpointTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path fixtureCase() throws IOException {
    try (var cases = Files.list(Fixtures.lactModel())) {
      return cases.filter(Files::isDirectory).sorted().findFirst().orElseThrow();
    }
  }

  private static LactModels.Options options(DataType dt) {
    return new LactModels.Options(dt, 7L, "nd4j", LactModels.Options.defaults().updater());
  }

  /** The fixture case as an official directory: its config.json and its float64 params as F64 safetensors. */
  private static Path officialDir(Path root, UnaryOperator<List<SafetensorsWriter.NamedTensor>> edit) throws IOException {
    Path caseDir = fixtureCase();
    JsonNode c = JSON.readTree(caseDir.resolve("case.json").toFile());
    List<SafetensorsWriter.NamedTensor> tensors = new ArrayList<>();
    for (JsonNode entry : c.path("params")) {
      String name = entry.path("name").asText();
      HostTensor t = Npy.read(caseDir.resolve("param." + name + ".npy"));
      long[] shape = new long[t.rank()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = t.dim(i);
      }
      tensors.add(SafetensorsWriter.NamedTensor.of(name, shape, t.data()));
    }
    Path dir = Files.createDirectories(root.resolve("official"));
    Files.copy(caseDir.resolve("config.json"), dir.resolve("config.json"));
    SafetensorsWriter.write(dir.resolve("model.safetensors"), edit.apply(tensors), Map.of("format", "pt"), StDType.F64);
    return dir;
  }

  @Test
  void importedOfficialWeightsGiveTheOfficialLogits(@TempDir Path tmp) throws IOException {
    Path dir = officialDir(tmp, UnaryOperator.identity());
    OfficialCheckpoint.Imported m = OfficialCheckpoint.read(dir, options(DataType.DOUBLE));
    HostTensor ids = Npy.read(fixtureCase().resolve("input_ids.npy"));
    INDArray input = Nd4j.create(ids.data(), new long[] {ids.dim(0), ids.dim(1)}, DataType.DOUBLE);
    HostTensor expected = Npy.read(fixtureCase().resolve("logits.npy"));
    double[] got = m.graph().outputSingle(input).dup('c').data().asDouble();
    double num = 0;
    double den = 0;
    for (int i = 0; i < got.length; i++) {
      num += (got[i] - expected.data()[i]) * (got[i] - expected.data()[i]);
      den += expected.data()[i] * expected.data()[i];
    }
    assertTrue(Math.sqrt(num / den) < 1e-9, "relative error " + Math.sqrt(num / den));
  }

  @Test
  void exportThenImportIsBitIdenticalWithIdenticalOutputs(@TempDir Path tmp) throws IOException {
    ModelConfig config = OfficialConfig.read(OfficialConfig.write(
        OfficialConfig.read(fixtureCase().resolve("config.json")), "float32"), "written");
    ComputationGraph g = LactModels.build(config, options(DataType.FLOAT));
    Path out = tmp.resolve("exported");
    OfficialCheckpoint.write(g, config, out, StDType.F32);
    OfficialCheckpoint.Imported back = OfficialCheckpoint.read(out, options(DataType.FLOAT));
    assertEquals(config, back.config());
    assertArrayEquals(g.params().data().asFloat(), back.graph().params().data().asFloat());
    INDArray ids = Nd4j.create(new double[] {1, 5, 9, 60, 0, 33, 7, 7, 2, 11, 40, 3}, new long[] {1, 12}, DataType.FLOAT);
    assertArrayEquals(g.outputSingle(ids).data().asFloat(), back.graph().outputSingle(ids).data().asFloat());
    // The exported names and shapes are exactly the official state_dict's.
    Map<String, List<Long>> listed = new LinkedHashMap<>();
    for (JsonNode entry : JSON.readTree(fixtureCase().resolve("case.json").toFile()).path("params")) {
      List<Long> shape = new ArrayList<>();
      entry.path("shape").forEach(n -> shape.add(n.asLong()));
      listed.put(entry.path("name").asText(), shape);
    }
    try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
      Map<String, List<Long>> written = new LinkedHashMap<>();
      for (TensorInfo t : f.tensors()) {
        written.put(t.name(), java.util.Arrays.stream(t.shape()).boxed().toList());
        assertEquals(StDType.F32, t.dtype());
      }
      assertEquals(listed, written);
    }
    assertFalse(Files.exists(out.resolve("model.safetensors.index.json")));
  }

  @Test
  void aTiedModelExportsOneMatrixAndImportsWithOrWithoutTheHeadsName(@TempDir Path tmp) throws IOException {
    com.fasterxml.jackson.databind.node.ObjectNode cfg =
        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(fixtureCase().resolve("config.json").toFile());
    cfg.put("tie_word_embeddings", true);
    ModelConfig config = OfficialConfig.read(cfg, "tied");
    ComputationGraph g = LactModels.build(config, options(DataType.FLOAT));
    Path out = tmp.resolve("tied");
    OfficialCheckpoint.write(g, config, out, StDType.F32);
    try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
      assertEquals(null, f.info("lm_head.weight"));
    }
    INDArray ids = Nd4j.create(new double[] {1, 5, 9, 60, 0, 33}, new long[] {1, 6}, DataType.FLOAT);
    OfficialCheckpoint.Imported back = OfficialCheckpoint.read(out, options(DataType.FLOAT));
    assertTrue(back.config().tieWordEmbeddings());
    assertArrayEquals(g.outputSingle(ids).data().asFloat(), back.graph().outputSingle(ids).data().asFloat());
    // The same matrix also listed under the head's name, as some writers do.
    Path both = Files.createDirectories(tmp.resolve("both"));
    Files.copy(out.resolve("config.json"), both.resolve("config.json"));
    List<SafetensorsWriter.NamedTensor> tensors = new ArrayList<>();
    try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
      for (TensorInfo t : f.tensors()) {
        tensors.add(SafetensorsWriter.NamedTensor.of(t.name(), t.shape(), f.readFloats(t.name())));
        if (t.name().equals("model.embeddings.weight")) {
          tensors.add(SafetensorsWriter.NamedTensor.of("lm_head.weight", t.shape(), f.readFloats(t.name())));
        }
      }
    }
    SafetensorsWriter.write(both.resolve("model.safetensors"), tensors, Map.of(), StDType.F32);
    assertArrayEquals(g.outputSingle(ids).data().asFloat(),
        OfficialCheckpoint.read(both, options(DataType.FLOAT)).graph().outputSingle(ids).data().asFloat());
  }

  @Test
  void bfloat16ExportRoundsEachWeightToTheNearestBfloat16(@TempDir Path tmp) throws IOException {
    ModelConfig config = OfficialConfig.read(fixtureCase().resolve("config.json"));
    ComputationGraph g = LactModels.build(config, options(DataType.FLOAT));
    OfficialCheckpoint.write(g, config, tmp.resolve("bf16"), StDType.BF16);
    OfficialCheckpoint.Imported back = OfficialCheckpoint.read(tmp.resolve("bf16"), options(DataType.FLOAT));
    float[] before = g.params().data().asFloat();
    float[] after = back.graph().params().data().asFloat();
    for (int i = 0; i < before.length; i++) {
      float tol = Math.abs(before[i]) * (1f / 256) + 1e-30f;
      assertTrue(Math.abs(before[i] - after[i]) <= tol, i + ": " + before[i] + " -> " + after[i]);
      assertEquals(0, Float.floatToRawIntBits(after[i]) & 0xFFFF, "low 16 bits of a bfloat16 are zero");
    }
  }

  @Test
  void aMissingTensorIsOneMessageNamingIt(@TempDir Path tmp) throws IOException {
    Path dir = officialDir(tmp, t -> {
      t.removeIf(x -> x.name().equals("model.layers.1.attn.w1"));
      return t;
    });
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OfficialCheckpoint.read(dir, options(DataType.FLOAT)));
    assertTrue(e.getMessage().contains("missing tensors [model.layers.1.attn.w1]"), e.getMessage());
  }

  @Test
  void anExtraTensorIsOneMessageNamingIt(@TempDir Path tmp) throws IOException {
    Path dir = officialDir(tmp, t -> {
      t.add(SafetensorsWriter.NamedTensor.of("model.layers.0.attn.qkv.bias", new long[] {3}, new double[] {1, 2, 3}));
      return t;
    });
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OfficialCheckpoint.read(dir, options(DataType.FLOAT)));
    assertTrue(e.getMessage().contains("unexpected tensors [model.layers.0.attn.qkv.bias]"), e.getMessage());
  }

  @Test
  void aMisshapenTensorIsOneMessageNamingItAndBothShapes(@TempDir Path tmp) throws IOException {
    Path dir = officialDir(tmp, t -> {
      List<SafetensorsWriter.NamedTensor> out = new ArrayList<>();
      for (SafetensorsWriter.NamedTensor x : t) {
        out.add(x.name().equals("lm_head.weight")
            ? SafetensorsWriter.NamedTensor.of(x.name(), new long[] {32, 61}, new double[32 * 61]) : x);
      }
      return out;
    });
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OfficialCheckpoint.read(dir, options(DataType.FLOAT)));
    assertTrue(e.getMessage().contains("'lm_head.weight' has shape [32, 61]")
        && e.getMessage().contains("[61, 32]"), e.getMessage());
  }

  @Test
  void shardedWeightsWithAnIndexAreRead(@TempDir Path tmp) throws IOException {
    Path single = officialDir(tmp, UnaryOperator.identity());
    Path dir = Files.createDirectories(tmp.resolve("sharded"));
    Files.copy(single.resolve("config.json"), dir.resolve("config.json"));
    Map<String, String> weightMap = new LinkedHashMap<>();
    List<SafetensorsWriter.NamedTensor> a = new ArrayList<>();
    List<SafetensorsWriter.NamedTensor> b = new ArrayList<>();
    try (SafetensorsFile f = SafetensorsFile.open(single.resolve("model.safetensors"))) {
      for (TensorInfo t : f.tensors()) {
        boolean first = t.name().startsWith("model.layers.0") || t.name().startsWith("model.embeddings");
        (first ? a : b).add(SafetensorsWriter.NamedTensor.of(t.name(), t.shape(), f.readDoubles(t.name())));
        weightMap.put(t.name(), first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
      }
    }
    SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), a, Map.of(), StDType.F32);
    SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), b, Map.of(), StDType.F32);
    Files.writeString(dir.resolve("model.safetensors.index.json"),
        JSON.writeValueAsString(Map.of("metadata", Map.of(), "weight_map", weightMap)));
    ComputationGraph fromShards = OfficialCheckpoint.read(dir, options(DataType.FLOAT)).graph();
    ComputationGraph fromSingle = OfficialCheckpoint.read(single, options(DataType.FLOAT)).graph();
    assertArrayEquals(fromSingle.params().data().asFloat(), fromShards.params().data().asFloat());
  }

  @Test
  void exportRefusesANonEmptyDirectoryAndLeavesNothingBehind(@TempDir Path tmp) throws IOException {
    ModelConfig config = OfficialConfig.read(fixtureCase().resolve("config.json"));
    ComputationGraph g = LactModels.build(config, options(DataType.FLOAT));
    Path out = Files.createDirectories(tmp.resolve("busy"));
    Files.writeString(out.resolve("keep.txt"), "mine");
    IOException e = assertThrows(IOException.class, () -> OfficialCheckpoint.write(g, config, out, StDType.F32));
    assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    try (var s = Files.list(tmp)) {
      assertEquals(List.of(out), s.toList());
    }
    try (var s = Files.list(out)) {
      assertEquals(List.of(out.resolve("keep.txt")), s.toList());
    }
  }

  @Test
  void aDirectoryWithoutConfigIsAnIoErrorNamingIt(@TempDir Path tmp) {
    IOException e = assertThrows(IOException.class, () -> OfficialCheckpoint.read(tmp, options(DataType.FLOAT)));
    assertTrue(e.getMessage().contains("config.json"), e.getMessage());
  }

  @Test
  void theCommandsImportAndExportThroughTheModelFile(@TempDir Path tmp) throws IOException {
    Path dir = officialDir(tmp, UnaryOperator.identity());
    Path file = tmp.resolve("m.zip");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = Cli.execute(new ModelCommand(), new PrintWriter(out), new PrintWriter(err),
        "import", "--from", dir.toString(), "--to", file.toString());
    assertEquals(0, rc, err.toString());
    assertTrue(out.toString().startsWith("imported "), out.toString());
    ComputationGraph g = ModelFiles.load(file, false);
    INDArray embedding = ModelParams.byOfficialName(g).get("model.embeddings.weight");
    HostTensor expected = Npy.read(fixtureCase().resolve("param.model.embeddings.weight.npy"));
    assertEquals((float) expected.data()[5], embedding.getFloat(0, 5));
    rc = Cli.execute(new ModelCommand(), new PrintWriter(out), new PrintWriter(err),
        "export", "--from", file.toString(), "--to", tmp.resolve("again").toString(), "--dtype", "bfloat16");
    assertEquals(0, rc, err.toString());
    assertTrue(Files.isRegularFile(tmp.resolve("again").resolve("model.safetensors")));
    rc = Cli.execute(new ModelCommand(), new PrintWriter(out), new PrintWriter(err),
        "export", "--from", file.toString(), "--to", tmp.resolve("x").toString(), "--dtype", "float16");
    assertEquals(Cli.USAGE, rc);
    assertTrue(err.toString().contains("--dtype"), err.toString());
    assertFalse(Files.exists(tmp.resolve("x")));
  }
}
