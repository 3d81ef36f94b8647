package org.lactspark.driver.eval;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.lactspark.driver.checkpoint.CheckpointStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled evaluation of a training run: each poll evaluates the run's complete checkpoints that
 * its history does not list yet, oldest first, writes each one's report into {@code
 * <out>/step-NNNNNNNN/}, appends to {@code <out>/history.jsonl}, and rewrites the top-level report
 * (the newest evaluation with the history plotted by training step). A checkpoint that cannot be
 * read whole (still being written on a filesystem without atomic renames, or pruned meanwhile) is
 * left for the next poll. It only reads the run directory, so training is never blocked or
 * disturbed; the history makes repeated {@code --once} runs from an external scheduler evaluate
 * only what is new.
 */
public final class CheckpointWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointWatcher.class);

  private final EvalJob job;
  private final String runDir;
  private final String out;
  private final Configuration conf;

  /** Watches {@code runDir}, reporting into {@code out}. */
  public CheckpointWatcher(EvalJob job, String runDir, String out, Configuration conf) {
    this.job = job;
    this.runDir = runDir;
    this.out = out;
    this.conf = conf;
  }

  /** What one poll did. */
  public record Poll(List<HistoryEntry> evaluated, List<String> deferred, String report) {}

  /** Evaluates what is new. */
  public Poll poll(JavaSparkContext sc, Consumer<String> progress) throws IOException {
    ReportFiles top = new ReportFiles(out, conf);
    List<HistoryEntry> history = new ArrayList<>(top.history());
    Set<Long> done = new HashSet<>();
    history.forEach(h -> done.add(h.step()));
    List<CheckpointStore.Entry> entries = new ArrayList<>(new CheckpointStore(EvalModel.checkpointsOf(runDir, conf), conf).list());
    java.util.Collections.reverse(entries); // oldest first: the history grows in step order
    List<HistoryEntry> evaluated = new ArrayList<>();
    List<String> deferred = new ArrayList<>();
    java.util.Optional<EvalModel> baseline = job.baseline(conf);
    String report = null;
    for (CheckpointStore.Entry e : entries) {
      if (done.contains((long) e.step())) {
        continue;
      }
      EvalModel model;
      EvalReport r;
      try {
        model = EvalModel.at(job.config().label(), e.location(), conf);
        List<EvalModel> models = new ArrayList<>(List.of(model));
        baseline.ifPresent(models::add);
        EvalJob.Plan plan = job.plan(models, out, conf);
        r = job.run(sc, plan, progress); // reads and checks the parameters before any Spark job
      } catch (IOException ex) {
        LOG.warn("checkpoint {} is not readable whole yet; it is left for the next poll: {}", e.location(),
            ex.getMessage());
        deferred.add(e.location());
        continue;
      }
      String dir = out + "/" + new org.apache.hadoop.fs.Path(e.location()).getName();
      new ReportFiles(dir, conf).write(r, List.of());
      HistoryEntry h = entry(e, r, dir);
      history.add(h);
      history.sort(java.util.Comparator.comparingLong(HistoryEntry::step));
      top.writeHistory(history);
      report = top.write(r, history);
      evaluated.add(h);
      progress.accept(String.format(Locale.ROOT, "evaluated step %d: loss %.4f, retrieval %.3f -> %s", e.step(),
          h.lossPerToken(), h.retrievalAccuracy(), dir));
    }
    return new Poll(evaluated, deferred, report);
  }

  /**
   * Polls every {@code intervalSeconds} until {@code stop} says so (checked between polls) or the
   * thread is interrupted.
   */
  public void watch(JavaSparkContext sc, long intervalSeconds, Consumer<String> progress,
      java.util.function.BooleanSupplier stop) throws IOException {
    while (!stop.getAsBoolean()) {
      poll(sc, progress);
      try {
        Thread.sleep(intervalSeconds * 1000);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static HistoryEntry entry(CheckpointStore.Entry e, EvalReport r, String dir) {
    EvalReport.ModelResult m = r.models().get(0);
    double loss = m.loss() == null ? Double.NaN : m.loss().lossPerToken();
    double bpb = m.loss() == null ? Double.NaN : m.loss().bitsPerByte();
    return new HistoryEntry(e.step(), e.location(), Instant.now().toString(), loss, bpb, Comparison.meanAccuracy(m),
        dir + "/" + ReportFiles.JSON);
  }
}
