package org.lactspark.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/lact} as a user runs it, from another directory, against the packaged distribution
 * ({@code driver/target/lib}, built by the package phase before this module's integration tests).
 */
class LauncherIT {
  @TempDir Path elsewhere;

  private static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isExecutable(dir.resolve("bin/lact"))) {
        return dir;
      }
    }
    throw new IllegalStateException("bin/lact not found above " + Path.of("").toAbsolutePath());
  }

  private record Result(int status, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  private Result lact(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(root().resolve("bin/lact").toString());
    cmd.addAll(List.of(args));
    Path out = elsewhere.resolve("out.txt");
    Path err = elsewhere.resolve("err.txt");
    Process p = new ProcessBuilder(cmd).directory(elsewhere.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "bin/lact did not finish");
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void conformancePassesOnTheDefaultBackendInBothPrecisions() throws Exception {
    for (String dtype : List.of("float64", "float32")) {
      Result r = lact("conformance", "--fixtures", root().resolve("fixtures/lact-op").toString(), "--dtype", dtype);
      assertEquals(0, r.status(), r.out() + r.err());
      assertTrue(r.out().startsWith("op conformance: backend nd4j"), r.out());
      assertEquals("7 passed, 0 failed", r.lastLine());
    }
  }

  @Test
  void layerAndModelConformancePassInFloat64() throws Exception {
    Result layer = lact("conformance", "--fixtures", root().resolve("fixtures/lact-layer").toString());
    assertEquals(0, layer.status(), layer.out() + layer.err());
    assertTrue(layer.out().startsWith("layer conformance"), layer.out());
    assertEquals("2 passed, 0 failed", layer.lastLine());
    Result model = lact("conformance", "--fixtures", root().resolve("fixtures/lact-model").toString());
    assertEquals(0, model.status(), model.out() + model.err());
    assertTrue(model.out().startsWith("model conformance"), model.out());
    assertEquals("1 passed, 0 failed", model.lastLine());
  }

  @Test
  void trainStepBenchPrintsJson() throws Exception {
    Result r = lact("bench", "train-step", "--preset", "tiny", "--length", "64", "--warmup", "0", "--runs", "2");
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.lastLine());
    assertEquals("train-step", j.get("bench").asText());
    assertEquals("nd4j", j.get("backend").asText(), "the default backend");
    assertEquals("float32", j.get("dtype").asText());
    assertTrue(j.get("step_ms").asDouble() > j.get("op_ms").asDouble(), r.lastLine());
    assertTrue(j.get("op_ms").asDouble() > 0, r.lastLine());
    assertTrue(Double.isFinite(j.get("loss_last").asDouble()), r.lastLine());
    assertTrue(j.get("model_flops_per_step").asLong() > 0, r.lastLine());
    Result unknown = lact("bench", "train-step", "--backend", "tpu");
    assertEquals(2, unknown.status());
    assertTrue(unknown.err().strip().startsWith("error: unknown train-step backend 'tpu'")
        && unknown.err().contains("nd4j"), unknown.err());
  }

  @Test
  void benchPrintsJsonOnTheDefaultBackend() throws Exception {
    Result r = lact("bench", "lact-op", "--n", "2", "--d-in", "16", "--d-h", "24", "--length", "200", "--chunk",
        "64", "--warmup", "1", "--runs", "2");
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.lastLine());
    assertEquals("nd4j", j.get("backend").asText());
    assertEquals("float32", j.get("dtype").asText());
    assertTrue(j.get("forward_backward_ms").asDouble() > 0);
    assertTrue(j.get("saved_state_bytes").asLong() > 0);
  }

  @Test
  void officialConfigBenchAndModelCommandsRunFromAnyDirectory() throws Exception {
    Result bench = lact("bench", "train-step", "--model-config",
        root().resolve("fixtures/lact-model/bench-cpu-small.config.json").toString(), "--length", "32", "--warmup",
        "0", "--steps", "1");
    assertEquals(0, bench.status(), bench.err());
    assertEquals(3818280, new ObjectMapper().readTree(bench.lastLine()).get("params").asLong(), bench.lastLine());
    Result layer = lact("conformance", "--layer-fixtures", root().resolve("fixtures/lact-layer").toString(),
        "--dtype", "float32");
    assertEquals(0, layer.status(), layer.out() + layer.err());
    assertEquals("2 passed, 0 failed", layer.lastLine());
    Result noConfig = lact("model", "import", "--from", elsewhere.toString(), "--to", "m.zip");
    assertEquals(2, noConfig.status());
    assertTrue(noConfig.err().strip().startsWith("error: ") && noConfig.err().contains("config.json"), noConfig.err());
    assertFalse(Files.exists(elsewhere.resolve("m.zip")));
  }

  @Test
  void prepareWithoutArgumentsPreparesTheBundledCorpusOnceAndNamesBadInput() throws Exception {
    Result r = lact("prepare", "--json", "--progress-seconds", "1");
    assertEquals(0, r.status(), r.out() + r.err());
    JsonNode j = new ObjectMapper().readTree(r.lastLine());
    Path dataset = elsewhere.resolve("lact-work/datasets/bundled");
    assertTrue(j.get("documents").asLong() > 4000, r.lastLine());
    assertEquals(Files.size(root().resolve("driver/target/corpus/dickens.txt"))
        + Files.size(root().resolve("driver/target/corpus/shakes.txt")), j.get("input_bytes").asLong());
    assertTrue(Files.exists(dataset.resolve("manifest.json")));
    assertTrue(r.err().contains("prepare [done]"), r.err());
    JsonNode manifest = new ObjectMapper().readTree(dataset.resolve("manifest.json").toFile());
    assertEquals("byte", manifest.get("tokenizer").get("name").asText());
    assertEquals(j.get("tokens").asLong(), manifest.get("counts").get("tokens").asLong());

    Result train = lact("train", "--json", "--model", "tiny", "--model-set", "contextLength=2048", "--steps", "2",
        "--set", "batchTokens=2048", "--set", "warmupSteps=1", "--set", "validationSequences=2", "--run-dir", "run");
    assertEquals(0, train.status(), train.out() + train.err());
    JsonNode t = new ObjectMapper().readTree(train.lastLine());
    assertTrue(Double.isFinite(t.get("validation_loss").asDouble()) && t.get("validation_loss").asDouble() > 0,
        train.lastLine());
    assertTrue(Files.exists(elsewhere.resolve("run/checkpoints/step-00000002/checkpoint.json")));
    assertTrue(Files.size(elsewhere.resolve("run/loss.png")) > 1000);
    assertTrue(train.err().contains("step 2/2"), train.err());
    Result eval = lact("eval", "--checkpoint", "run", "--json", "--set", "maxSequences=2");
    assertEquals(0, eval.status(), eval.out() + eval.err());
    JsonNode e = new ObjectMapper().readTree(eval.lastLine());
    assertEquals(t.get("validation_loss").asDouble(), e.get("models").get(0).get("loss").get("lossPerToken").asDouble(),
        1e-4, "eval's loss over the same 2 validation sequences as training's validation pass");
    assertTrue(Files.exists(elsewhere.resolve("run/eval/report.html")) && Files.exists(elsewhere.resolve("run/eval/eval.json")));
    Result watch = lact("eval", "--watch", "run", "--once", "--set", "maxSequences=1", "--out", "watched");
    assertEquals(0, watch.status(), watch.out() + watch.err());
    assertTrue(watch.out().contains("evaluated 1 new checkpoint"), watch.out());
    assertTrue(lact("eval", "--watch", "run", "--once", "--set", "maxSequences=1", "--out", "watched").out()
        .contains("evaluated 0 new checkpoint"));
    Result gen = lact("generate", "--checkpoint", "run", "--prompt", "It was", "--max-tokens", "5", "--json");
    assertEquals(0, gen.status(), gen.out() + gen.err());
    assertEquals(5, new ObjectMapper().readTree(gen.lastLine()).get("ids").size(), gen.lastLine());
    Result noCkpt = lact("eval", "--checkpoint", "nowhere");
    assertEquals(2, noCkpt.status(), noCkpt.out() + noCkpt.err());
    assertTrue(noCkpt.err().contains("checkpoint") && noCkpt.err().contains("does not exist"), noCkpt.err());

    Result more = lact("train", "--model", "tiny", "--model-set", "contextLength=2048", "--steps", "3", "--set",
        "batchTokens=2048", "--set", "warmupSteps=1", "--run-dir", "run");
    assertEquals(2, more.status(), more.out() + more.err());
    assertTrue(more.err().contains("warmupSteps") || more.err().contains("--resume"), more.err());

    Result again = lact("prepare");
    assertEquals(2, again.status(), again.out() + again.err());
    assertTrue(again.err().contains("already holds a dataset") && again.err().contains("--overwrite"), again.err());

    Files.write(elsewhere.resolve("bad.txt"), new byte[] {'o', 'k', '\n', (byte) 0xC3, '(', '\n'});
    Result bad = lact("prepare", "--input", "bad.txt", "--format", "lines", "--out", "bad-ds");
    assertEquals(2, bad.status(), bad.out() + bad.err());
    assertTrue(bad.err().contains("bad.txt line 2: not UTF-8") && bad.err().contains("onBadInput=skip"), bad.err());
    assertFalse(Files.exists(elsewhere.resolve("bad-ds/manifest.json")));
    Result skipped = lact("prepare", "--input", "bad.txt", "--format", "lines", "--out", "bad-ds",
        "--on-bad-input", "skip", "--set", "validationFraction=0");
    assertEquals(0, skipped.status(), skipped.out() + skipped.err());
    assertTrue(skipped.out().contains("bad input   1 left out") && skipped.out().contains("bad.txt line 2"),
        skipped.out());
  }

  @Test
  void usageErrorsAreOneLineAndStatusTwo() throws Exception {
    Result r = lact("conformance", "--fixtures", "missing-dir");
    assertEquals(2, r.status());
    assertTrue(r.err().strip().startsWith("error: fixtures directory missing-dir"), r.err());
    Result none = lact();
    assertEquals(2, none.status());
    assertTrue(lact("--version").out().startsWith("lact-spark"));
  }
}
