package org.lactspark.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.cli.CliExtension;
import org.lactspark.kernel.cli.ModelChoice;
import org.lactspark.kernel.model.ModelEngine;
import org.lactspark.kernel.model.ModelEngineProvider;
import org.lactspark.kernel.model.ModelEngines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code harness}: trains a model engine over a prepared dataset outside Spark (see the package). */
@Command(
    name = "harness",
    mixinStandardHelpOptions = true,
    description = {
      "Train a model engine over a prepared dataset's shards without Spark: each step runs the code a Spark",
      "task runs (the engine's forward and backward over the step's sequences) and the driver's update",
      "(mean gradient, clipping, AdamW). Prints a line every --every steps and one JSON summary line.",
      "Exit status: 0 when every step was applied, 1 when a step was skipped, 2 for bad options, 3 when",
      "the engine cannot run here."
    })
public final class HarnessCommand implements Callable<Integer> {
  @CommandLine.Mixin ModelChoice model;

  @Option(names = "--dataset", required = true, paramLabel = "DIR", description = "A prepared dataset (bin/lact prepare).")
  Path dataset;

  @Option(names = "--split", defaultValue = "train", description = "The split to read (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--engine", defaultValue = "auto", description = "Model engine: auto, nd4j or cuda (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(names = "--device", defaultValue = "0", description = "The GPU a task would be assigned; -1 for none (default: ${DEFAULT-VALUE}).")
  int device;

  @Option(names = "--steps", defaultValue = "300", description = "Steps (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--sequences", defaultValue = "4", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
  int sequences;

  @Option(names = "--micro-batch", defaultValue = "1", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
  int microBatch;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Constant AdamW learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--clip", defaultValue = "1.0", description = "Gradient-norm clipping, 0 for none (default: ${DEFAULT-VALUE}).")
  double clip;

  @Option(names = "--every", defaultValue = "25", description = "Steps between progress lines (default: ${DEFAULT-VALUE}).")
  int every;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ShardHarness.Options o;
    try {
      o = new ShardHarness.Options(split, steps, sequences, microBatch, lr, clip);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (every < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--every = " + every + ": must be >= 1");
    }
    ModelConfig config = model.config(spec.commandLine());
    ShardHarness h = new ShardHarness(dataset, config, split);
    // the engine is chosen once the arguments are known good (choosing may log why one is skipped)
    ModelEngineProvider p = ModelEngines.select(engine, config, device);
    PrintWriter out = spec.commandLine().getOut();
    List<ShardHarness.Step> done;
    long t0 = System.nanoTime();
    try (ModelEngine e = p.open(config, device)) {
      out.printf(Locale.ROOT, "harness: %s on %s, %s, dataset %s (%s, length %d), %d steps of %d sequences%n",
          e.backend(), e.device(), model.label(), dataset, split, h.length(), steps, sequences);
      out.flush();
      done = h.run(e, o, s -> {
        if (s.step() % every == 0 || s.step() == 1 || s.step() == steps) {
          out.printf(Locale.ROOT, "step %d loss %.4f grad-norm %.3f %s %.1f ms%n", s.step(), s.loss(), s.gradNorm(),
              s.applied() ? "applied" : "SKIPPED", s.nanos() / 1e6);
          out.flush();
        }
      });
      out.println(summary(e.backend(), done, (System.nanoTime() - t0) / 1e9));
    }
    out.flush();
    return done.stream().allMatch(ShardHarness.Step::applied) ? 0 : 1;
  }

  private String summary(String backend, List<ShardHarness.Step> done, double wallSeconds) {
    int k = Math.max(1, Math.min(10, done.size() / 4));
    ObjectNode j = new ObjectMapper().createObjectNode();
    j.put("harness", "train");
    j.put("engine", backend);
    j.put("preset", model.label());
    j.put("steps", done.size());
    j.put("sequences_per_step", sequences);
    j.put("loss_first", mean(done.subList(0, k)));
    j.put("loss_last", mean(done.subList(done.size() - k, done.size())));
    long tokens = done.stream().mapToLong(ShardHarness.Step::tokens).sum();
    double stepSeconds = done.stream().mapToLong(ShardHarness.Step::nanos).sum() / 1e9;
    j.put("scored_tokens_per_s", Math.round(tokens / stepSeconds));
    j.put("step_ms", Math.round(stepSeconds / done.size() * 1e4) / 10.0);
    j.put("skipped_steps", done.stream().filter(s -> !s.applied()).count());
    j.put("wall_s", Math.round(wallSeconds * 10) / 10.0);
    return j.toString();
  }

  private static double mean(List<ShardHarness.Step> steps) {
    return Math.round(steps.stream().mapToDouble(ShardHarness.Step::loss).average().orElse(Double.NaN) * 1e4) / 1e4;
  }

  /** Mounts {@code harness} at the top level. */
  public static final class Extension implements CliExtension {
    @Override
    public String parent() {
      return "";
    }

    @Override
    public Object command() {
      return new HarnessCommand();
    }
  }
}
