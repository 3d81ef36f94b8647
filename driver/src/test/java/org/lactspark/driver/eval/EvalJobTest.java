package org.lactspark.driver.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.EvalConfig;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.load.EvalConfigLoader;
import org.lactspark.conf.load.TrainConfigLoader;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.probe.Probe;
import org.lactspark.data.probe.ProbeDatasets;
import org.lactspark.data.tokenize.ByteTokenizer;
import org.lactspark.driver.TestRuns;
import org.lactspark.driver.checkpoint.CheckpointStore;
import org.lactspark.driver.dist.ModelWorker;
import org.lactspark.driver.dist.Sequences;
import org.lactspark.driver.train.TrainJob;
import org.lactspark.model.graph.LactModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The eval job on Spark local[2] with the tiny model trained for a few steps on a small prepared
 * dataset (L = 64): its numbers against a computation written out here from the logits, its
 * independence from the task split, the watcher, and the messages for bad input.
 */
class EvalJobTest {
  private static JavaSparkContext sc;

  @TempDir
  static Path tmp;

  private static Path dataset;
  private static Path probes;
  private static Path run;
  private static Path baselineRun;

  @BeforeAll
  static void start() throws IOException {
    sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("eval test")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false"));
    sc.setLogLevel("WARN");
    dataset = prepare("dataset", "validationFraction=0.2");
    probes = tmp.resolve("probes");
    ProbeDatasets.write(probes, List.of(Probe.parse("mqar-L96-k2"), Probe.parse("niah-L400-d0.5")), 5, 7,
        new ByteTokenizer(false, false), "", false);
    run = train("run", List.of());
    baselineRun = train("baseline", List.of("tttEnabled=false"));
  }

  @AfterAll
  static void stop() {
    sc.close();
  }

  private static Path prepare(String name, String... sets) throws IOException {
    return TestRuns.prepare(sc, tmp, name, 3, 120, 8, 12, sets);
  }

  private static Path train(String name, List<String> modelSets) throws IOException {
    return TestRuns.train(sc, dataset, tmp.resolve(name), List.of("steps=4", "batchTokens=256", "warmupSteps=1",
        "checkpointEvery=2", "validateEvery=4", "validationSequences=2"), modelSets);
  }

  private static EvalConfig config(String... sets) throws IOException {
    List<String> o = new ArrayList<>(List.of("checkpoint=" + run, "dataset=" + dataset, "positionBuckets=8",
        "out=" + tmp.resolve("report-" + System.nanoTime())));
    o.addAll(List.of(sets));
    return EvalConfigLoader.load(null, o);
  }

  private static EvalReport evaluate(EvalConfig c) throws IOException {
    EvalJob job = new EvalJob(c);
    return job.run(sc, job.check(new Configuration()), line -> { });
  }

  /** The newest checkpoint's model with its parameters installed. */
  private static ComputationGraph graph(Path runDir) throws IOException {
    return EvalModel.resolve("m", runDir.toString(), "checkpoint", "test", new Configuration()).graph(new Configuration());
  }

  private static List<PackedSequence> read(Path data, String split) throws IOException {
    return TestRuns.read(data, split);
  }

  /** Logits of one sequence {@code [len, V]} in float64. */
  private static double[][] logits(ComputationGraph g, int[] tokens) {
    double[] ids = new double[tokens.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokens[i];
    }
    INDArray in = Nd4j.create(ids, new long[] {1, ids.length}, DataType.DOUBLE).castTo(DataType.FLOAT);
    INDArray out = g.output(in)[0];
    return out.reshape(ids.length, out.size(2)).castTo(DataType.DOUBLE).toDoubleMatrix();
  }

