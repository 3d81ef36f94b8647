package org.lactspark.driver.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.driver.dist.Gradients;
import org.lactspark.driver.dist.Sequences;
import org.lactspark.driver.dist.SyncStep;
import org.lactspark.driver.spark.LocalSpark;
import org.lactspark.kernel.cli.CliExtension;
import org.lactspark.kernel.params.LactModelLayout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lact bench comm}: what a training step costs outside the model, through the train job's
 * own path ({@link SyncStep}: broadcast the parameter vector, one task per worker, collect each
 * worker's vector, add them on the driver), with tasks that compute nothing. Parameter averaging
 * moves the parameters and both optimiser moments (3 vectors each way) once per K steps; its line
 * reports that cost divided by K.
 */
@Command(
    name = "comm",
    mixinStandardHelpOptions = true,
    description = "Time the train job's broadcast, task launch, collection and driver sum for a parameter vector.")
public final class CommBench implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--preset", paramLabel = "P", description = "Vector of this preset's size (default: small).")
  String preset = "small";

  @Option(names = "--params", paramLabel = "N", description = "Vector length instead of a preset's.")
  Long params;

  @Option(names = "--workers", defaultValue = "2", paramLabel = "W", description = "Tasks per step (default: 2).")
  int workers;

  @Option(names = "--steps", defaultValue = "5", paramLabel = "S", description = "Timed steps (default: 5).")
  int steps;

  @Option(names = "--average-every", defaultValue = "1,4,16", split = ",", paramLabel = "K",
      description = "Averaging intervals to report (default: 1,4,16).")
  List<Integer> averageEvery;

  @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL", description = "Spark master.")
  String master;

  /** Tasks return a vector of the parameters' size and compute nothing. */
  private record Echo(int size, int vectors) implements SyncStep.Work {
    @Override
    public Gradients apply(Sequences share, float[][] p, long version) {
      float[] g = new float[size * vectors];
      g[0] = p[0][0];
      return new Gradients(g, 0, 1, share.count(), 0);
    }
  }

  @Override
  public Integer call() {
    long n = params != null ? params : LactModelLayout.of(Presets.load(preset)).size();
    int size = Math.toIntExact(n);
    PrintWriter out = spec.commandLine().getOut();
    try (JavaSparkContext sc = LocalSpark.start("lact bench comm", master)) {
      sc.setLogLevel("WARN");
      ModelConfig model = Presets.load("tiny");
      // the echo work computes nothing, so no engine is ever chosen
      SyncStep sync = new SyncStep(sc, model, "bench", 1, "auto");
      List<Sequences> shares = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        shares.add(new Sequences(1, new int[][] {{0}}, new int[][] {{0}}));
      }
      double one = time(sync, new Echo(size, 1), new float[size], shares);
      // averaging: parameters and two moments out (3 vectors broadcast), the same back per worker
      double three = time(sync, new Echo(size, 3), new float[3 * size], shares);
      for (int k : averageEvery) {
        double perStep = k == 1 ? one : three / k;
        out.printf(Locale.ROOT, "{\"bench\":\"comm\",\"master\":\"%s\",\"params\":%d,\"workers\":%d,"
            + "\"average_every\":%d,\"seconds_per_step\":%.4f,\"mb_per_step\":%.1f}%n", master, n, workers, k, perStep,
            (k == 1 ? 1 : 3.0 / k) * (workers + 1) * 4.0 * n / 1e6);
        // sent: the broadcast to every worker and each worker's vector once through the shuffle
      }
      out.flush();
    }
    return 0;
  }

  /** The median seconds of a pass, after one untimed pass. */
  private double time(SyncStep sync, SyncStep.Work work, float[] vector, List<Sequences> shares) {
    sync.run(work, vector, shares, vector.length, "lact bench comm: warm-up");
    double[] t = new double[steps];
    for (int i = 0; i < steps; i++) {
      t[i] = sync.run(work, vector, shares, vector.length, "lact bench comm").timing().wallNanos() / 1e9;
    }
    Arrays.sort(t);
    return t[steps / 2];
  }

  /** Mounts the benchmark as {@code bench comm}. */
  public static final class Extension implements CliExtension {
    @Override
    public String parent() {
      return "bench";
    }

    @Override
    public Object command() {
      return new CommBench();
    }
  }
}
