package org.lactspark.driver.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.EvalConfig;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.load.EvalConfigLoader;
import org.lactspark.conf.load.ModelConfigLoader;
import org.lactspark.data.probe.KeyValueRecall;
import org.lactspark.data.probe.ProbeDatasets;
import org.lactspark.data.tokenize.ByteTokenizer;
import org.lactspark.driver.checkpoint.Checkpoint;
import org.lactspark.driver.checkpoint.CheckpointStore;
import org.lactspark.model.probe.RecallSettings;
import org.lactspark.model.probe.RecallTrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluation shows what TTT buys: the tiny model trained on key-value recall (the model's
 * learning-test recipe: one pair, recalled 24+ tokens later, attention window 8) with and without
 * its TTT branch, evaluated by {@code EvalJob} on probe splits of two lengths and three depths.
 * Where the pair lies beyond the window only the TTT model can retrieve it; the report shows both
 * models by length and depth.
 */
class RecallEvaluationTest {
  private static final Logger LOG = LoggerFactory.getLogger(RecallEvaluationTest.class);

  @TempDir
  Path tmp;

  @Test
  void tttRetrievesBeyondTheWindowWhereTheAttentionOnlyModelCannot() throws IOException {
    RecallSettings s = new RecallSettings(64, 1, 24, 8, 16, 8, 150, 3e-3, 1);
    Path on = checkpoint("ttt-on", s, true);
    Path off = checkpoint("ttt-off", s, false);
    Path probes = tmp.resolve("probes");
    List<KeyValueRecall> splits = new ArrayList<>();
    for (int len : new int[] {48, 64}) {
      for (double depth : new double[] {0.0, 0.5}) {
        splits.add(new KeyValueRecall(len, 1, 1, 1, 1, 0, depth));
      }
    }
    ProbeDatasets.write(probes, splits, 24, 11, new ByteTokenizer(false, false), "", false);

    EvalConfig c = EvalConfigLoader.load(null, List.of("checkpoint=" + on, "label=ttt-on", "baseline=" + off,
        "baselineLabel=ttt-off", "dataset=", "probes=" + probes, "out=" + tmp.resolve("report")));
    EvalReport r;
    try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("recall eval")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false"))) {
      EvalJob job = new EvalJob(c);
      EvalJob.Plan plan = job.check(new Configuration());
      r = job.run(sc, plan, line -> { });
      new ReportFiles(plan.out(), new Configuration()).write(r, List.of());
    }
    List<EvalReport.ProbeResult> withTtt = r.models().get(0).retrieval();
    List<EvalReport.ProbeResult> without = r.models().get(1).retrieval();
    assertEquals(4, withTtt.size());
    double gap = 0;
    StringBuilder table = new StringBuilder();
    for (int i = 0; i < withTtt.size(); i++) {
      table.append(String.format(java.util.Locale.ROOT, " %s %.2f/%.2f", withTtt.get(i).name(),
          withTtt.get(i).accuracy(), without.get(i).accuracy()));
      gap += withTtt.get(i).accuracy() - without.get(i).accuracy();
    }
    gap /= withTtt.size();
    LOG.warn("retrieval with/without TTT:{}; mean gap {}", table, gap);
    assertTrue(gap >= 0.3, "mean retrieval gap " + gap + ": " + withTtt + " vs " + without);
    Path report = tmp.resolve("report");
    for (String f : List.of("retrieval-ttt-on.png", "retrieval-ttt-off.png", "retrieval-by-length.png")) {
      assertTrue(Files.size(report.resolve(f)) > 2000, f);
    }
    assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("Retrieval accuracy over 4 probe splits")), r.notes().toString());
  }

  /** Trains the model and writes it as a run's only checkpoint; returns the run directory. */
  private Path checkpoint(String name, RecallSettings s, boolean ttt) throws IOException {
    ModelConfig config = s.model(ttt);
    ComputationGraph g = new RecallTrainer(s.task(), s.batch(), DataType.FLOAT, "nd4j")
        .train(config, s.seed(), s.steps(), s.lr());
    float[] params = g.params().castTo(DataType.FLOAT).dup('c').data().asFloat();
    Path run = tmp.resolve(name);
    new CheckpointStore(run.resolve(EvalModel.CHECKPOINTS).toString(), new Configuration()).write(new Checkpoint(
        s.steps(), 0, 0, 0, s.steps(), 0, (int) s.seed(), Double.NaN, Map.of(), Map.of(),
        ModelConfigLoader.toJson(config), "test", params, new float[params.length], new float[params.length]), 1);
    return run;
  }
}
