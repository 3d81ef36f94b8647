package org.lactspark.driver.eval.report;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium, run headless on a local file: one process per call, its own profile
 * directory, killed (with its children) when it outlives the timeout.
 */
final class ReportChromium {
  static final String INSTALL_HINT = "Chromium is not installed: the report's browser test needs Debian's chromium "
      + "(sudo apt-get update && sudo apt-get install -y chromium); .ci/run installs it";
  private static final long TIMEOUT_SECONDS = 60;

  private final Path binary;
  private final Path work;
  private int runs;

  private ReportChromium(Path binary, Path work) {
    this.binary = binary;
    this.work = work;
  }

  /** Chromium on the PATH or at /usr/bin/chromium, working under {@code work}; empty if absent. */
  static Optional<ReportChromium> find(Path work) {
    List<Path> candidates = new ArrayList<>();
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, "chromium"));
      }
    }
    candidates.add(Path.of("/usr/bin/chromium"));
    return candidates.stream().filter(Files::isExecutable).findFirst().map(p -> new ReportChromium(p, work));
  }

  /** The DOM after the page's load handlers ran ({@code --dump-dom}). */
  String dumpDom(Path page) throws IOException, InterruptedException {
    return run(page, List.of("--dump-dom", "--virtual-time-budget=5000"));
  }

  /** A screenshot of the top {@code width x height} pixels of the page. */
  Path screenshot(Path page, int width, int height) throws IOException, InterruptedException {
    Path png = work.resolve("screenshot-" + (runs + 1) + ".png");
    run(page, List.of("--screenshot=" + png, "--window-size=" + width + "," + height, "--hide-scrollbars",
        "--virtual-time-budget=5000"));
    return png;
  }

  /** Runs Chromium on the page; its standard output, or an AssertionError with its standard error. */
  private String run(Path page, List<String> flags) throws IOException, InterruptedException {
    int n = ++runs;
    Path out = work.resolve("chromium-" + n + ".out");
    Path err = work.resolve("chromium-" + n + ".err");
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
        // a fresh profile: nothing from a user's Chromium, nothing left between runs
        "--user-data-dir=" + work.resolve("profile-" + n)));
    command.addAll(flags);
    command.add(page.toUri().toString());
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      // the renderer and GPU processes are children: kill them too, or they outlive the test
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("chromium ran past " + TIMEOUT_SECONDS + " s and was killed: " + command
          + "\nstderr:\n" + tail(err));
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("chromium exited with " + p.exitValue() + ": " + command + "\nstderr:\n" + tail(err));
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  /** The standard error of the last run, for failure messages. */
  String lastStderr() throws IOException {
    return tail(work.resolve("chromium-" + runs + ".err"));
  }

  private static String tail(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    String s = Files.readString(file, StandardCharsets.UTF_8);
    return s.length() <= 8000 ? s : "..." + s.substring(s.length() - 8000);
  }
}
