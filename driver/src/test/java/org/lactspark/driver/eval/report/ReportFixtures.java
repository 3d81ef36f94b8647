package org.lactspark.driver.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lactspark.driver.eval.EvalReport;
import org.lactspark.driver.eval.EvalReport.Bucket;
import org.lactspark.driver.eval.EvalReport.DatasetInfo;
import org.lactspark.driver.eval.EvalReport.Loss;
import org.lactspark.driver.eval.EvalReport.ModelResult;
import org.lactspark.driver.eval.EvalReport.PositionLoss;
import org.lactspark.driver.eval.EvalReport.ProbeResult;
import org.lactspark.driver.eval.EvalReport.Timing;
import org.lactspark.driver.eval.HistoryEntry;

/** Small made-up reports for the renderer's tests; {@code offset} shifts a model's numbers. */
final class ReportFixtures {
  /** A label and a note that must come out escaped. */
  static final String NASTY = "<b>&\"";

  static final int[] LENGTHS = {256, 512, 1024};
  static final double[] DEPTHS = {0.0, 0.5, 1.0};

  private ReportFixtures() {}

  static DatasetInfo dataset() {
    return new DatasetInfo("hdfs:///data/val <x>", "validation", 128, 1024, "gpt2");
  }

  static DatasetInfo probeSet() {
    return new DatasetInfo("/data/probes", "*", 96, 1024, "gpt2");
  }

  /** A model with the parts asked for; {@code tasks} empty means no probes. */
  static ModelResult model(String label, boolean positions, double offset, String... tasks) {
    Loss loss = positions ? new Loss(131072, 520000, 3.2 + offset, Math.exp(3.2 + offset), 0.8, 1.1542) : null;
    List<ProbeResult> probes = new ArrayList<>();
    for (String task : tasks) {
      probes.addAll(probes(task, offset));
    }
    return new ModelResult(label, "/runs/" + label + "/ckpt-1000", 1000, offset == 0,
        Map.of("d_model", "256", "layers", "4", "note", "a<b"), loss, positions ? positions(offset) : null, probes,
        new Timing(12.5, 131072, 10485.76));
  }

  /** 16 buckets of 64 positions, loss falling with position; bucket 3 has no token (NaN). */
  static PositionLoss positions(double offset) {
    List<Bucket> buckets = new ArrayList<>();
    for (int b = 0; b < 16; b++) {
      double loss = b == 3 ? Double.NaN : 4.0 - Math.log1p(b) * 0.4 + offset;
      buckets.add(new Bucket(b * 64, (b + 1) * 64, loss, b == 3 ? 0 : 8192));
    }
    return new PositionLoss(64, buckets);
  }

  /** One split per length and depth; accuracy falls with length and rises with the offset. */
  static List<ProbeResult> probes(String task, double offset) {
    List<ProbeResult> out = new ArrayList<>();
    for (int i = 0; i < LENGTHS.length; i++) {
      for (double depth : DEPTHS) {
        double hardness = task.equals("mqar") ? 0.2 : 0;
        double acc = Math.min(1, Math.max(0, 0.9 - 0.3 * i + 0.1 * depth + offset - hardness));
        out.add(new ProbeResult(String.format(java.util.Locale.ROOT, "%s-L%d-d%.2f", task, LENGTHS[i], depth),
            task, LENGTHS[i], depth, 32, acc, Math.min(1, acc + 0.05)));
      }
    }
    return out;
  }

  /** A model whose every probe scored {@code accuracy}, one task. */
  static ModelResult uniform(String label, double accuracy) {
    List<ProbeResult> probes = new ArrayList<>();
    for (ProbeResult p : probes("niah", 0)) {
      probes.add(new ProbeResult(p.name(), p.task(), p.length(), p.depth(), p.examples(), accuracy, accuracy));
    }
    return new ModelResult(label, "/c", 1, true, Map.of(), null, null, probes, new Timing(1, 1, 1));
  }

  static EvalReport report(List<ModelResult> models, String... notes) {
    boolean positions = models.stream().anyMatch(m -> m.positions() != null);
    boolean probes = models.stream().anyMatch(m -> !m.retrieval().isEmpty());
    return new EvalReport(EvalReport.FORMAT_VERSION, "2025-11-26T04:00:00Z", positions ? dataset() : null,
        probes ? probeSet() : null, models, List.of(notes));
  }

  /** Five evaluations, given out of step order; the second has no probes (NaN accuracy). */
  static List<HistoryEntry> history() {
    List<HistoryEntry> out = new ArrayList<>();
    long[] steps = {2000, 500, 1000, 4000, 3000};
    for (long step : steps) {
      double acc = step == 500 ? Double.NaN : 0.2 + step / 10000.0;
      out.add(new HistoryEntry(step, "/runs/m/ckpt-" + step, "2025-11-26T0" + step / 1000 + ":00:00Z",
          5.0 - step / 2000.0, 1.5 - step / 8000.0, acc, "/runs/m/ckpt-" + step + "/eval.json"));
    }
    return out;
  }
}
