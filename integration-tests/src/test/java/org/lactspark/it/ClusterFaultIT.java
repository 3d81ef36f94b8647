package org.lactspark.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The train job on a real multi-JVM Spark cluster on loopback (a standalone Master and two
 * one-core Workers started from the build's jars, stack-notes.md), with faults: an executor JVM
 * killed mid-run, and the driver killed mid-run and resumed. Both must end with the parameters of
 * an undisturbed run, byte for byte.
 */
class ClusterFaultIT {
  @TempDir
  static Path tmp;

  private static Path root;
  private static String master;
  private static final List<Process> CLUSTER = new ArrayList<>();
  private static Path dataset;

  private static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isExecutable(dir.resolve("bin/lact"))) {
        return dir;
      }
    }
    throw new IllegalStateException("bin/lact not found");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Spark's add-opens list, as bin/lact passes it. */
  private static List<String> opens() throws IOException {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("--add-opens=\\S+").matcher(Files.readString(root.resolve("bin/lact")));
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static Process java(Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(opens());
    cmd.add("-cp");
    cmd.add(tmp.resolve("home/jars").toString() + "/*");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_HOME", tmp.resolve("home").toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return pb.start();
  }

  @BeforeAll
  static void cluster() throws Exception {
    root = root();
    Files.createDirectories(tmp.resolve("home"));
    Files.createSymbolicLink(tmp.resolve("home/jars"), root.resolve("driver/target/lib"));
    int port = freePort();
    int ui = freePort();
    master = "spark://127.0.0.1:" + port;
    CLUSTER.add(java(tmp.resolve("master.log"), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
        "--port", Integer.toString(port), "--webui-port", Integer.toString(ui)));
    waitForWorkers(ui, 0);
    for (int w = 1; w <= 2; w++) {
      CLUSTER.add(java(tmp.resolve("worker" + w + ".log"), "org.apache.spark.deploy.worker.Worker", master, "--cores",
          "1", "--memory", "2g", "--webui-port", Integer.toString(freePort()), "--work-dir",
          tmp.resolve("work" + w).toString()));
    }
    waitForWorkers(ui, 2);
    dataset = tmp.resolve("ds");
    Process p = lact(List.of("prepare", "--out", dataset.toString(), "--set", "sequenceLength=256"));
    assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, "prepare failed");
  }

  /** Waits until the Master's status page lists {@code n} alive workers. */
  private static void waitForWorkers(int ui, int n) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < 120; i++) {
      try {
        String json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ui + "/json/")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        if (json.split("\"state\" : \"ALIVE\"", -1).length - 1 >= n) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the loopback cluster did not come up with " + n + " workers");
  }

  @AfterAll
  static void stop() {
    for (Process p : CLUSTER) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private static Process lact(List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(root.resolve("bin/lact").toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
    pb.environment().put("LACT_JAVA_OPTS", "-Dspark.executor.memory=1500m");
    return pb.start();
  }

  private static List<String> train(String run, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--master", master, "--model", "tiny", "--dataset",
        dataset.toString(), "--run-dir", tmp.resolve(run).toString(), "--steps", "8", "--set", "batchTokens=1024",
        "--set", "warmupSteps=2", "--set", "checkpointEvery=2", "--set", "validateEvery=0", "--set",
        "validationSequences=2", "--set", "workers=2"));
    a.addAll(List.of(extra));
    return a;
  }

  /** Runs a training process; when its progress shows step {@code at}, runs {@code fault}. */
  private static int run(List<String> args, int at, Runnable fault) throws Exception {
    Process p = lact(args);
    CompletableFuture<Void> watch = CompletableFuture.runAsync(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
        boolean fired = false;
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (!fired && at > 0 && line.contains(" step " + at + "/")) {
            fired = true;
            fault.run();
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), "training did not finish");
    watch.get(1, TimeUnit.MINUTES);
    return p.exitValue();
  }

  private static byte[] finalParams(String run) throws IOException {
    return Files.readAllBytes(tmp.resolve(run).resolve("checkpoints/step-00000008/params.f32"));
  }

  private static Optional<ProcessHandle> anExecutor() {
    return ProcessHandle.allProcesses().filter(h -> h.info().commandLine().map(c ->
        c.contains("CoarseGrainedExecutorBackend") && c.contains(tmp.toString())).orElse(false)).findFirst();
  }

  @Test
  void killingAnExecutorOrTheDriverMidRunEndsWithTheUndisturbedParameters() throws Exception {
    assertEquals(0, run(train("reference"), 0, () -> { }));
    byte[] reference = finalParams("reference");

    boolean[] killed = {false};
    assertEquals(0, run(train("executor-killed"), 3, () -> killed[0] = anExecutor()
        .map(ProcessHandle::destroyForcibly).orElse(false)));
    assertTrue(killed[0], "no executor JVM was found to kill");
    assertArrayEquals(reference, finalParams("executor-killed"), "an executor lost mid-run changes nothing");

    Process p = lact(train("driver-killed"));
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.contains(" step 5/")) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          break;
        }
      }
    }
    assertTrue(p.waitFor(1, TimeUnit.MINUTES), "the driver did not die");
    assertTrue(Files.exists(tmp.resolve("driver-killed/checkpoints/step-00000004")), "a checkpoint before the kill");
    assertTrue(!Files.exists(tmp.resolve("driver-killed/checkpoints/step-00000008")), "killed before the end");
    assertEquals(0, run(train("driver-killed", "--resume"), 0, () -> { }));
    assertArrayEquals(reference, finalParams("driver-killed"), "a resumed driver ends where the undisturbed run did");
  }
}
