package org.lactspark.driver.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;

/**
 * The engine choice on a task Spark assigned a GPU. Spark schedules GPUs in standalone mode only
 * (not {@code local[n]}), so this runs {@code local-cluster[1,1,1024]}: a master and a worker
 * in-process and one executor JVM whose worker discovers one GPU, address "0", with a test script.
 * The {@code cuda} engine here is {@link AbsentCudaEngine}, which cannot run: {@code auto} falls
 * back to nd4j and the executor warns once; {@code cuda} fails the task naming the reason.
 *
 * <p>A standalone worker launches executors from a Spark home; under {@code spark.testing} it
 * takes {@code spark.test.home} for it and gives the executor this JVM's class path, so an empty
 * home of the directories the launcher looks for is enough. The two properties are restored after.
 */
class GpuTaskEngineTest {
  private static final ModelConfig TINY = Presets.load("tiny");
  private static final String[] TEST_PROPERTIES = {"spark.testing", "spark.test.home"};

  @TempDir
  static Path tmp;

  private static JavaSparkContext sc;
  private static Path home;
  private static final List<String> SAVED = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    home = tmp.resolve("spark-home");
    Files.createDirectories(home.resolve("jars"));
    Files.createDirectories(home.resolve("launcher/target/scala-2.12"));
    Path script = tmp.resolve("one-gpu.sh");
    Files.writeString(script, "#!/usr/bin/env bash\n# one GPU, address 0, whatever this host has\n"
        + "echo '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n", StandardCharsets.UTF_8);
    assertTrue(script.toFile().setExecutable(true));
    for (String p : TEST_PROPERTIES) {
      SAVED.add(System.getProperty(p));
    }
    System.setProperty("spark.testing", "true");
    System.setProperty("spark.test.home", home.toString());
    sc = new JavaSparkContext(new SparkConf().setMaster("local-cluster[1,1,1024]").setAppName("gpu engine test")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.worker.resource.gpu.amount", "1")
        .set("spark.worker.resource.gpu.discoveryScript", script.toString())
        .set("spark.executor.resource.gpu.amount", "1")
        .set("spark.task.resource.gpu.amount", "1")
        // a forced engine that cannot run fails the same way every time: no retries
        .set("spark.task.maxFailures", "1")
        .set("spark.executorEnv.OMP_NUM_THREADS", "1"));
    sc.setLogLevel("WARN");
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (sc.sc().getExecutorMemoryStatus().size() < 2) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the local-cluster executor did not register within 120 s; its log: "
            + executorLog());
      }
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stop() {
    if (sc != null) {
      sc.close();
    }
    for (int i = 0; i < TEST_PROPERTIES.length; i++) {
      if (SAVED.get(i) == null) {
        System.clearProperty(TEST_PROPERTIES[i]);
      } else {
        System.setProperty(TEST_PROPERTIES[i], SAVED.get(i));
      }
    }
  }

  /**
   * The executor's standard error, or "" before it exists: under {@code spark.testing} each
   * worker works in a temporary directory {@code worker-*} (deleted when the context stops), where
   * it copies the executor's output to {@code <application>/<executor>/stderr}.
   */
  private static String executorLog() throws IOException {
    String app = sc == null ? "app-" : sc.sc().applicationId();
    try (Stream<Path> workers = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      StringBuilder b = new StringBuilder();
      for (Path w : workers.filter(d -> d.getFileName().toString().startsWith("worker-")).collect(Collectors.toList())) {
        Path dir = w.resolve(app);
        if (!Files.isDirectory(dir)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(dir)) {
          for (Path f : files.filter(f -> f.getFileName().toString().equals("stderr")).collect(Collectors.toList())) {
            b.append(Files.readString(f, StandardCharsets.UTF_8));
          }
        }
      }
      return b.toString();
    }
  }

  private static long fallbackWarnings(String log) {
    return log.lines().filter(l -> l.contains("WARN") && l.contains(AbsentCudaEngine.REASON)).count();
  }

  /** A training step on the executor: its device, its engine and what it computed. */
  private static final class Step implements Function<String, String> {
    private static final long serialVersionUID = 1L;
    private final float[] params;

    Step(float[] params) {
      this.params = params;
    }

    @Override
    public String call(String key) {
      return Workers.with(key, TINY, "auto", w -> {
        w.setParams(1, params);
        Gradients g = w.gradients(ModelWorkerTest.sequences(1), 2);
        boolean finite = g.grad() != null && Double.isFinite(g.lossSum()) && g.scored() > 0;
        return GpuBinding.currentDevice() + " " + w.backend() + " " + finite;
      });
    }
  }

  @Test
  void autoFallsBackToNd4jOnAGpuTaskAndWarnsOnce() throws Exception {
    float[] params = ModelWorker.initialParams(TINY, 3);
    // two models (keys), so the executor chooses an engine twice, and warns once
    List<String> got = sc.parallelize(List.of("model a", "model b"), 2).map(new Step(params)).collect();
    assertEquals(List.of("0 nd4j true", "0 nd4j true"), got, "GPU 0, the nd4j engine, a finite gradient");
    SyncStep.Result r = new SyncStep(sc, TINY, "sync", 2, "auto").run(params,
        List.of(ModelWorkerTest.sequences(1)), true, "gpu engine test: a step");
    assertNotNull(r.sum().grad(), "the step's gradient");
    assertTrue(Double.isFinite(r.sum().meanLoss()));
    String log = "";
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (fallbackWarnings(log) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(200); // the worker copies the executor's stderr to its file asynchronously
      log = executorLog();
    }
    Thread.sleep(1000);
    log = executorLog();
    assertEquals(1, fallbackWarnings(log), "one warning naming the reason in the executor's log:\n" + log);
    String line = log.lines().filter(l -> l.contains(AbsentCudaEngine.REASON)).findFirst().orElseThrow();
    assertTrue(line.contains("GPU 0") && line.contains("training with 'nd4j' instead"), line);
  }

  @Test
  void aForcedCudaEngineFailsTheTaskNamingTheReason() {
    float[] params = ModelWorker.initialParams(TINY, 3);
    SparkException e = assertThrows(SparkException.class, () -> new SyncStep(sc, TINY, "forced", 2, "cuda")
        .run(params, List.of(ModelWorkerTest.sequences(1)), true, "gpu engine test: engine=cuda"));
    assertTrue(e.getMessage().contains("engine = cuda on GPU 0") && e.getMessage().contains(AbsentCudaEngine.REASON),
        e.getMessage());
  }
}
