package org.lactspark.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lactspark.kernel.cli.Cli;
import org.lactspark.kernel.cli.KernelMain;
import org.lactspark.kernel.cli.TrainStepBenchmarks;

/** {@code bench train-step} on the nd4j backend, through kernel-api's command as a user runs it. */
class Nd4jTrainStepBenchmarkTest {

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Cli.execute(new KernelMain(), new PrintWriter(out), new PrintWriter(err), args);
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  void isRegisteredUnderNd4j() {
    assertTrue(TrainStepBenchmarks.names().contains("nd4j"), TrainStepBenchmarks.names().toString());
  }

  @Test
  void printsTheFieldsItAlwaysHadInTheirOrder() throws Exception {
    Run r = run("bench", "train-step", "--preset", "tiny", "--length", "32", "--warmup", "0", "--runs", "2");
    assertEquals(0, r.status(), r.err());
    assertEquals(1, r.out().strip().lines().count(), r.out());
    JsonNode j = new ObjectMapper().readTree(r.out());
    List<String> keys = new ArrayList<>();
    j.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("bench", "preset", "backend", "dtype", "batch", "length", "params", "step_ms", "op_ms",
        "rest_ms", "tokens_per_s", "op_gflops", "rest_gflops", "gemm_peak_gflops", "loss_first", "loss_last",
        "peak_memory_bytes", "forward_train_ms", "forward_eval_ms", "model_flops_per_step"), keys);
    assertEquals("nd4j", j.get("backend").asText());
    assertTrue(j.get("step_ms").asDouble() >= j.get("op_ms").asDouble() && j.get("op_ms").asDouble() > 0, r.out());
    assertTrue(Double.isFinite(j.get("loss_last").asDouble()) && j.get("loss_first").asDouble() > 0, r.out());
    assertTrue(j.get("tokens_per_s").isIntegralNumber() && j.get("peak_memory_bytes").isIntegralNumber(), r.out());
    assertTrue(j.get("model_flops_per_step").asLong() > 6L * j.get("params").asLong() * 32, r.out());
    // the same seeded tokens and initialisation give the same first loss on every run
    Run again = run("bench", "train-step", "--preset", "tiny", "--length", "32", "--warmup", "0", "--runs", "1");
    assertEquals(j.get("loss_first").asDouble(), new ObjectMapper().readTree(again.out()).get("loss_first").asDouble());
  }

  @Test
  void otherPrecisionsAreAUsageErrorNamingTheValue() {
    Run r = run("bench", "train-step", "--preset", "tiny", "--length", "8", "--dtype", "float64");
    assertEquals(Cli.USAGE, r.status());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: --dtype float64: the nd4j train-step benchmark runs float32 only"), r.err());
    assertEquals("", r.out());
  }
}
