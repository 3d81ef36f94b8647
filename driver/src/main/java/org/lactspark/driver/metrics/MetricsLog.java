package org.lactspark.driver.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code metrics.jsonl} in the run directory: one JSON line per step and per validation pass,
 * flushed as it is written. A resumed run keeps the lines up to the step it resumes from and
 * continues after them, so the file always tells one run's history.
 */
public final class MetricsLog implements AutoCloseable {
  /** The file's name in the run directory. */
  public static final String FILE = "metrics.jsonl";

  private final FSDataOutputStream out;
  private final Path path;

  private MetricsLog(FSDataOutputStream out, Path path) {
    this.out = out;
    this.path = path;
  }

  /** Opens the log in {@code runDir}, keeping the lines of steps up to {@code keepThrough}. */
  public static MetricsLog open(String runDir, int keepThrough, Configuration conf) throws IOException {
    Path p = new Path(runDir, FILE);
    FileSystem fs = p.getFileSystem(conf);
    List<String> kept = new ArrayList<>();
    if (keepThrough > 0 && fs.exists(p)) {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(p), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (stepOf(line) <= keepThrough) {
            kept.add(line);
          }
        }
      }
    }
    FSDataOutputStream out = fs.create(p, true);
    MetricsLog log = new MetricsLog(out, fs.makeQualified(p));
    for (String line : kept) {
      log.line(line);
    }
    return log;
  }

  private static int stepOf(String line) {
    int i = line.indexOf("\"step\":");
    if (i < 0) {
      return Integer.MAX_VALUE;
    }
    int j = i + 7;
    int k = j;
    while (k < line.length() && Character.isDigit(line.charAt(k))) {
      k++;
    }
    return k == j ? Integer.MAX_VALUE : Integer.parseInt(line.substring(j, k));
  }

  /** Appends one JSON line and flushes it. */
  public void line(String json) throws IOException {
    out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
    out.hflush();
  }

  /** The file's location. */
  public String location() {
    return path.toString();
  }

  @Override
  public void close() throws IOException {
    ((OutputStream) out).close();
  }
}
