package org.lactspark.model.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.Npy;

/**
 * A case written by {@link ModelGoldenWriter} is one the model conformance runner reads as it reads
 * the official fixtures: ND4J reproduces it in float64 and within its tolerances in float32, and a
 * gradient moved by one part in a million is caught and named.
 */
class ModelGoldenWriterTest {
  @TempDir static Path tmp;
  static Path dir;

  @BeforeAll
  static void write() throws IOException {
    dir = tmp.resolve("cases/tiny-seed7");
    // 160 tokens: two updates per layer (chunk 64) and positions beyond the 64-token window
    ModelGoldenWriter.write(Presets.load("tiny"), new ModelGoldenWriter.Shape(2, 160, 7, false), dir);
  }

  @Test
  void theCaseHasTheFixturesFormat() throws IOException {
    JsonNode c = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
    assertEquals(2, c.path("batch").asInt());
    assertEquals(160, c.path("seq_len").asInt());
    assertEquals(256, c.path("config").path("vocab_size").asInt());
    int params = c.path("params").size();
    assertTrue(params > 10, "params listed: " + params);
    for (JsonNode p : c.path("params")) {
      String name = p.path("name").asText();
      assertTrue(Files.exists(dir.resolve("param." + name + ".npy")), name);
      assertTrue(Files.exists(dir.resolve("grad." + name + ".npy")), name);
      assertTrue(c.path("tolerances").path("float32_per_tensor").path("grad." + name).asDouble() >= 1e-4, name);
    }
    HostTensor ids = Npy.read(dir.resolve("input_ids.npy"));
    assertEquals(2 * 160, ids.size());
    HostTensor labels = Npy.read(dir.resolve("labels.npy"));
    long ignored = java.util.Arrays.stream(labels.data()).filter(x -> x == -100).count();
    assertEquals(2, ignored, "one ignored label per row");
    assertEquals(0, Npy.read(dir.resolve("loss.npy")).rank());
    try (Stream<Path> s = Files.list(tmp.resolve("cases"))) {
      assertEquals(java.util.List.of("tiny-seed7"), s.map(p -> p.getFileName().toString()).collect(Collectors.toList()),
          "no temporary folder is left beside the case");
    }
  }

  @Test
  void nd4jReproducesItInFloat64AndFloat32() {
    for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
      ConformanceRunner.CaseResult r = ModelGolden.run(dir, "nd4j", t);
      assertNull(r.error(), r.error());
      assertTrue(r.passed(), t + ": " + r.tensors().stream().filter(x -> !x.passed())
          .map(x -> x.tensor() + " " + x.failure()).collect(Collectors.joining("; ")));
      if (t == DType.FLOAT64) {
        assertTrue(r.maxRelError() < 1e-12, "the same backend in float64: " + r.maxRelError());
      }
    }
  }

  @Test
  void documentsAndProjectOnlyKeysTravelInTheCase() throws IOException {
    Path docs = tmp.resolve("cases-docs/restart");
    ModelConfig c = Presets.load("tiny", java.util.List.of("documentRestart=true", "padTokenId=0", "numLayers=1"));
    ModelGoldenWriter.write(c, new ModelGoldenWriter.Shape(2, 40, 3, true), docs);
    JsonNode j = new ObjectMapper().readTree(docs.resolve("case.json").toFile());
    assertTrue(j.path("model_config").path("documentRestart").asBoolean(), "the official config cannot say it");
    double[] d = Npy.read(docs.resolve("documents.npy")).data();
    assertEquals(0.0, d[d.length - 1], "the last row ends in padding");
    assertTrue(java.util.Arrays.stream(d).max().orElse(0) >= 1.0);
    for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
      ConformanceRunner.CaseResult r = ModelGolden.run(docs, "nd4j", t);
      assertNull(r.error(), r.error());
      assertTrue(r.passed(), t + ": " + r.maxRelError());
    }
    Path off = tmp.resolve("cases-off/ttt-off");
    ModelGoldenWriter.write(Presets.load("tiny", java.util.List.of("tttEnabled=false", "numLayers=1")),
        new ModelGoldenWriter.Shape(1, 24, 3, false), off);
    assertFalse(Files.exists(off.resolve("config.json")), "the TTT-off baseline has no official config");
    assertTrue(ModelGolden.run(off, "nd4j", DType.FLOAT64).passed());
  }

  @Test
  void aGradientOffByOnePartInAMillionFailsNamingIt() throws IOException {
    Path copy = tmp.resolve("tampered/case");
    Files.createDirectories(copy);
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.collect(Collectors.toList())) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    Path grad = copy.resolve("grad.model.norm.weight.npy");
    HostTensor g = Npy.read(grad);
    for (int i = 0; i < g.size(); i++) {
      g.data()[i] *= 1 + 1e-6;
    }
    Npy.write(grad, g);
    ConformanceRunner.CaseResult r = ModelGolden.run(copy, "nd4j", DType.FLOAT64);
    assertFalse(r.passed());
    assertEquals(java.util.List.of("grad.model.norm.weight"),
        r.tensors().stream().filter(x -> !x.passed()).map(ConformanceRunner.TensorResult::tensor).collect(Collectors.toList()));
  }

  @Test
  void aNonEmptyFolderIsRefusedAndLeftAlone() throws IOException {
    Path taken = tmp.resolve("taken");
    Files.createDirectories(taken);
    Files.writeString(taken.resolve("keep.txt"), "mine");
    IOException e = assertThrows(IOException.class,
        () -> ModelGoldenWriter.write(Presets.load("tiny"), new ModelGoldenWriter.Shape(1, 8, 1, false), taken));
    assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    assertEquals("mine", Files.readString(taken.resolve("keep.txt")));
    assertThrows(IllegalArgumentException.class, () -> new ModelGoldenWriter.Shape(1, 1, 0, false));
  }
}
