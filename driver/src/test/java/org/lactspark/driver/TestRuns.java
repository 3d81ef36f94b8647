package org.lactspark.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.lactspark.conf.PrepareConfig;
import org.lactspark.conf.load.PrepareConfigLoader;
import org.lactspark.conf.load.TrainConfigLoader;
import org.lactspark.data.dataset.DatasetReader;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.dataset.ShardSource;
import org.lactspark.data.prepare.PrepareJob;
import org.lactspark.driver.train.TrainJob;

/** What the driver's Spark tests share: a small prepared dataset of word paragraphs, a tiny run, reading a split. */
public final class TestRuns {
  private static final String[] WORDS = {"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "far", "away",
    "home"};

  private TestRuns() {}

  /**
   * Prepares {@code paragraphs} seeded paragraphs of {@code minWords} to {@code minWords +
   * extraWords - 1} words into {@code dir/name} as sequences of 64 byte tokens; {@code sets} are
   * further prepare keys.
   */
  public static Path prepare(JavaSparkContext sc, Path dir, String name, long seed, int paragraphs, int minWords,
      int extraWords, String... sets) throws IOException {
    Path corpus = Files.createDirectories(dir.resolve("corpus-" + name));
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder();
    for (int p = 0; p < paragraphs; p++) {
      for (int w = 0; w < minWords + r.nextInt(extraWords); w++) {
        b.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
      }
      b.append(".\n\n");
    }
    Files.writeString(corpus.resolve("text.txt"), b);
    Path out = dir.resolve(name);
    List<String> o = new ArrayList<>(List.of("inputs=" + corpus.toUri(), "inputFormat=paragraphs", "sequenceLength=64"));
    o.addAll(List.of(sets));
    PrepareConfig pc = PrepareConfigLoader.load(null, o);
    new PrepareJob(pc, PrepareJob.tokenizerFor(pc, sc.hadoopConfiguration())).run(sc, out.toString(), false, p -> { },
        60);
    return out;
  }

  /** Trains the tiny preset on {@code dataset} into {@code runDir} with these train keys and model overrides. */
  public static Path train(JavaSparkContext sc, Path dataset, Path runDir, List<String> trainSets,
      List<String> modelSets) throws IOException {
    List<String> o = new ArrayList<>(List.of("dataset=" + dataset, "model=tiny", "runDir=" + runDir, "peakGflops=1"));
    o.addAll(trainSets);
    new TrainJob(TrainConfigLoader.load(null, o), modelSets).run(sc, false, m -> { });
    return runDir;
  }

  /** Every sequence of {@code split}. */
  public static List<PackedSequence> read(Path data, String split) throws IOException {
    List<PackedSequence> out = new ArrayList<>();
    try (DatasetReader r = DatasetReader.open(ShardSource.directory(data), split, DatasetReader.Cursor.START)) {
      for (PackedSequence s = r.next(); s != null; s = r.next()) {
        out.add(s);
      }
    }
    return out;
  }
}
