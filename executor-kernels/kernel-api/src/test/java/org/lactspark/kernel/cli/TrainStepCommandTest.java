package org.lactspark.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.kernel.model.ModelFlops;
import org.lactspark.kernel.params.LactModelLayout;

/**
 * {@code bench train-step} against the test-only {@link FakeTrainStepBenchmark}s: the JSON line's
 * shape and order, the lookup's messages and exit statuses, and option checks that come before
 * any backend is looked up.
 */
class TrainStepCommandTest {

  @BeforeEach
  @AfterEach
  void reset() {
    FakeTrainStepBenchmark.fields = FakeTrainStepBenchmark.standard();
    FakeTrainStepBenchmark.lastConfig = null;
    FakeTrainStepBenchmark.lastOptions = null;
  }

  private static CliTestSupport.Run bench(String... args) {
    return CliTestSupport.run(Stream.concat(Stream.of("bench", "train-step"), Stream.of(args)).toArray(String[]::new));
  }

  @Test
  void printsTheCommonFieldsThenTheBenchmarksInItsOrderThenTheModelFlops() throws Exception {
    CliTestSupport.Run r = bench("--backend", "fake", "--preset", "tiny", "--length", "64", "--batch", "2",
        "--warmup", "0", "--steps", "3");
    assertEquals(0, r.status(), r.err());
    assertEquals(1, r.out().strip().lines().count(), r.out());
    ModelConfig tiny = Presets.load("tiny");
    long params = LactModelLayout.of(tiny).size();
    assertTrue(r.out().startsWith("{\"bench\":\"train-step\",\"preset\":\"tiny\",\"backend\":\"fake\","
        + "\"dtype\":\"float32\",\"batch\":2,\"length\":64,\"params\":" + params + ",\"step_ms\":12.5,"), r.out());
    JsonNode j = new ObjectMapper().readTree(r.lastLine());
    List<String> keys = new ArrayList<>();
    j.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("bench", "preset", "backend", "dtype", "batch", "length", "params", "step_ms",
        "tokens_per_s", "loss_first", "loss_last", "peak_memory_bytes", "device", "model_flops_per_step"), keys);
    assertTrue(j.get("model_flops_per_step").isIntegralNumber(), r.lastLine());
    assertEquals(Math.round(ModelFlops.step(tiny, 2, 64)), j.get("model_flops_per_step").asLong());
    assertEquals("fake device", j.get("device").asText());
    assertEquals(new TrainStepBenchmark.TrainStepOptions(2, 64, 0, 3, "float32", TrainStepCommand.SEED),
        FakeTrainStepBenchmark.lastOptions);
    assertEquals(tiny, FakeTrainStepBenchmark.lastConfig);
  }

  @Test
  void defaultsAndAModelConfigFileAreHonoured() throws Exception {
    Path config = modelFixtures().resolve("bench-cpu-small.config.json");
    CliTestSupport.Run r = bench("--backend", "fake", "--model-config", config.toString(), "--dtype", "BFloat16");
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.lastLine());
    assertEquals("bench-cpu-small.config.json", j.get("preset").asText());
    assertEquals("bfloat16", j.get("dtype").asText(), "the precision is passed on by its canonical name");
    assertEquals(3818280, j.get("params").asLong());
    assertEquals(new TrainStepBenchmark.TrainStepOptions(1, 512, 2, 5, "bfloat16", TrainStepCommand.SEED),
        FakeTrainStepBenchmark.lastOptions);
  }

  @Test
  void theDefaultBackendIsNd4jAndAnUnknownOneListsTheRegistered() {
    // kernel-api's tests register only the fakes, so the default backend is unknown here
    CliTestSupport.Run r = bench("--length", "8");
    assertEquals(Cli.USAGE, r.status());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: unknown train-step backend 'nd4j': registered are [fake, fake-absent]"),
        r.err());
    r = bench("--backend", "tpu");
    assertEquals(Cli.USAGE, r.status());
    assertTrue(r.err().contains("unknown train-step backend 'tpu'"), r.err());
    assertEquals("", r.out());
  }

  @Test
  void anUnavailableBackendSaysWhyWithTheBackendStatus() {
    CliTestSupport.Run r = bench("--backend", "fake-absent", "--length", "8");
    assertEquals(Cli.BACKEND, r.status());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("'fake-absent' cannot run here: " + FakeTrainStepBenchmark.Unavailable.WHY), r.err());
    assertEquals("", r.out());
  }

  @Test
  void badOptionsAreOneUsageLineBeforeAnyBackendIsLookedUp() {
    String[][] cases = {
      {"--length", "1"}, {"--batch", "0"}, {"--runs", "0"}, {"--steps", "0"}, {"--warmup", "-1"},
      {"--dtype", "float16"}, {"--length", "many"}, {"--preset", "nope"}, {"--no-such-option"},
      {"--preset", "tiny", "--model-config", "x.json"},
    };
    String[] named = {"--length = 1", "--batch = 0", "--runs = 0", "--runs = 0", "--warmup = -1",
      "--dtype: unknown dtype 'float16'", "--length", "nope", "--no-such-option", "not both"};
    for (int i = 0; i < cases.length; i++) {
      // an unavailable backend: were it looked up first, the status would be 3
      List<String> args = new ArrayList<>(List.of("--backend", "fake-absent"));
      args.addAll(List.of(cases[i]));
      CliTestSupport.Run r = bench(args.toArray(String[]::new));
      String what = String.join(" ", cases[i]) + ": " + r.err();
      assertEquals(Cli.USAGE, r.status(), what);
      assertEquals(1, r.err().strip().lines().count(), what);
      assertTrue(r.err().startsWith("error: ") && r.err().contains(named[i]), what);
      assertEquals("", r.out(), what);
    }
    assertNull(FakeTrainStepBenchmark.lastOptions, "no benchmark ran");
  }

  @Test
  void aBenchmarkThatBreaksTheContractIsABugNamingIt() {
    ModelConfig tiny = Presets.load("tiny");
    TrainStepBenchmark.TrainStepOptions o = new TrainStepBenchmark.TrainStepOptions(1, 8, 0, 1, "float32", 1);
    LinkedHashMap<String, Object> missing = FakeTrainStepBenchmark.standard();
    missing.remove("loss_last");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TrainStepCommand.line("tiny", "fake", tiny, o, missing));
    assertTrue(e.getMessage().contains("'fake'") && e.getMessage().contains("[loss_last]"), e.getMessage());
    LinkedHashMap<String, Object> clash = FakeTrainStepBenchmark.standard();
    clash.put("params", 1);
    e = assertThrows(IllegalStateException.class, () -> TrainStepCommand.line("tiny", "fake", tiny, o, clash));
    assertTrue(e.getMessage().contains("[params]"), e.getMessage());
  }

  @Test
  void hasHelpAndIsListedUnderBench() {
    CliTestSupport.Run r = bench("--help");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("--backend") && r.out().contains("--preset") && r.out().contains("--steps"), r.out());
    assertTrue(CliTestSupport.run("bench", "--help").out().contains("train-step"));
  }

  /** The repository's fixtures/lact-model, found above the working directory. */
  private static Path modelFixtures() {
    Path c = CliTestSupport.fixtures().resolveSibling("lact-model");
    assertTrue(Files.isDirectory(c), c.toString());
    return c;
  }
}
