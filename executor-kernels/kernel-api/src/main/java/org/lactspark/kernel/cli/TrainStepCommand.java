package org.lactspark.kernel.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.model.ModelFlops;
import org.lactspark.kernel.params.LactModelLayout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench train-step}: one training step of a model (forward, backward and the AdamW update
 * the train job runs) on seeded random tokens, measured by the {@link TrainStepBenchmark} of the
 * backend named by {@code --backend} (found with {@link java.util.ServiceLoader}, so the command
 * exists wherever kernel-api does, also on a GPU host without ND4J). Prints one JSON line: {@code
 * bench}, {@code preset}, {@code backend}, {@code dtype}, {@code batch}, {@code length}, {@code
 * params}, then the benchmark's own fields in its order, then {@code model_flops_per_step} ({@link
 * ModelFlops#step}, the count model-FLOPs utilisation divides by, the same for every backend).
 *
 * <p>Options are checked, and the model config read, before a backend is looked up, so a usage
 * error is the same one line (exit 2) wherever the command runs.
 */
@Command(
    name = "train-step",
    mixinStandardHelpOptions = true,
    description = "Benchmark one training step of a model preset or config on a backend; prints one JSON line.")
public final class TrainStepCommand implements Callable<Integer> {
  /**
   * Seed of the random tokens: the one the ND4J benchmark has always used, so losses compare with
   * earlier results.
   */
  public static final long SEED = 1234;

  /** The fields every line starts with; a benchmark may not return them. */
  static final List<String> COMMON = List.of("bench", "preset", "backend", "dtype", "batch", "length", "params");

  /** The field every line ends with. */
  static final String MODEL_FLOPS = "model_flops_per_step";

  /** The fields every benchmark must return (see {@link TrainStepBenchmark#run}). */
  static final List<String> REQUIRED = List.of("step_ms", "tokens_per_s", "loss_first", "loss_last",
      "peak_memory_bytes");

  @CommandLine.Mixin ModelChoice model;

  @Option(names = "--dtype", defaultValue = "float32", paramLabel = "DTYPE",
      description = "Precision: float32, float64 or bfloat16, as far as the backend supports it (default: ${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = "--length", defaultValue = "512", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
  int length;

  @Option(names = "--batch", defaultValue = "1", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = {"--runs", "--steps"}, defaultValue = "5", description = "Timed steps (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--backend", defaultValue = "nd4j", paramLabel = "NAME",
      description = "Which backend runs and measures the step: nd4j (the DL4J model, lact-model) or cuda "
          + "(kernel-cuda), as registered here (default: ${DEFAULT-VALUE}).")
  String backend;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    DType type = validate();
    ModelConfig c = model.config(spec.commandLine());
    TrainStepBenchmark bench = TrainStepBenchmarks.select(backend);
    TrainStepBenchmark.TrainStepOptions o =
        new TrainStepBenchmark.TrainStepOptions(batch, length, warmup, runs, type.cliName(), SEED);
    LinkedHashMap<String, Object> fields = bench.run(c, o);
    PrintWriter out = spec.commandLine().getOut();
    out.println(line(model.label(), bench.backend(), c, o, fields));
    out.flush();
    return 0;
  }

  /** The option checks; returns the parsed precision. */
  private DType validate() {
    CommandLine cl = spec.commandLine();
    if (length < 2) {
      // a step predicts token i + 1 from tokens up to i, so one token gives no target
      throw new CommandLine.ParameterException(cl, "--length = " + length + ": must be >= 2");
    }
    if (batch < 1) {
      throw new CommandLine.ParameterException(cl, "--batch = " + batch + ": must be >= 1");
    }
    if (runs < 1) {
      throw new CommandLine.ParameterException(cl, "--runs = " + runs + ": must be >= 1");
    }
    if (warmup < 0) {
      throw new CommandLine.ParameterException(cl, "--warmup = " + warmup + ": must be >= 0");
    }
    try {
      return DType.parse(dtype);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, "--dtype: " + e.getMessage());
    }
  }

  /**
   * The JSON line of a run.
   *
   * @throws IllegalStateException if the benchmark broke its contract: it returned a common field or
   *     {@value #MODEL_FLOPS}, or left out a required one
   */
  static String line(String label, String backend, ModelConfig c, TrainStepBenchmark.TrainStepOptions o,
      Map<String, Object> fields) throws JsonProcessingException {
    List<String> clash = fields.keySet().stream().filter(k -> COMMON.contains(k) || k.equals(MODEL_FLOPS)).toList();
    List<String> missing = new ArrayList<>(REQUIRED);
    missing.removeAll(fields.keySet());
    if (!clash.isEmpty() || !missing.isEmpty()) {
      throw new IllegalStateException("train-step backend '" + backend + "' returned the command's own fields "
          + clash + " or lacks the required " + missing);
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("bench", "train-step");
    r.put("preset", label);
    r.put("backend", backend);
    r.put("dtype", o.dtype());
    r.put("batch", o.batch());
    r.put("length", o.length());
    r.put("params", LactModelLayout.of(c).size());
    r.putAll(fields);
    // an integer: every term of the count is a whole number of FLOPs
    r.put(MODEL_FLOPS, Math.round(ModelFlops.step(c, o.batch(), o.length())));
    return new ObjectMapper().writeValueAsString(r);
  }
}
