package org.lactspark.driver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.EvalConfig;
import org.lactspark.conf.keys.EvalKeys;
import org.lactspark.conf.load.EvalConfigLoader;
import org.lactspark.driver.eval.CheckpointWatcher;
import org.lactspark.driver.eval.EvalJob;
import org.lactspark.driver.eval.EvalReport;
import org.lactspark.driver.eval.ReportFiles;
import org.lactspark.driver.spark.LocalSpark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lact eval}: evaluates a checkpoint (and optionally a baseline) on Spark and writes the
 * report; with {@code --watch} it evaluates each new checkpoint of a run as it appears.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {"Evaluate a checkpoint: loss, perplexity, bits per byte, loss by position, retrieval on probes;",
        "writes eval.json, PNG plots and report.html. --watch RUN_DIR evaluates each new checkpoint of a run.",
        "Defaults: the newest checkpoint of lact-work/runs/small on the validation split of lact-work/datasets/bundled."})
public final class EvalCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "JSON file of eval keys (see --help-keys).")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set an eval key; repeatable.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--checkpoint", paramLabel = "DIR", description = "Sets 'checkpoint' (a run or step-N directory).")
  String checkpoint;

  @Option(names = "--baseline", paramLabel = "DIR", description = "Sets 'baseline' (a run or step-N directory).")
  String baseline;

  @Option(names = "--dataset", paramLabel = "DIR", description = "Sets 'dataset' (\"\" for none).")
  String dataset;

  @Option(names = "--probes", paramLabel = "DIR", description = "Sets 'probes'.")
  String probes;

  @Option(names = "--out", paramLabel = "DIR", description = "Sets 'out'.")
  String out;

  @Option(names = "--watch", paramLabel = "RUN_DIR",
      description = "Evaluate each complete checkpoint of this run directory that the history in 'out' does not "
          + "list yet, then keep polling (see --once, --interval).")
  String watch;

  @Option(names = "--once", description = "With --watch: evaluate what is new, then exit (for cron and other schedulers).")
  boolean once;

  @Option(names = "--interval", defaultValue = "60", paramLabel = "SECONDS",
      description = "With --watch: seconds between polls (default: ${DEFAULT-VALUE}).")
  long interval;

  @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL",
      description = "Spark master when not run by spark-submit (default: ${DEFAULT-VALUE}).")
  String master;

  @Option(names = "--json", description = "Print the report as one JSON line.")
  boolean json;

  @Option(names = "--help-keys", description = "List the eval keys with their defaults and exit.")
  boolean helpKeys;

  @Override
  public Integer call() throws IOException {
    PrintWriter o = spec.commandLine().getOut();
    if (helpKeys) {
      Keys.print(o, EvalKeys.ALL);
      return 0;
    }
    if (once && watch == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--once needs --watch RUN_DIR");
    }
    if (interval < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--interval " + interval + ": must be >= 1 second");
    }
    List<String> overrides = new ArrayList<>(sets);
    Keys.override(overrides, "checkpoint", watch != null ? watch : checkpoint);
    Keys.override(overrides, "baseline", baseline);
    Keys.override(overrides, "dataset", dataset);
    Keys.override(overrides, "probes", probes);
    Keys.override(overrides, "out", out);
    EvalConfig cfg = EvalConfigLoader.load(config, overrides);
    return watch == null ? evaluate(cfg, o) : watch(cfg, o);
  }

  private int evaluate(EvalConfig cfg, PrintWriter o) throws IOException {
    EvalJob job = new EvalJob(cfg);
    EvalJob.Plan plan = job.check(new Configuration()); // every configuration error before Spark starts
    PrintWriter err = spec.commandLine().getErr();
    try (JavaSparkContext sc = LocalSpark.start("lact eval", master)) {
      sc.setLogLevel("WARN");
      EvalReport r = job.run(sc, plan, line -> progress(err, line));
      ReportFiles files = new ReportFiles(plan.out(), sc.hadoopConfiguration());
      String html = files.write(r, List.of());
      print(o, r, files.location(), html);
    }
    return 0;
  }

  private int watch(EvalConfig cfg, PrintWriter o) throws IOException {
    EvalJob job = new EvalJob(cfg);
    Configuration conf = new Configuration();
    if (!new org.apache.hadoop.fs.Path(watch).getFileSystem(conf).exists(new org.apache.hadoop.fs.Path(watch))) {
      throw new ConfigException("checkpoint", watch, "--watch", "does not exist: give a training run directory");
    }
    job.baseline(conf); // the baseline is checked before Spark starts
    String dir = cfg.out().isBlank() ? watch + "/eval" : cfg.out();
    PrintWriter err = spec.commandLine().getErr();
    try (JavaSparkContext sc = LocalSpark.start("lact eval --watch", master)) {
      sc.setLogLevel("WARN");
      CheckpointWatcher w = new CheckpointWatcher(job, watch, dir, sc.hadoopConfiguration());
      if (once) {
        CheckpointWatcher.Poll p = w.poll(sc, line -> progress(err, line));
        if (json) {
          o.println(new ObjectMapper().writeValueAsString(p));
        } else {
          o.printf(Locale.ROOT, "evaluated %d new checkpoint(s)%s; history in %s%n", p.evaluated().size(),
              p.deferred().isEmpty() ? "" : ", " + p.deferred().size() + " not readable whole yet (left for the next run)",
              dir + "/" + ReportFiles.HISTORY);
          if (p.report() != null) {
            o.printf(Locale.ROOT, "  report  %s%n", p.report());
          }
        }
      } else {
        err.printf(Locale.ROOT, "watching %s every %d s; reports in %s (Ctrl-C stops)%n", watch, interval, dir);
        err.flush();
        w.watch(sc, interval, line -> progress(err, line), () -> false);
      }
      o.flush();
    }
    return 0;
  }

  private void print(PrintWriter o, EvalReport r, String dir, String html) throws IOException {
    if (json) {
      o.println(new ObjectMapper().writeValueAsString(r));
      o.flush();
      return;
    }
    o.printf(Locale.ROOT, "%-12s %6s %5s %10s %10s %10s %10s %8s %10s%n", "model", "step", "TTT", "loss/token",
        "perplexity", "bits/byte", "retrieval", "seconds", "tok/s");
    for (EvalReport.ModelResult m : r.models()) {
      double loss = m.loss() == null ? Double.NaN : m.loss().lossPerToken();
      double ppl = m.loss() == null ? Double.NaN : m.loss().perplexity();
      double bpb = m.loss() == null ? Double.NaN : m.loss().bitsPerByte();
      double acc = m.retrieval().stream().mapToDouble(EvalReport.ProbeResult::accuracy).average().orElse(Double.NaN);
      o.printf(Locale.ROOT, "%-12s %6d %5s %10.4f %10.3f %10.4f %10.3f %8.1f %10.0f%n", m.label(), m.step(),
          m.tttEnabled() ? "on" : "off", loss, ppl, bpb, acc, m.timing().seconds(), m.timing().tokensPerSecond());
    }
    for (String n : r.notes()) {
      o.println("  - " + n);
    }
    o.printf(Locale.ROOT, "report  %s%nnumbers %s/%s%n", html, dir, ReportFiles.JSON);
    o.flush();
  }

  private static void progress(PrintWriter err, String line) {
    err.println(line);
    err.flush();
  }
}
