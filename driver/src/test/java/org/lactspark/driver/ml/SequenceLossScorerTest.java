package org.lactspark.driver.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.driver.TestRuns;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.load.EvalConfigLoader;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.driver.eval.EvalJob;
import org.lactspark.driver.eval.EvalModel;
import org.lactspark.driver.eval.EvalReport;
import org.lactspark.model.graph.LactModels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The scorer on Spark local[2] with the tiny model trained for a few steps on a small prepared
 * dataset (L = 64): its losses against a computation written out here from the model's logits and
 * against the eval job, batching, its place in a pipeline, saving and loading, and its messages.
 */
class SequenceLossScorerTest {
  private static final StructType SCHEMA = new StructType().add("id", DataTypes.IntegerType)
      .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType))
      .add("starts", DataTypes.createArrayType(DataTypes.IntegerType));

  private static SparkSession spark;

  @TempDir
  static Path tmp;

  private static Path dataset;
  private static Path run;
  private static List<PackedSequence> validation;
  private static ComputationGraph graph;

  @BeforeAll
  static void start() throws IOException {
    spark = SparkSession.builder().master("local[2]").appName("scorer test")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    sc.setLogLevel("WARN");
    dataset = prepare(sc);
    run = train(sc, "run", List.of());
    validation = read(dataset, "validation");
    graph = graph(run);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static Path train(JavaSparkContext sc, String name, List<String> modelSets) throws IOException {
    return TestRuns.train(sc, dataset, tmp.resolve(name), List.of("steps=2", "batchTokens=256", "warmupSteps=1",
        "checkpointEvery=2", "validateEvery=2", "validationSequences=2"), modelSets);
  }

  private static Path prepare(JavaSparkContext sc) throws IOException {
    return TestRuns.prepare(sc, tmp, "dataset", 5, 80, 4, 14, "validationFraction=0.25");
  }

  private static List<PackedSequence> read(Path data, String split) throws IOException {
    return TestRuns.read(data, split);
  }

  /** The newest checkpoint's model with its parameters installed. */
  private static ComputationGraph graph(Path runDir) throws IOException {
    return EvalModel.resolve("m", runDir.toString(), "checkpoint", "test", new Configuration()).graph(new Configuration());
  }

  /** Per position p of {@code tokens} alone, the loss of token p + 1 from {@code graph.output}'s logits. */
  private static double[] expected(int[] tokens) {
    double[] ids = new double[tokens.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokens[i];
    }
    INDArray in = Nd4j.create(ids, new long[] {1, ids.length}, DataType.DOUBLE).castTo(DataType.FLOAT);
    INDArray out = graph.output(in)[0];
    double[][] lg = out.reshape(ids.length, out.size(2)).castTo(DataType.DOUBLE).toDoubleMatrix();
    double[] loss = new double[tokens.length - 1];
    for (int p = 0; p < loss.length; p++) {
      double max = Double.NEGATIVE_INFINITY;
      for (double v : lg[p]) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (double v : lg[p]) {
        sum += Math.exp(v - max);
      }
      loss[p] = max + Math.log(sum) - lg[p][tokens[p + 1]];
    }
    return loss;
  }

  private static double mean(double[] v) {
    return Arrays.stream(v).sum() / v.length;
  }

  /** Rows (id, tokens, starts), in {@code partitions} partitions. */
  private static Dataset<Row> frame(List<int[]> tokens, List<int[]> starts, int partitions) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      rows.add(RowFactory.create(i, tokens.get(i), starts == null ? null : starts.get(i)));
    }
    return spark.createDataFrame(rows, SCHEMA).repartition(partitions, functions.col("id"))
        .sortWithinPartitions("id");
  }

  private static Dataset<Row> validationFrame() {
    return frame(validation.stream().map(PackedSequence::tokens).toList(),
        validation.stream().map(PackedSequence::documentStarts).toList(), 2);
  }

  private static SequenceLossScorer scorer() {
    return new SequenceLossScorer().setCheckpoint(run.toString());
  }

  private static double[] doubles(Row r, String column) {
    List<Double> l = r.getList(r.fieldIndex(column));
    return l.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Test
  void lossAndPositionLossesMatchAComputationFromTheLogits() {
    Dataset<Row> in = validationFrame();
    List<Row> in0 = in.collectAsList();
    List<Row> out = scorer().setPositionLossCol("positions").transform(in).collectAsList();
    assertTrue(validation.size() >= 4, "a few sequences at least");
    assertEquals(in0.size(), out.size());
    assertEquals(List.of("id", "tokens", "starts", "loss", "scored_tokens", "positions"),
        Arrays.asList(out.get(0).schema().fieldNames()));
    for (int i = 0; i < out.size(); i++) {
      Row r = out.get(i);
      assertEquals(in0.get(i).getInt(0), r.getInt(0), "the rows keep their order");
      assertEquals(in0.get(i).getList(1), r.getList(1), "the input columns are kept");
      int[] tokens = validation.get(r.getInt(0)).tokens();
      double[] want = expected(tokens);
      assertEquals(mean(want), r.getDouble(3), 1e-5, "row " + i);
      assertEquals(tokens.length - 1, r.getInt(4));
      double[] got = doubles(r, "positions");
      assertEquals(want.length, got.length);
      for (int p = 0; p < want.length; p++) {
        assertEquals(want[p], got[p], 1e-5, "row " + i + " position " + p);
      }
    }
  }

  @Test
  void sequencesOfDifferentLengthsShareABatchAndBatchSizesAgree() {
    // 600: past the tiny model's training context (512), which the scorer allows
    int[] lengths = {64, 2, 17, 1, 0, 40, -1, 33, 5, 600, 3, 9};
    int[] all = validation.stream().flatMapToInt(q -> Arrays.stream(q.tokens())).toArray();
    assertTrue(all.length >= 600);
    List<int[]> tokens = new ArrayList<>();
    for (int i = 0; i < lengths.length; i++) {
      int[] t = lengths[i] > 64 ? all : validation.get(i % validation.size()).tokens();
      tokens.add(lengths[i] < 0 ? null : Arrays.copyOf(t, Math.min(t.length, lengths[i])));
    }
    Dataset<Row> in = frame(tokens, null, 1);
    List<Row> one = scorer().setBatchSize(1).setPositionLossCol("positions").transform(in).collectAsList();
    List<Row> three = scorer().setBatchSize(3).setPositionLossCol("positions").transform(in).collectAsList();
    Dataset<Row> longs = in.withColumn("tokens", functions.col("tokens").cast("array<bigint>"));
    List<Row> threeLong = scorer().setBatchSize(3).setPositionLossCol("positions").transform(longs).collectAsList();
    for (int i = 0; i < lengths.length; i++) {
      Row a = one.get(i);
      Row b = three.get(i);
      assertEquals(i, b.getInt(0));
      if (lengths[i] < 0) {
        assertTrue(b.isNullAt(3) && b.isNullAt(4) && b.isNullAt(5), "a null sequence has null scores");
        continue;
      }
      int[] t = tokens.get(i);
      if (t.length < 2) {
        assertTrue(b.isNullAt(3), "nothing to score: null loss");
        assertEquals(0, b.getInt(4));
        assertEquals(0, b.getList(5).size());
        continue;
      }
      double[] want = expected(t);
      assertEquals(mean(want), b.getDouble(3), 1e-5, "row " + i + " against the logits");
      assertEquals(a.getDouble(3), b.getDouble(3), 1e-5, "row " + i + ": batch of 1 against 3");
      assertEquals(b.getDouble(3), threeLong.get(i).getDouble(3), 0.0, "array<bigint> input");
      assertEquals(t.length - 1, b.getInt(4));
      double[] pa = doubles(a, "positions");
      double[] pb = doubles(b, "positions");
      for (int p = 0; p < want.length; p++) {
        assertEquals(want[p], pb[p], 1e-5, "row " + i + " position " + p);
        assertEquals(pa[p], pb[p], 1e-5, "row " + i + " position " + p);
      }
    }
  }

  /** The eval job's loss of {@code runDir} on the validation split. */
  private static EvalReport.Loss evalJob(Path runDir) throws IOException {
    EvalJob job = new EvalJob(EvalConfigLoader.load(null, List.of("checkpoint=" + runDir, "dataset=" + dataset,
        "out=" + tmp.resolve("report-" + runDir.getFileName()))));
    EvalReport r = job.run(JavaSparkContext.fromSparkContext(spark.sparkContext()), job.check(new Configuration()),
        line -> { });
    return r.models().get(0).loss();
  }

  /** Summed loss and scored tokens of a scored frame. */
  private static Row totals(Dataset<Row> scored) {
    return scored.agg(functions.sum(functions.col("loss").multiply(functions.col("scored_tokens"))),
        functions.sum("scored_tokens")).first();
  }

  @Test
  void totalsEqualTheEvalJob() throws IOException {
    Row sums = totals(scorer().setDocumentStartsCol("starts").setBatchSize(4).transform(validationFrame()));
    EvalReport.Loss loss = evalJob(run);
    assertEquals(loss.tokens(), sums.getLong(1));
    assertEquals(loss.lossPerToken(), sums.getDouble(0) / sums.getLong(1), 1e-6);
  }

  @Test
  void documentStartsInDocumentRestartModeGiveTheEvalJobsNumbers() throws IOException {
    assertTrue(validation.stream().anyMatch(s -> s.documentStarts().length > 1), "packed sequences");
    Path restart = train(JavaSparkContext.fromSparkContext(spark.sparkContext()), "restart",
        List.of("documentRestart=true"));
    SequenceLossScorer s = new SequenceLossScorer().setCheckpoint(restart.toString()).setDocumentStartsCol("starts")
        .setBatchSize(3).setPositionLossCol("positions");
    Dataset<Row> scored = s.transform(validationFrame()).cache();
    Row sums = totals(scored);
    EvalReport.Loss loss = evalJob(restart);
    assertEquals(loss.tokens(), sums.getLong(1));
    assertEquals(loss.lossPerToken(), sums.getDouble(0) / sums.getLong(1), 1e-6);
    for (Row r : scored.collectAsList()) {
      PackedSequence seq = validation.get(r.getInt(0));
      double[] p = doubles(r, "positions");
      assertEquals(seq.length() - 1, p.length);
      int scoredHere = 0;
      for (int i = 0; i < p.length; i++) {
        int next = i + 1;
        boolean firstOfDocument = Arrays.stream(seq.documentStarts()).anyMatch(st -> st == next);
        assertEquals(firstOfDocument, Double.isNaN(p[i]), "position " + i + ": a document's first token is not scored");
        scoredHere += Double.isNaN(p[i]) ? 0 : 1;
      }
      assertEquals(scoredHere, r.getInt(r.fieldIndex("scored_tokens")));
    }
    long all = validation.stream().mapToLong(q -> q.length() - 1).sum();
    assertTrue(sums.getLong(1) < all, "fewer tokens scored than without the starts");
    assertEquals(all, totals(s.setDocumentStartsCol("").setPositionLossCol("").transform(validationFrame())).getLong(1),
        "without the starts column every row is one document");
  }

  @Test
  void worksInAPipelineAndSavesAndLoads() throws IOException {
    Dataset<Row> in = validationFrame();
    SequenceLossScorer s = scorer().setBatchSize(2).setTokensCol("").setOutputCol("nll");
    List<Row> direct = s.transform(in).collectAsList();
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {s}).fit(in);
    String saved = tmp.resolve("pipeline").toString();
    model.write().overwrite().save(saved);
    List<Row> fitted = model.transform(in).collectAsList();
    List<Row> loaded = PipelineModel.load(saved).transform(in).collectAsList();
    assertEquals(List.of("id", "tokens", "starts", "nll"), Arrays.asList(fitted.get(0).schema().fieldNames()));
    for (int i = 0; i < direct.size(); i++) {
      assertEquals(direct.get(i).getDouble(3), fitted.get(i).getDouble(3), 1e-12);
      assertEquals(direct.get(i).getDouble(3), loaded.get(i).getDouble(3), 1e-12);
    }

    String stage = tmp.resolve("stage").toString();
    s.setPositionLossCol("positions").setMaxLength(100).save(stage);
    SequenceLossScorer back = SequenceLossScorer.load(stage);
    assertEquals(s.uid(), back.uid());
    assertEquals(run.toString(), back.getCheckpoint());
    assertEquals(2, back.getBatchSize());
    assertEquals(100, back.getMaxLength());
    assertEquals("nll", back.getOutputCol());
    assertEquals("", back.getTokensCol());
    assertEquals("positions", back.getPositionLossCol());
    assertEquals("tokens", back.getInputCol());
    SequenceLossScorer copy = back.copy(new org.apache.spark.ml.param.ParamMap().put(back.batchSize().w(5)));
    assertEquals(5, copy.getBatchSize());
    assertEquals(2, back.getBatchSize());
    assertTrue(back.explainParams().contains("positionLossCol"), back.explainParams());
  }

  private static String message(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t.getMessage()).append('\n');
    }
    return b.toString();
  }

  private static void assertFails(StructType schema, SequenceLossScorer s, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.transformSchema(schema));
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
    }
  }

  @Test
  void schemaErrorsNameTheParamAndTheColumn() {
    assertFails(SCHEMA, scorer().setInputCol("ids"), "param inputCol", "'ids'", "does not have", "tokens");
    assertFails(SCHEMA, scorer().setInputCol("Tokens"), "param inputCol", "'Tokens'", "did you mean 'tokens'");
    assertFails(SCHEMA, scorer().setInputCol("id"), "param inputCol", "'id'", "of type int", "array<int>");
    assertFails(new StructType().add("tokens", DataTypes.createArrayType(DataTypes.StringType)), scorer(),
        "param inputCol", "'tokens'", "array<string>");
    assertFails(SCHEMA, scorer().setDocumentStartsCol("docs"), "param documentStartsCol", "'docs'");
    assertFails(SCHEMA.add("loss", DataTypes.DoubleType), scorer(), "param outputCol", "'loss'", "already has");
    assertFails(SCHEMA, scorer().setOutputCol("id"), "param outputCol", "'id'", "already has");
    assertFails(SCHEMA, scorer().setPositionLossCol("starts"), "param positionLossCol", "'starts'");
    assertFails(SCHEMA, scorer().setTokensCol("Loss"), "params outputCol and tokensCol", "'Loss'");
    assertFails(SCHEMA, new SequenceLossScorer(), "param checkpoint is not set");
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> scorer().setBatchSize(0));
    assertTrue(bad.getMessage().contains("batchSize"), bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> scorer().setInputCol(""));
    StructType out = scorer().setTokensCol("").transformSchema(SCHEMA);
    assertEquals(List.of("id", "tokens", "starts", "loss"), Arrays.asList(out.fieldNames()));
  }

  @Test
  void aMissingCheckpointNamesTheParam() {
    String nowhere = tmp.resolve("nowhere").toString();
    ConfigException e = assertThrows(ConfigException.class,
        () -> scorer().setCheckpoint(nowhere).transform(validationFrame()));
    assertEquals("checkpoint", e.key());
    assertTrue(e.getMessage().startsWith("checkpoint = " + nowhere), e.getMessage());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void badRowsFailTheTaskNamingTheParamAndTheColumn() {
    Dataset<Row> outside = frame(List.of(new int[] {1, 2, 300}), null, 1);
    Exception e = assertThrows(Exception.class, () -> scorer().transform(outside).collectAsList());
    assertTrue(message(e).contains("param inputCol, column 'tokens': token id 300 at position 2"), message(e));
    Exception tooLong = assertThrows(Exception.class,
        () -> scorer().setMaxLength(10).transform(validationFrame()).collectAsList());
    assertTrue(message(tooLong).contains("param maxLength = 10"), message(tooLong));
    Dataset<Row> starts = frame(List.of(new int[] {1, 2, 3}), List.of(new int[] {2, 1}), 1);
    Exception unordered = assertThrows(Exception.class,
        () -> scorer().setDocumentStartsCol("starts").transform(starts).collectAsList());
    assertTrue(message(unordered).contains("param documentStartsCol, column 'starts'"), message(unordered));
  }
}