  private static double nll(double[] row, int target) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : row) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (double v : row) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum) - row[target];
  }

  private static int argmax(double[] row) {
    int best = 0;
    for (int i = 1; i < row.length; i++) {
      if (row[i] > row[best]) {
        best = i;
      }
    }
    return best;
  }

  @Test
  void lossPerplexityBytesAndPositionsMatchAComputationFromTheLogits() throws IOException {
    EvalReport r = evaluate(config("workers=3"));
    EvalReport.ModelResult m = r.models().get(0);
    ComputationGraph g = graph(run);
    double sum = 0;
    long n = 0;
    double[] bucket = new double[8];
    long[] count = new long[8];
    for (PackedSequence s : read(dataset, "validation")) {
      double[][] lg = logits(g, s.tokens());
      for (int p = 0; p + 1 < s.length(); p++) {
        double l = nll(lg[p], s.tokens()[p + 1]);
        sum += l;
        n++;
        bucket[p / 8] += l;
        count[p / 8]++;
      }
    }
    assertEquals(n, m.loss().tokens());
    assertEquals(n, m.loss().bytes(), "byte tokens: one byte per scored token");
    assertEquals(sum / n, m.loss().lossPerToken(), 1e-5);
    assertEquals(Math.exp(sum / n), m.loss().perplexity(), 1e-4);
    assertEquals(sum / n / Math.log(2), m.loss().bitsPerByte(), 1e-5);
    assertEquals(8, m.positions().buckets().size());
    for (int b = 0; b < 8; b++) {
      EvalReport.Bucket k = m.positions().buckets().get(b);
      assertEquals(b * 8, k.start());
      assertEquals(count[b], k.tokens(), "bucket " + b);
      assertEquals(bucket[b] / count[b], k.meanLoss(), 1e-5, "bucket " + b);
    }
    assertEquals(read(dataset, "validation").size(), r.dataset().sequences());
  }

  @Test
  void lossEqualsTheTrainingValidationPathAndDoesNotDependOnTheTaskSplit() throws IOException {
    EvalReport one = evaluate(config("workers=1"));
    EvalReport four = evaluate(config("workers=4"));
    EvalReport batched = evaluate(config("workers=2", "microBatch=3"));
    double a = one.models().get(0).loss().lossPerToken();
    assertEquals(a, four.models().get(0).loss().lossPerToken(), 1e-12, "only the order of the sums differs");
    assertEquals(a, batched.models().get(0).loss().lossPerToken(), 1e-6, "float32 logits of a batch of 3");
    List<EvalReport.Bucket> b1 = one.models().get(0).positions().buckets();
    List<EvalReport.Bucket> b4 = four.models().get(0).positions().buckets();
    for (int i = 0; i < b1.size(); i++) {
      assertEquals(b1.get(i).tokens(), b4.get(i).tokens());
      assertEquals(b1.get(i).meanLoss(), b4.get(i).meanLoss(), 1e-12);
    }
    EvalModel m = EvalModel.resolve("m", run.toString(), "checkpoint", "test", new Configuration());
    ModelWorker w = new ModelWorker(m.config());
    w.setParams(1, m.params(new Configuration()));
    org.lactspark.driver.dist.Gradients v = w.loss(Sequences.of(64, read(dataset, "validation")), 2);
    assertEquals(v.lossSum() / v.scored(), a, 1e-5, "the DL4J score path (training's validation loss)");
  }

  @Test
  void streamedScoringGivesTheWholeSequenceNumbers() throws IOException {
    EvalReport whole = evaluate(config("probes=" + probes, "maxProbeExamples=3"));
    EvalReport streamed = evaluate(config("probes=" + probes, "maxProbeExamples=3", "segmentTokens=24"));
    EvalReport.ModelResult a = whole.models().get(0);
    EvalReport.ModelResult b = streamed.models().get(0);
    assertEquals(a.loss().tokens(), b.loss().tokens());
    assertEquals(a.loss().lossPerToken(), b.loss().lossPerToken(), 1e-5);
    for (int i = 0; i < a.positions().buckets().size(); i++) {
      assertEquals(a.positions().buckets().get(i).meanLoss(), b.positions().buckets().get(i).meanLoss(), 1e-5);
    }
    assertEquals(a.retrieval().size(), b.retrieval().size());
    for (int i = 0; i < a.retrieval().size(); i++) {
      assertEquals(a.retrieval().get(i).tokenAccuracy(), b.retrieval().get(i).tokenAccuracy(), 1e-12);
    }
    assertEquals(6, streamed.probes().sequences(), "3 examples of each of 2 splits");
  }

  @Test
  void retrievalAccuracyMatchesGreedyPredictionsOfTheAnswers() throws IOException {
    EvalReport r = evaluate(config("dataset=", "probes=" + probes));
    EvalReport.ModelResult m = r.models().get(0);
    assertEquals(null, m.loss());
    assertEquals(2, m.retrieval().size());
    ComputationGraph g = graph(run);
    for (EvalReport.ProbeResult p : m.retrieval()) {
      int retrieved = 0;
      int answer = 0;
      int right = 0;
      List<PackedSequence> examples = read(probes, p.name());
      for (PackedSequence s : examples) {
        double[][] lg = logits(g, s.tokens());
        boolean all = true;
        for (PackedSequence.Span span : s.answerSpans()) {
          for (int t = span.start(); t < span.end(); t++) {
            answer++;
            boolean ok = argmax(lg[t - 1]) == s.tokens()[t];
            right += ok ? 1 : 0;
            all &= ok;
          }
        }
        retrieved += all ? 1 : 0;
      }
      assertEquals(examples.size(), p.examples(), p.name());
      assertEquals((double) retrieved / examples.size(), p.accuracy(), 1e-12, p.name());
      assertEquals((double) right / answer, p.tokenAccuracy(), 1e-12, p.name());
      assertEquals(p.task().equals("niah") ? 400 : 96, p.length());
    }
    assertEquals("mqar-k2", m.retrieval().get(0).task());
    assertEquals(0.5, m.retrieval().get(1).depth(), 0.0);
  }

  @Test
  void aBaselineIsEvaluatedOnTheSameDataAndWrittenIntoOneReport() throws IOException {
    EvalConfig c = config("baseline=" + baselineRun, "probes=" + probes, "baselineLabel=ttt-off");
    EvalJob job = new EvalJob(c);
    EvalJob.Plan plan = job.check(new Configuration());
    EvalReport r = job.run(sc, plan, line -> { });
    assertEquals(List.of("model", "ttt-off"), r.models().stream().map(EvalReport.ModelResult::label).toList());
    assertTrue(r.models().get(0).tttEnabled());
    assertFalse(r.models().get(1).tttEnabled());
    assertEquals(r.models().get(0).loss().tokens(), r.models().get(1).loss().tokens());
    assertTrue(r.notes().stream().anyMatch(s -> s.startsWith("Loss per token: model")), r.notes().toString());
    ReportFiles files = new ReportFiles(plan.out(), new Configuration());
    String html = files.write(r, List.of());
    assertTrue(Files.size(Path.of(java.net.URI.create(html))) > 10_000);
    assertEquals(r, files.read().orElseThrow());
    for (String f : List.of("eval.json", "per-position-loss.png", "per-position-difference.png",
        "retrieval-by-length.png")) {
      assertTrue(Files.exists(Path.of(java.net.URI.create(files.location())).resolve(f)), f);
    }
  }

  @Test
  void watchEvaluatesEachCompleteCheckpointOnceAndWaitsForAnIncompleteOne() throws IOException {
    Path runDir = tmp.resolve("watched");
    Path ckpts = Files.createDirectories(runDir.resolve("checkpoints"));
    Path source = run.resolve("checkpoints");
    copy(source.resolve("step-00000002"), ckpts.resolve("step-00000002"));
    Path out = tmp.resolve("watch-report");
    EvalJob job = new EvalJob(config("checkpoint=" + runDir, "out=" + out, "maxSequences=4"));
    CheckpointWatcher w = new CheckpointWatcher(job, runDir.toString(), out.toString(), new Configuration());

    CheckpointWatcher.Poll first = w.poll(sc, line -> { });
    assertEquals(List.of(2L), first.evaluated().stream().map(HistoryEntry::step).toList());
    assertTrue(Files.exists(out.resolve("step-00000002").resolve("eval.json")));

    // a checkpoint whose parameters are not there yet (a filesystem without atomic renames) waits
    Path half = Files.createDirectories(ckpts.resolve("step-00000004"));
    Files.copy(source.resolve("step-00000004").resolve("checkpoint.json"), half.resolve("checkpoint.json"));
    Files.createDirectories(ckpts.resolve("_tmp-step-00000006-1")); // and a temporary directory is not one
    CheckpointWatcher.Poll second = w.poll(sc, line -> { });
    assertEquals(List.of(), second.evaluated());
    assertEquals(1, second.deferred().size());
    assertFalse(Files.exists(out.resolve("step-00000004")));

    Files.copy(source.resolve("step-00000004").resolve("params.f32"), half.resolve("params.f32"));
    Files.copy(source.resolve("step-00000004").resolve("moments.f32"), half.resolve("moments.f32"));
    CheckpointWatcher.Poll third = w.poll(sc, line -> { });
    assertEquals(List.of(4L), third.evaluated().stream().map(HistoryEntry::step).toList());
    List<HistoryEntry> history = new ReportFiles(out.toString(), new Configuration()).history();
    assertEquals(List.of(2L, 4L), history.stream().map(HistoryEntry::step).toList());
    assertTrue(Files.exists(out.resolve("history.png")));
    assertTrue(Files.readString(out.resolve("report.html")).contains("step-00000004"));

    assertEquals(List.of(), w.poll(sc, line -> { }).evaluated(), "nothing new: nothing evaluated");
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  @Test
  void badInputGetsOneMessageNamingTheKey() throws IOException {
    ConfigException missing = assertThrows(ConfigException.class,
        () -> new EvalJob(config("checkpoint=" + tmp.resolve("nowhere"))).check(new Configuration()));
    assertTrue(missing.getMessage().contains("checkpoint") && missing.getMessage().contains("does not exist"),
        missing.getMessage());

    Path emptyRun = Files.createDirectories(tmp.resolve("empty-run/checkpoints"));
    ConfigException none = assertThrows(ConfigException.class,
        () -> new EvalJob(config("checkpoint=" + emptyRun.getParent())).check(new Configuration()));
    assertTrue(none.getMessage().contains("no complete checkpoint"), none.getMessage());

    Path bos = prepare("bos-dataset", "bos=true");
    ConfigException vocab = assertThrows(ConfigException.class,
        () -> new EvalJob(config("dataset=" + bos)).check(new Configuration()));
    assertTrue(vocab.getMessage().contains("dataset") && vocab.getMessage().contains("vocabSize"), vocab.getMessage());

    Path empty = prepare("no-validation", "validationFraction=0");
    ConfigException noSeqs = assertThrows(ConfigException.class,
        () -> new EvalJob(config("dataset=" + empty)).check(new Configuration()));
    assertTrue(noSeqs.getMessage().contains("holds no sequences"), noSeqs.getMessage());

    ConfigException notData = assertThrows(ConfigException.class,
        () -> new EvalJob(config("dataset=" + tmp.resolve("run"))).check(new Configuration()));
    assertTrue(notData.getMessage().contains("not a prepared dataset"), notData.getMessage());
  }

  @Test
  void aDatasetTokenisedDifferentlyFromTheTrainingDataIsRefused() throws IOException {
    // a model with room for 258 ids trained on byte tokens, evaluated on byte+bos+eos tokens
    Path wide = tmp.resolve("wide-run");
    new TrainJob(TrainConfigLoader.load(null, List.of("dataset=" + dataset, "model=tiny", "runDir=" + wide, "steps=1",
        "batchTokens=64", "warmupSteps=0", "validationSequences=1", "peakGflops=1")), List.of("vocabSize=258"))
        .run(sc, false, m -> { });
    Path marked = prepare("marked", "bos=true", "eos=true");
    ConfigException e = assertThrows(ConfigException.class,
        () -> new EvalJob(config("checkpoint=" + wide, "dataset=" + marked)).check(new Configuration()));
    assertTrue(e.getMessage().contains("tokenised with") && e.getMessage().contains("byte+bos+eos"), e.getMessage());
  }

  @Test
  void modelConfigRecordedInTheReportIsTheCheckpoints() throws IOException {
    EvalReport r = evaluate(config("maxSequences=2"));
    ModelConfig c = EvalModel.resolve("m", run.toString(), "checkpoint", "t", new Configuration()).config();
    assertEquals(String.valueOf(c.hiddenSize()), r.models().get(0).model().get("hiddenSize"));
    assertEquals(4, r.models().get(0).step());
    assertEquals(2, r.dataset().sequences() >= 2 ? 2 : -1);
    assertTrue(new CheckpointStore(run.resolve("checkpoints").toString(), new Configuration()).list().size() >= 2);
  }
}
