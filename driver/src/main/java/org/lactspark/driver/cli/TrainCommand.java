package org.lactspark.driver.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.lactspark.conf.TrainConfig;
import org.lactspark.conf.keys.TrainKeys;
import org.lactspark.conf.load.TrainConfigLoader;
import org.lactspark.driver.metrics.StepMetrics;
import org.lactspark.driver.spark.LocalSpark;
import org.lactspark.driver.train.TrainJob;
import org.lactspark.driver.train.TrainResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lact train}: trains a LaCT model on a prepared dataset, data-parallel on Spark. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {"Train a model on a prepared dataset (Spark data-parallel; checkpoints, metrics, loss plot).",
        "Defaults: the small preset on lact-work/datasets/bundled into lact-work/runs/small."})
public final class TrainCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "JSON file of train keys (see --help-keys).")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set a train key; repeatable.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--model-set", paramLabel = "KEY=VALUE", description = "Override a model key; repeatable.")
  List<String> modelSets = new ArrayList<>();

  @Option(names = "--dataset", paramLabel = "DIR", description = "Sets 'dataset'.")
  String dataset;

  @Option(names = "--model", paramLabel = "PRESET|FILE", description = "Sets 'model'.")
  String model;

  @Option(names = "--run-dir", paramLabel = "DIR", description = "Sets 'runDir'.")
  String runDir;

  @Option(names = "--steps", paramLabel = "N", description = "Sets 'steps'.")
  Integer steps;

  @Option(names = "--resume", description = "Continue from the newest usable checkpoint in the run directory.")
  boolean resume;

  @Option(names = "--overwrite", description = "Delete the run directory first (a new run in its place).")
  boolean overwrite;

  @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL",
      description = "Spark master when not run by spark-submit (default: ${DEFAULT-VALUE}).")
  String master;

  @Option(names = "--json", description = "Print the summary as one JSON line.")
  boolean json;

  @Option(names = "--help-keys", description = "List the train keys with their defaults and exit.")
  boolean helpKeys;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (helpKeys) {
      Keys.print(out, TrainKeys.ALL);
      return 0;
    }
    if (resume && overwrite) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--resume continues a run and --overwrite replaces it:"
          + " give one");
    }
    List<String> o = new ArrayList<>(sets);
    Keys.override(o, "dataset", dataset);
    Keys.override(o, "model", model);
    Keys.override(o, "runDir", runDir);
    Keys.override(o, "steps", steps);
    TrainConfig cfg = TrainConfigLoader.load(config, o);
    TrainJob job = new TrainJob(cfg, modelSets);
    job.check(new org.apache.hadoop.conf.Configuration()); // every configuration error before Spark starts
    PrintWriter err = spec.commandLine().getErr();
    try (JavaSparkContext sc = LocalSpark.start("lact train", master)) {
      sc.setLogLevel("WARN");
      long t0 = System.nanoTime();
      TrainResult r = job.run(sc, resume, overwrite, m -> progress(err, m, cfg.steps(), t0));
      if (json) {
        out.printf(Locale.ROOT, "{\"command\":\"train\",\"steps\":%d,\"first_step\":%d,\"train_loss\":%.6f,"
            + "\"validation_loss\":%.6f,\"validation_tokens\":%d,\"skipped_steps\":%d,\"seconds\":%.1f,"
            + "\"checkpoint\":\"%s\",\"metrics\":\"%s\",\"plot\":\"%s\"}%n", r.steps(), r.firstStep(), r.trainLoss(),
            r.validationLoss(), r.validationTokens(), r.skippedSteps(), r.seconds(), r.checkpoint(), r.metrics(),
            r.plot());
      } else {
        out.printf(Locale.ROOT, "trained %s for steps %d-%d in %.0f s%n", cfg.model(), r.firstStep() + 1, r.steps(),
            r.seconds());
        out.printf(Locale.ROOT, "  train loss       %.4f (last step)%n", r.trainLoss());
        out.printf(Locale.ROOT, "  validation loss  %.4f over %,d tokens%n", r.validationLoss(), r.validationTokens());
        out.printf(Locale.ROOT, "  checkpoint       %s%n", r.checkpoint());
        out.printf(Locale.ROOT, "  metrics          %s%n", r.metrics());
        out.printf(Locale.ROOT, "  loss plot        %s%n", r.plot());
        if (r.skippedSteps() > 0) {
          out.printf(Locale.ROOT, "  skipped steps    %d (NaN/Inf)%n", r.skippedSteps());
        }
      }
      out.flush();
    }
    return 0;
  }

  private static void progress(PrintWriter err, StepMetrics m, int steps, long t0) {
    int width = 20;
    int filled = (int) ((long) width * m.step() / steps);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    double eta = elapsed / m.step() * (steps - m.step());
    err.printf(Locale.ROOT, "[%s%s] step %d/%d loss %.4f lr %.2e |g| %.3f %.2f s/step (comm %.2f) %.0f tok/s MFU %.1f%%"
        + " ETA %s%s%n", "#".repeat(filled), ".".repeat(width - filled), m.step(), steps, m.loss(), m.lr(), m.gradNorm(),
        m.seconds(), m.commSeconds(), m.tokensPerSecond(), 100 * m.mfu(), duration(eta), m.skipped() ? " SKIPPED" : "");
    err.flush();
  }

  private static String duration(double s) {
    long t = Math.round(s);
    return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
  }
}
