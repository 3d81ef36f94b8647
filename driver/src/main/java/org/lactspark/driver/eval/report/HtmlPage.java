package org.lactspark.driver.eval.report;

import static org.lactspark.driver.eval.report.Text.escape;
import static org.lactspark.driver.eval.report.Text.fixed;
import static org.lactspark.driver.eval.report.Text.grouped;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lactspark.driver.eval.EvalReport;
import org.lactspark.driver.eval.EvalReport.DatasetInfo;
import org.lactspark.driver.eval.EvalReport.Loss;
import org.lactspark.driver.eval.EvalReport.ModelResult;
import org.lactspark.driver.eval.EvalReport.ProbeResult;
import org.lactspark.driver.eval.EvalReport.Timing;
import org.lactspark.driver.eval.HistoryEntry;

/**
 * The report as one self-contained HTML page: inline CSS, images as data URIs, nothing fetched, so
 * the file can be mailed or opened from any filesystem. Every string from the report is escaped.
 */
final class HtmlPage {
  static final String FILE = "report.html";

  private static final String STYLE = """
      body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
      table{border-collapse:collapse;margin:.5em 0 1.5em}
      th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
      td.num{text-align:right;font-variant-numeric:tabular-nums}
      th{background:#f3f3f3}
      .sub{color:#777;font-size:90%}
      figure{margin:1.5em 0}
      figure img{max-width:100%;height:auto;border:1px solid #ddd}
      figcaption{color:#444;margin-top:.3em}
      code{font-size:90%}
      """;

  /**
   * The test hook: once everything has loaded, the body records how many images are shown, so a
   * headless browser's DOM dump tells whether the embedded PNGs decoded. No library, no network.
   */
  private static final String LOAD_HOOK = """
      window.addEventListener('load',function(){var im=document.images,n=0;
      for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0){n++;}}
      document.body.setAttribute('data-images-loaded',String(n));
      document.body.setAttribute('data-images-total',String(im.length));});
      """;

  private final StringBuilder out = new StringBuilder(1 << 16);
  private final EvalReport report;
  private final List<Model> models;

  private HtmlPage(EvalReport report, List<Model> models) {
    this.report = report;
    this.models = models;
  }

  /** The page for the report, its figures (in order) and the history (possibly empty). */
  static String render(EvalReport report, List<Model> models, List<Figure> figures, List<HistoryEntry> history) {
    HtmlPage page = new HtmlPage(report, models);
    page.head();
    page.summary();
    page.headline();
    page.probeTable();
    page.notes();
    page.figures(figures.stream().filter(f -> !f.file().equals(HistoryPlot.FILE)).toList());
    page.history(history, figures.stream().filter(f -> f.file().equals(HistoryPlot.FILE)).toList());
    page.configurations();
    page.out.append("<script>").append(LOAD_HOOK).append("</script>\n</body>\n</html>\n");
    return page.out.toString();
  }

