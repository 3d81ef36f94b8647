package org.lactspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.driver.TestRuns;
import org.lactspark.conf.ConfigException;
import org.lactspark.conf.TrainConfig;
import org.lactspark.conf.load.TrainConfigLoader;
import org.lactspark.driver.checkpoint.Checkpoint;
import org.lactspark.driver.checkpoint.CheckpointStore;

/** The train job on Spark local[2], the tiny model on a small prepared dataset (L = 64). */
class TrainJobTest {
  private static JavaSparkContext sc;

  @TempDir
  static Path tmp;

  private static Path dataset;

  @BeforeAll
  static void start() throws IOException {
    sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("train test")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false"));
    sc.setLogLevel("WARN");
    dataset = TestRuns.prepare(sc, tmp, "dataset", 3, 120, 8, 12, "validationFraction=0.1");
  }

  @AfterAll
  static void stop() {
    sc.close();
  }

  private static TrainConfig config(String runDir, String... sets) throws IOException {
    List<String> o = new ArrayList<>(List.of("dataset=" + dataset, "model=tiny", "runDir=" + tmp.resolve(runDir),
        "steps=6", "batchTokens=256", "warmupSteps=2", "checkpointEvery=3", "validationSequences=4", "peakGflops=1"));
    o.addAll(List.of(sets));
    return TrainConfigLoader.load(null, o);
  }

  private static TrainResult train(TrainConfig c, boolean resume, List<Double> losses) throws IOException {
    return new TrainJob(c, List.of()).run(sc, resume, m -> losses.add(m.loss()));
  }

  private static Checkpoint newest(String runDir) throws IOException {
    return new CheckpointStore(tmp.resolve(runDir).resolve("checkpoints").toString(), new Configuration()).newest()
        .orElseThrow();
  }

  @Test
  void twoWorkersWithMicroBatchesFollowOneWorkersTrajectory() throws IOException {
    List<Double> one = new ArrayList<>();
    List<Double> two = new ArrayList<>();
    train(config("one", "workers=1", "microBatch=4"), false, one);
    TrainResult r = train(config("two", "workers=2", "microBatch=1"), false, two);
    assertEquals(6, one.size());
    for (int i = 0; i < one.size(); i++) {
      assertEquals(one.get(i), two.get(i), 1e-5 * Math.abs(one.get(i)), "step " + (i + 1));
    }
    assertTrue(two.get(5) < two.get(0) - 0.2, "the loss falls: " + two);
    float[] a = newest("one").params();
    float[] b = newest("two").params();
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    assertTrue(worst < 1e-4, "parameters differ by " + worst);
    assertTrue(Double.isFinite(r.validationLoss()) && r.validationTokens() > 0, r.toString());
    assertTrue(Files.size(tmp.resolve("two/loss.png")) > 1000);
    assertEquals(6 + 1, Files.readAllLines(tmp.resolve("two/metrics.jsonl")).size(), "6 steps and 1 validation");
  }

  @Test
  void parameterAveragingWithOneWorkerIsSynchronousTrainingAndWithTwoStillLearns() throws IOException {
    List<Double> sync = new ArrayList<>();
    List<Double> avg = new ArrayList<>();
    train(config("sync1", "workers=1"), false, sync);
    train(config("avg1", "workers=1", "averageEvery=3"), false, avg);
    assertEquals(sync, avg, "one worker: K local steps are the global steps");
    assertArrayEquals(newest("sync1").params(), newest("avg1").params());
    List<Double> two = new ArrayList<>();
    TrainResult r = train(config("avg2", "workers=2", "averageEvery=2", "steps=6"), false, two);
    assertEquals(6, two.size());
    assertTrue(two.get(5) < two.get(0) - 0.2, "averaged workers learn: " + two);
    assertTrue(Double.isFinite(r.validationLoss()));
  }

