package org.lactspark.driver.eval.report;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.lactspark.driver.eval.EvalReport;
import org.lactspark.driver.eval.HistoryEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders an evaluation report as files: PNG plots (XChart) and {@value #HTML_FILE}, one page that
 * embeds them. Pure: no file is written, so the caller puts the bytes on whatever filesystem the
 * run lives on. Which plots come out:
 *
 * <ul>
 *   <li>{@code per-position-loss.png}: mean loss by position bucket, every model overlaid (when a
 *       model has a finite bucket);
 *   <li>{@code per-position-difference.png}: each other model minus the first, with a zero line
 *       (when two or more models have positions);
 *   <li>{@code retrieval-<label>.png}: accuracy by probe length and depth, per model with probes;
 *       {@code retrieval-<task>-<label>.png} when the probes hold more than one task ({@code <label>}
 *       and {@code <task>} reduced to {@code [a-z0-9._-]});
 *   <li>{@code retrieval-by-length.png}: accuracy (mean over depths) against length, per model and
 *       task (when two or more models have probes);
 *   <li>{@code history.png}: loss per token and retrieval accuracy against training step (when the
 *       history has an entry with either).
 * </ul>
 *
 * <p>Missing parts (no dataset, no probes, NaN buckets, one model, no history) leave plots out,
 * never fail the rendering.
 */
public final class ReportRenderer {
  /** The page's file name. */
  public static final String HTML_FILE = HtmlPage.FILE;

  private static final Logger LOG = LoggerFactory.getLogger(ReportRenderer.class);

  private ReportRenderer() {}

  /** {@link #render(EvalReport, List)} without a history. */
  public static Map<String, byte[]> render(EvalReport report) {
    return render(report, List.of());
  }

  /**
   * The report's files.
   *
   * @param report what the evaluation measured
   * @param history a watched run's earlier evaluations, any order (empty or null: none)
   * @return file name to content, the PNGs in the order the page shows them, then {@value
   *     #HTML_FILE} (UTF-8)
   */
  public static Map<String, byte[]> render(EvalReport report, List<HistoryEntry> history) {
    Objects.requireNonNull(report, "report");
    List<HistoryEntry> entries = history == null ? List.of() : history;
    List<Model> models = Model.of(report);
    List<Figure> figures = figures(models, entries);
    Map<String, byte[]> files = new LinkedHashMap<>();
    figures.forEach(f -> files.put(f.file(), f.png()));
    String html = HtmlPage.render(report, models, figures, entries);
    files.put(HTML_FILE, html.getBytes(StandardCharsets.UTF_8));
    LOG.debug("Rendered the evaluation report: {} models, {} history entries, files {}", models.size(),
        entries.size(), files.keySet());
    return files;
  }

  private static List<Figure> figures(List<Model> models, List<HistoryEntry> history) {
    List<Figure> out = new ArrayList<>();
    PositionPlots.loss(models).ifPresent(out::add);
    PositionPlots.difference(models).ifPresent(out::add);
    // a label such as "by-length" must not overwrite the fixed names: they are taken first
    Set<String> used = new HashSet<>(Set.of(PositionPlots.LOSS_FILE, PositionPlots.DIFFERENCE_FILE,
        RetrievalPlots.BY_LENGTH_FILE, HistoryPlot.FILE, HTML_FILE));
    out.addAll(RetrievalPlots.heatMaps(models, used));
    RetrievalPlots.byLength(models).ifPresent(out::add);
    if (!history.isEmpty()) {
      HistoryPlot.of(history).ifPresent(out::add);
    }
    return out;
  }
}
