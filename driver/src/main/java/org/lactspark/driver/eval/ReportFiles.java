package org.lactspark.driver.eval;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lactspark.driver.eval.report.ReportRenderer;

/**
 * A report directory on any Hadoop filesystem: {@code eval.json} (every number), the PNG plots and
 * {@code report.html}, and for a watched run {@code history.jsonl}. {@code eval.json} is removed
 * first and written last, each file under a temporary name renamed into place, so a directory whose
 * {@code eval.json} exists holds one complete report, never a mix.
 */
public final class ReportFiles {
  /** The file with every number. */
  public static final String JSON = "eval.json";
  /** A watched run's history, one JSON object per line. */
  public static final String HISTORY = "history.jsonl";

  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final FileSystem fs;
  private final Path dir;

  /** The report directory {@code dir}. */
  public ReportFiles(String dir, Configuration conf) throws IOException {
    Path p = new Path(dir);
    this.fs = p.getFileSystem(conf);
    this.dir = fs.makeQualified(p);
  }

  /** Where it is. */
  public String location() {
    return dir.toString();
  }

  /**
   * Writes {@code report} with its plots and page (and the history's plot when {@code history} is
   * not empty); returns the page's location.
   */
  public String write(EvalReport report, List<HistoryEntry> history) throws IOException {
    fs.mkdirs(dir);
    fs.delete(new Path(dir, JSON), false);
    Map<String, byte[]> files = new LinkedHashMap<>(ReportRenderer.render(report, history));
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      replace(f.getKey(), f.getValue());
    }
    replace(JSON, MAPPER.writeValueAsBytes(report));
    return new Path(dir, ReportRenderer.HTML_FILE).toString();
  }

  /** The report in this directory, if a complete one is there. */
  public java.util.Optional<EvalReport> read() throws IOException {
    Path p = new Path(dir, JSON);
    if (!fs.exists(p)) {
      return java.util.Optional.empty();
    }
    try (InputStream in = fs.open(p)) {
      return java.util.Optional.of(MAPPER.readValue(in, EvalReport.class));
    }
  }

  /** The history, oldest first (empty when there is none). */
  public List<HistoryEntry> history() throws IOException {
    Path p = new Path(dir, HISTORY);
    List<HistoryEntry> out = new ArrayList<>();
    if (!fs.exists(p)) {
      return out;
    }
    String text;
    try (InputStream in = fs.open(p)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    int line = 0;
    for (String l : text.split("\n")) {
      line++;
      if (!l.isBlank()) {
        try {
          out.add(MAPPER.readValue(l, HistoryEntry.class));
        } catch (IOException e) {
          throw new IOException(p + ": line " + line + " is not a history entry: " + e.getMessage(), e);
        }
      }
    }
    return out;
  }

  /** Rewrites the history as {@code entries} (atomically: a temporary file renamed into place). */
  public void writeHistory(List<HistoryEntry> entries) throws IOException {
    fs.mkdirs(dir);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    ObjectMapper oneLine = new ObjectMapper();
    for (HistoryEntry e : entries) {
      b.write(oneLine.writeValueAsBytes(e));
      b.write('\n');
    }
    replace(HISTORY, b.toByteArray());
  }

  private void replace(String name, byte[] bytes) throws IOException {
    Path tmp = new Path(dir, "._tmp-" + name + "-" + System.nanoTime());
    try (OutputStream out = fs.create(tmp, true)) {
      out.write(bytes);
    }
    Path target = new Path(dir, name);
    fs.delete(target, false);
    if (!fs.rename(tmp, target)) {
      throw new IOException("cannot rename " + tmp + " to " + target);
    }
  }
}