  @Test
  void aResumedRunEndsWhereAnUninterruptedOneDoes() throws IOException {
    List<Double> full = new ArrayList<>();
    train(config("full"), false, full);
    List<Double> part = new ArrayList<>();
    train(config("part", "steps=6"), false, part);
    // the run "stopped" after its step-3 checkpoint: remove what came later and resume
    Path later = tmp.resolve("part/checkpoints/step-00000006");
    org.apache.commons.io.FileUtils.deleteDirectory(later.toFile());
    List<Double> resumed = new ArrayList<>();
    TrainResult r = train(config("part"), true, resumed);
    assertEquals(3, r.firstStep());
    assertEquals(full.subList(3, 6), resumed, "steps 4-6 repeat exactly");
    assertArrayEquals(newest("full").params(), newest("part").params());
    IOException again = assertThrows(IOException.class, () -> train(config("full"), false, new ArrayList<>()));
    assertTrue(again.getMessage().contains("already holds checkpoints") && again.getMessage().contains("--resume"),
        again.getMessage());
  }

  @Test
  void aCorruptedCheckpointIsSkippedForThePreviousOne() throws IOException {
    train(config("corrupt"), false, new ArrayList<>());
    Path params = tmp.resolve("corrupt/checkpoints/step-00000006/params.f32");
    byte[] bytes = Files.readAllBytes(params);
    bytes[100] ^= 0x10;
    Files.write(params, bytes);
    assertEquals(3, newest("corrupt").step());
    Files.write(tmp.resolve("corrupt/checkpoints/step-00000003/moments.f32"), new byte[12]);
    assertTrue(new CheckpointStore(tmp.resolve("corrupt/checkpoints").toString(), new Configuration()).newest()
        .isEmpty());
  }

  @Test
  void badConfigsFailBeforeAnySparkJobNamingTheKey() throws IOException {
    ConfigException batch = assertThrows(ConfigException.class,
        () -> train(config("bad1", "batchTokens=100"), false, new ArrayList<>()));
    assertEquals("batchTokens", batch.key());
    assertTrue(batch.getMessage().contains("multiple of the dataset's sequence length 64"), batch.getMessage());
    ConfigException vocab = assertThrows(ConfigException.class,
        () -> new TrainJob(config("bad2"), List.of("vocabSize=100")).run(sc, false, m -> { }));
    assertEquals("model", vocab.key());
    assertTrue(vocab.getMessage().contains("vocabSize 100 is smaller than the dataset's tokenizer byte (256 ids)"),
        vocab.getMessage());
    ConfigException missing = assertThrows(ConfigException.class,
        () -> train(config("bad3", "dataset=" + tmp.resolve("nowhere")), false, new ArrayList<>()));
    assertEquals("dataset", missing.key());
    ConfigException warm = assertThrows(ConfigException.class, () -> config("bad4", "warmupSteps=7"));
    assertEquals("warmupSteps", warm.key());
    assertTrue(!Files.exists(tmp.resolve("bad1/checkpoints")), "nothing written");
  }

  @Test
  void divergingTrainingStopsAfterTheBadStepsInARow() throws IOException {
    List<Double> losses = new ArrayList<>();
    TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> train(config("nan",
        "lr=1e30", "warmupSteps=0", "clipNorm=0", "maxBadSteps=2", "steps=6", "weightDecay=0"), false, losses));
    assertTrue(e.getMessage().contains("2 steps in a row up to step 3"), e.getMessage());
    // step 1 is computed at sane parameters and its huge update lands; at those parameters the model
    // meets non-finite values, so steps 2 and 3 are skipped, and the run stops
    assertEquals(3, losses.size(), losses.toString());
    assertTrue(Double.isFinite(losses.get(0)) && Double.isNaN(losses.get(1)) && Double.isNaN(losses.get(2)),
        losses.toString());
  }

  @Test
  void theScheduleWarmsUpThenDecaysToItsFloor() {
    LrSchedule s = new LrSchedule(1e-3, 10, 110, 0.1);
    assertEquals(1e-4, s.at(1), 1e-12);
    assertEquals(1e-3, s.at(10), 1e-12);
    assertEquals(0.55e-3, s.at(60), 1e-12);
    assertEquals(1e-4, s.at(110), 1e-12);
  }
}
