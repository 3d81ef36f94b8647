package org.lactspark.driver.eval;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.lactspark.conf.EvalConfig;
import org.lactspark.data.hadoop.SerializableConf;
import org.lactspark.data.tokenize.TokenizerSpec;

/**
 * The evaluation job ({@code bin/lact eval}): one model, and optionally a baseline, over a
 * prepared dataset (loss, perplexity, per byte, by position) and a probe dataset (retrieval by
 * length and depth), distributed on Spark ({@link EvalPass}). {@link #check} resolves and checks
 * everything before Spark starts; {@link #run} computes the {@link EvalReport}.
 */
public final class EvalJob {
  private final EvalConfig config;

  /** A job of {@code config}. */
  public EvalJob(EvalConfig config) {
    this.config = config;
  }

  /** The configuration. */
  public EvalConfig config() {
    return config;
  }

  /**
   * Everything resolved and checked.
   *
   * @param models the model, then the baseline if any
   * @param dataset the dataset scored for loss, or null
   * @param probes the probe dataset, or null
   * @param out the report directory
   */
  public record Plan(List<EvalModel> models, EvalData dataset, EvalData probes, String out) {}

  /**
   * Resolves the checkpoints and datasets and checks them against each other (the command calls it
   * before Spark starts).
   *
   * @throws org.lactspark.conf.ConfigException naming the key of the first problem
   */
  public Plan check(Configuration conf) throws IOException {
    List<EvalModel> models = new ArrayList<>();
    models.add(EvalModel.resolve(config.label(), config.checkpoint(), "checkpoint", source("checkpoint"), conf));
    baseline(conf).ifPresent(models::add);
    return plan(models, config.out().isBlank() ? models.get(0).runDir() + "/eval" : config.out(), conf);
  }

  /** The baseline, resolved, if one is configured. */
  public java.util.Optional<EvalModel> baseline(Configuration conf) throws IOException {
    if (config.baseline().isBlank()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        EvalModel.resolve(config.baselineLabel(), config.baseline(), "baseline", source("baseline"), conf));
  }

  /** The plan for {@code models} (resolved elsewhere, as a watcher does) writing into {@code out}. */
  public Plan plan(List<EvalModel> models, String out, Configuration conf) {
    EvalData data = config.dataset().isBlank() ? null
        : EvalData.open("dataset", config.dataset(), source("dataset"), config.split(), conf);
    EvalData probes = config.probes().isBlank() ? null
        : EvalData.open("probes", config.probes(), source("probes"), null, conf);
    for (EvalModel m : models) {
      if (data != null) {
        data.checkAgainst(m, "dataset", source("dataset"), conf);
      }
      if (probes != null) {
        probes.checkAgainst(m, "probes", source("probes"), conf);
      }
      if (config.segmentTokens() > 0 && m.config().documentRestart()) {
        throw new org.lactspark.conf.ConfigException("segmentTokens", config.segmentTokens(), source("segmentTokens"),
            "model '" + m.label() + "' restarts its fast weights at document starts (documentRestart), which the "
                + "streaming state does not follow: use segmentTokens=0");
      }
    }
    return new Plan(List.copyOf(models), data, probes, out);
  }

  private String source(String key) {
    return config.sources().getOrDefault(key, "default");
  }

  /** Evaluates every model of {@code plan}; {@code progress} hears one line per pass. */
  public EvalReport run(JavaSparkContext sc, Plan plan, Consumer<String> progress) throws IOException {
    List<EvalReport.ModelResult> results = new ArrayList<>();
    List<EvalTotals> totals = new ArrayList<>();
    for (EvalModel m : plan.models()) {
      long t0 = System.nanoTime();
      float[] params = m.params(sc.hadoopConfiguration());
      EvalTotals data = plan.dataset() == null ? null : score(sc, m, params, plan.dataset(), false, progress);
      EvalTotals probes = plan.probes() == null ? null : score(sc, m, params, plan.probes(), true, progress);
      double seconds = (System.nanoTime() - t0) / 1e9;
      results.add(result(m, data, probes, plan, seconds));
      totals.add(data);
    }
    List<String> notes = new ArrayList<>();
    if (plan.dataset() != null) {
      notes.addAll(plan.dataset().notes());
    }
    if (plan.probes() != null) {
      notes.addAll(plan.probes().notes());
    }
    notes.addAll(Comparison.notes(plan.models(), results, totals));
    return new EvalReport(EvalReport.FORMAT_VERSION, Instant.now().toString(),
        info(plan.dataset(), config.split(), config.maxSequences()),
        info(plan.probes(), "all", config.maxProbeExamples()), results, notes);
  }

  private EvalTotals score(JavaSparkContext sc, EvalModel m, float[] params, EvalData data, boolean probe,
      Consumer<String> progress) {
    int len = data.manifest().sequenceLength();
    int bucketSize = Math.max(1, (len + config.positionBuckets() - 1) / config.positionBuckets());
    int buckets = (len + bucketSize - 1) / bucketSize;
    TokenizerSpec tok = probe ? null : data.tokenizer();
    EvalPass.Setup setup = new EvalPass.Setup(m.config(), "eval|" + m.modelJson(), config.microBatch(), config.segmentTokens(), buckets,
        bucketSize, tok, new SerializableConf(sc.hadoopConfiguration()));
    int parts = config.workers() > 0 ? config.workers() : sc.defaultParallelism();
    List<EvalShare> shares = new ArrayList<>();
    long limit = probe ? config.maxProbeExamples() : config.maxSequences();
    for (String split : data.splits()) {
      shares.addAll(EvalShare.of(data.location(), data.manifest(), split, limit, parts, probe));
    }
    long t0 = System.nanoTime();
    EvalTotals t = EvalPass.run(sc, setup, params, shares,
        "lact eval: " + m.label() + " (step " + m.step() + ") on " + (probe ? "probes " : "") + data.location());
    progress.accept(String.format(java.util.Locale.ROOT, "%s (step %d): %s %,d sequences in %.1f s", m.label(),
        m.step(), probe ? "probes" : "dataset", t.sequences, (System.nanoTime() - t0) / 1e9));
    return t;
  }

  private static EvalReport.ModelResult result(EvalModel m, EvalTotals data, EvalTotals probes, Plan plan,
      double seconds) {
    long run = (data == null ? 0 : data.tokensRun) + (probes == null ? 0 : probes.tokensRun);
    long nanos = (data == null ? 0 : data.forwardNanos) + (probes == null ? 0 : probes.forwardNanos);
    int len = plan.dataset() == null ? 0 : plan.dataset().manifest().sequenceLength();
    Map<String, String> model = new LinkedHashMap<>();
    m.config().values().forEach((k, v) -> model.put(k, String.valueOf(v)));
    return new EvalReport.ModelResult(m.label(), m.location(), m.step(), m.config().tttEnabled(), model,
        data == null ? null : data.loss(), data == null ? null : data.positions(len),
        probes == null ? List.of() : probes.retrieval(),
        new EvalReport.Timing(seconds, run, nanos == 0 ? Double.NaN : run / (nanos / 1e9)));
  }

  /** What was read of {@code d}: at most {@code limit} sequences per split (0: all). */
  private static EvalReport.DatasetInfo info(EvalData d, String split, long limit) {
    if (d == null) {
      return null;
    }
    return new EvalReport.DatasetInfo(d.location(), d.splits().size() == 1 ? d.splits().get(0) : split,
        d.sequences(limit), d.manifest().sequenceLength(), d.manifest().tokenizer().name());
  }
}