  private void head() {
    String title = "Evaluation report" + (report.createdAt() == null ? "" : " " + report.createdAt());
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
        .append(escape(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n")
        .append("<h1>Evaluation report</h1>\n");
  }

  private void summary() {
    out.append("<p>Finished ").append(report.createdAt() == null ? Text.MISSING : escape(report.createdAt()))
        .append("; ").append(models.size()).append(models.size() == 1 ? " model" : " models").append(".</p>\n<ul>\n");
    out.append("<li>Loss: ").append(describe(report.dataset(), "no dataset scored for loss")).append("</li>\n");
    out.append("<li>Retrieval probes: ").append(describe(report.probes(), "none evaluated")).append("</li>\n</ul>\n");
  }

  private static String describe(DatasetInfo d, String none) {
    if (d == null) {
      return escape(none);
    }
    return "<code>" + escape(d.path()) + "</code>, split " + escape(d.split()) + ", " + grouped(d.sequences())
        + " sequences of " + d.sequenceLength() + " tokens, tokenizer " + escape(d.tokenizer());
  }

  private void headline() {
    out.append("<h2>Models</h2>\n<table>\n<tr><th>label</th><th>checkpoint</th><th>step</th><th>TTT</th>"
        + "<th>tokens</th><th>loss / token (nats)</th><th>perplexity</th><th>bits / byte</th>"
        + "<th>mean retrieval accuracy</th><th>eval seconds</th><th>tokens / s</th></tr>\n");
    for (Model m : models) {
      ModelResult r = m.result();
      Loss loss = r.loss();
      Timing t = r.timing();
      out.append("<tr><td>").append(escape(m.name())).append("</td><td><code>").append(escape(r.checkpoint()))
          .append("</code></td>").append(num(Long.toString(r.step()))).append("<td>")
          .append(r.tttEnabled() ? "on" : "off").append("</td>")
          .append(num(loss == null ? Text.MISSING : grouped(loss.tokens())))
          .append(num(loss == null ? Text.MISSING : fixed(loss.lossPerToken(), 4)))
          .append(num(loss == null ? Text.MISSING : fixed(loss.perplexity(), 2)))
          .append(num(loss == null ? Text.MISSING : fixed(loss.bitsPerByte(), 4)))
          .append(num(fixed(Probes.meanAccuracy(m.probes()), 3)))
          .append(num(t == null ? Text.MISSING : fixed(t.seconds(), 1)))
          .append(num(t == null ? Text.MISSING : grouped(t.tokensPerSecond()))).append("</tr>\n");
    }
    out.append("</table>\n");
  }

  private static String num(String formatted) {
    return "<td class=\"num\">" + formatted + "</td>";
  }

  /** Rows: every split any model was probed on, in order of first appearance; columns: models. */
  private void probeTable() {
    Map<String, ProbeResult> splits = new LinkedHashMap<>();
    models.forEach(m -> m.probes().forEach(p -> splits.putIfAbsent(p.name(), p)));
    if (splits.isEmpty()) {
      return;
    }
    out.append("<h2>Retrieval by probe split</h2>\n<p class=\"sub\">Accuracy: fraction of examples whose every "
        + "answer token was predicted; in brackets, the fraction of answer tokens predicted.</p>\n<table>\n"
        + "<tr><th>split</th><th>task</th><th>length</th><th>depth</th>");
    models.forEach(m -> out.append("<th>").append(escape(m.name())).append("</th>"));
    out.append("</tr>\n");
    for (ProbeResult split : splits.values()) {
      out.append("<tr><td>").append(escape(split.name())).append("</td><td>").append(escape(Probes.task(split)))
          .append("</td>").append(num(Integer.toString(split.length()))).append(num(fixed(split.depth(), 2)));
      models.forEach(m -> out.append(num(probeCell(m, split.name()))));
      out.append("</tr>\n");
    }
    out.append("</table>\n");
  }

  private static String probeCell(Model m, String split) {
    for (ProbeResult p : m.probes()) {
      if (p.name() == null ? split == null : p.name().equals(split)) {
        return fixed(p.accuracy(), 3) + " <span class=\"sub\">(" + fixed(p.tokenAccuracy(), 3) + ")</span>";
      }
    }
    return Text.MISSING;
  }

  private void notes() {
    List<String> notes = report.notes() == null ? List.of() : report.notes();
    if (notes.isEmpty()) {
      return;
    }
    out.append("<h2>Notes</h2>\n<ul>\n");
    notes.forEach(n -> out.append("<li>").append(escape(n)).append("</li>\n"));
    out.append("</ul>\n");
  }

  private void figures(List<Figure> figures) {
    if (figures.isEmpty()) {
      return;
    }
    out.append("<h2>Plots</h2>\n");
    figures.forEach(this::figure);
  }

  private void figure(Figure f) {
    out.append("<figure>\n<img src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(f.png()))
        .append("\" alt=\"").append(escape(f.alt())).append("\">\n<figcaption>").append(escape(f.caption()))
        .append(" <span class=\"sub\">(<code>").append(escape(f.file())).append("</code>)</span></figcaption>\n")
        .append("</figure>\n");
  }

  private void history(List<HistoryEntry> history, List<Figure> plot) {
    if (history.isEmpty()) {
      return;
    }
    List<HistoryEntry> byStep = new ArrayList<>(history);
    byStep.sort(Comparator.comparingLong(HistoryEntry::step));
    out.append("<h2>History</h2>\n");
    plot.forEach(this::figure);
    out.append("<table>\n<tr><th>step</th><th>checkpoint</th><th>evaluated at</th><th>loss / token (nats)</th>"
        + "<th>bits / byte</th><th>retrieval accuracy</th><th>report</th></tr>\n");
    for (HistoryEntry e : byStep) {
      out.append("<tr>").append(num(Long.toString(e.step()))).append("<td><code>").append(escape(e.checkpoint()))
          .append("</code></td><td>").append(escape(e.evaluatedAt())).append("</td>")
          .append(num(fixed(e.lossPerToken(), 4))).append(num(fixed(e.bitsPerByte(), 4)))
          .append(num(fixed(e.retrievalAccuracy(), 3))).append("<td><code>").append(escape(e.report()))
          .append("</code></td></tr>\n");
    }
    out.append("</table>\n");
  }

  /** Each model's configuration, folded away: long, and needed only to tell runs apart. */
  private void configurations() {
    List<Model> configured = models.stream().filter(m -> m.result().model() != null
        && !m.result().model().isEmpty()).toList();
    if (configured.isEmpty()) {
      return;
    }
    out.append("<h2>Model configurations</h2>\n");
    for (Model m : configured) {
      out.append("<details><summary>").append(escape(m.name())).append("</summary>\n<table>\n");
      new TreeMap<>(m.result().model()).forEach((k, v) -> out.append("<tr><th>").append(escape(k))
          .append("</th><td>").append(escape(v)).append("</td></tr>\n"));
      out.append("</table>\n</details>\n");
    }
  }
}
