package org.lactspark.driver.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lactspark.driver.eval.report.ReportFixtures.NASTY;
import static org.lactspark.driver.eval.report.ReportFixtures.history;
import static org.lactspark.driver.eval.report.ReportFixtures.model;
import static org.lactspark.driver.eval.report.ReportFixtures.report;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.lactspark.driver.eval.EvalReport;
import org.lactspark.driver.eval.EvalReport.Bucket;
import org.lactspark.driver.eval.EvalReport.ModelResult;
import org.lactspark.driver.eval.EvalReport.PositionLoss;
import org.lactspark.driver.eval.HistoryEntry;

/** Which files come out for which report, and what is in them. */
class ReportRendererTest {
  private static final String HTML = ReportRenderer.HTML_FILE;

  @Test
  void oneModelWithPositionsOnly() {
    Map<String, byte[]> files = ReportRenderer.render(report(List.of(model("model", true, 0))), List.of());
    assertEquals(List.of("per-position-loss.png", HTML), names(files));
    checkPng(files.get("per-position-loss.png"), Charts.WIDTH, Charts.HEIGHT);
    checkHtml(files);
  }

  @Test
  void oneModelWithProbesOnly() {
    Map<String, byte[]> files = ReportRenderer.render(report(List.of(model("model", false, 0, "niah"))));
    assertEquals(List.of("retrieval-model.png", HTML), names(files));
    checkPng(files.get("retrieval-model.png"), Charts.HEAT_WIDTH, Charts.HEAT_HEIGHT);
    String html = checkHtml(files);
    assertTrue(html.contains("no dataset scored for loss"), "says there was no loss dataset");
  }

  @Test
  void noPositionsNoProbesGivesThePageAlone() {
    Map<String, byte[]> files = ReportRenderer.render(report(List.of(model("model", false, 0))), null);
    assertEquals(List.of(HTML), names(files));
    String html = checkHtml(files);
    assertTrue(html.contains("<td class=\"num\">" + Text.MISSING + "</td>"), "missing numbers show as a dash");
  }

  @Test
  void noModelsGivesThePageAlone() {
    EvalReport empty = new EvalReport(1, null, null, null, null, null);
    assertEquals(List.of(HTML), names(ReportRenderer.render(empty, List.of())));
  }

  @Test
  void modelAndBaselineWithEverything() {
    EvalReport r = report(List.of(model("model", true, 0, "niah", "mqar"), model("baseline", true, 0.15, "niah",
        "mqar")), "TTT helps at long range.");
    Map<String, byte[]> files = ReportRenderer.render(r, history());
    assertEquals(List.of("per-position-loss.png", "per-position-difference.png", "retrieval-niah-model.png",
        "retrieval-mqar-model.png", "retrieval-niah-baseline.png", "retrieval-mqar-baseline.png",
        "retrieval-by-length.png", "history.png", HTML), names(files));
    for (String png : pngs(files)) {
      boolean heat = png.startsWith("retrieval-") && !png.equals("retrieval-by-length.png");
      checkPng(files.get(png), heat ? Charts.HEAT_WIDTH : Charts.WIDTH, heat ? Charts.HEAT_HEIGHT : Charts.HEIGHT);
    }
    String html = checkHtml(files);
    assertTrue(html.contains("<h2>History</h2>"), "history table");
    assertTrue(html.contains("/runs/m/ckpt-4000/eval.json"), "history rows");
    assertTrue(html.contains("TTT helps at long range."), "notes");
    assertTrue(html.contains("mqar-L1024-d0.50"), "per-probe rows");
  }

  @Test
  void modelAndBaselineWithoutProbesOrHistory() {
    Map<String, byte[]> files = ReportRenderer.render(report(List.of(model("model", true, 0),
        model("baseline", true, 0.15))), List.of());
    assertEquals(List.of("per-position-loss.png", "per-position-difference.png", HTML), names(files));
    assertFalse(checkHtml(files).contains("<h2>History</h2>"), "no history section without history");
  }

  @Test
  void modelAndBaselineWithProbesOnly() {
    Map<String, byte[]> files = ReportRenderer.render(report(List.of(model("model", false, 0, "niah"),
        model("baseline", false, 0.1, "niah"))), List.of());
    assertEquals(List.of("retrieval-model.png", "retrieval-baseline.png", "retrieval-by-length.png", HTML),
        names(files));
    checkHtml(files);
  }

  @Test
  void historyAloneAddsItsPlotAndTable() {
    Map<String, byte[]> files = ReportRenderer.render(report(List.of(model("model", false, 0))), history());
    assertEquals(List.of("history.png", HTML), names(files));
    checkPng(files.get("history.png"), Charts.WIDTH, Charts.HEIGHT);
    checkHtml(files);
  }

  @Test
  void historyWithoutAnyFiniteNumberHasATableButNoPlot() {
    List<HistoryEntry> blank = List.of(new HistoryEntry(10, "/c", "t", Double.NaN, Double.NaN, Double.NaN, "/r"));
    Map<String, byte[]> files = ReportRenderer.render(report(List.of(model("model", false, 0))), blank);
    assertEquals(List.of(HTML), names(files));
    assertTrue(checkHtml(files).contains("<h2>History</h2>"), "history table");
  }

  @Test
  void allNanBucketsDrawNothing() {
    ModelResult m = model("model", true, 0);
    List<Bucket> nan = List.of(new Bucket(0, 64, Double.NaN, 0), new Bucket(64, 128, Double.NaN, 0));
    ModelResult empty = new ModelResult(m.label(), m.checkpoint(), m.step(), m.tttEnabled(), m.model(), m.loss(),
        new PositionLoss(64, nan), m.retrieval(), m.timing());
    assertEquals(List.of(HTML), names(ReportRenderer.render(report(List.of(empty)))));
    // beside a model with finite buckets: its own curve, and no difference (nothing in common)
    Map<String, byte[]> two = ReportRenderer.render(report(List.of(m, empty)));
    assertEquals(List.of("per-position-loss.png", HTML), names(two));
  }

  @Test
  void singlePointsStillDraw() {
    // one bucket, one probe split, one evaluation: axes with a zero-width data range
    ModelResult m = model("model", true, 0, "niah");
    ModelResult one = new ModelResult("one", m.checkpoint(), m.step(), false, null, m.loss(),
        new PositionLoss(64, List.of(new Bucket(0, 64, 3.0, 10))), m.retrieval().subList(0, 1), null);
    ModelResult two = new ModelResult("two", m.checkpoint(), m.step(), true, null, m.loss(),
        new PositionLoss(64, List.of(new Bucket(0, 64, 2.5, 10))), m.retrieval().subList(0, 1), m.timing());
    Map<String, byte[]> files = ReportRenderer.render(report(List.of(one, two)), history().subList(0, 1));
    assertEquals(List.of("per-position-loss.png", "per-position-difference.png", "retrieval-one.png",
        "retrieval-two.png", "retrieval-by-length.png", "history.png", HTML), names(files));
    for (String png : pngs(files)) {
      ReportImages.decode(files.get(png));
    }
    checkHtml(files);
  }

  @Test
  void labelsAndNotesAreEscapedAndFileNamesSafe() {
    EvalReport r = report(List.of(model(NASTY, true, 0, "niah"), model(NASTY, true, 0.1, "niah")),
        "note " + NASTY, "second note");
    Map<String, byte[]> files = ReportRenderer.render(r, history());
    assertEquals(List.of("per-position-loss.png", "per-position-difference.png", "retrieval-b.png",
        "retrieval-b-2.png", "retrieval-by-length.png", "history.png", HTML), names(files));
    String html = checkHtml(files);
    assertFalse(html.contains(NASTY), "raw label or note in the page");
    assertFalse(html.contains("<b>"), "markup from the report's strings");
    assertTrue(html.contains("<td>&lt;b&gt;&amp;&quot;</td>"), "label escaped in the table");
    assertTrue(html.contains("&lt;b&gt;&amp;&quot; (2)"), "the repeated label made distinct");
    assertTrue(html.contains("<li>note &lt;b&gt;&amp;&quot;</li>"), "note escaped");
    assertTrue(html.contains("hdfs:///data/val &lt;x&gt;"), "path escaped");
    assertTrue(html.contains("a&lt;b"), "configuration value escaped");
  }

  @Test
  void numbersIgnoreTheLocaleAndNanIsADash() {
    // the test JVM runs in German (see the parent POM): a locale-formatted 3.2 would read "3,2000"
    String html = checkHtml(ReportRenderer.render(report(List.of(model("model", true, 0, "niah")))));
    assertTrue(html.contains(">3.2000<"), "loss per token with a decimal point");
    assertTrue(html.contains(">131,072<"), "tokens grouped");
    assertFalse(html.contains("NaN"), "NaN never printed");
  }

  @Test
  void heatMapColoursUseTheFixedRange() {
    // all-perfect and all-failed maps: with a range taken from the data both would be one colour
    Map<String, byte[]> files = ReportRenderer.render(report(List.of(ReportFixtures.uniform("perfect", 1.0),
        ReportFixtures.uniform("failed", 0.0))));
    BufferedImage perfect = ReportImages.decode(files.get("retrieval-perfect.png"));
    BufferedImage failed = ReportImages.decode(files.get("retrieval-failed.png"));
    int green = 0x1a9850;
    int red = 0xd73027;
    assertTrue(ReportImages.pixelsNear(perfect, green, 2) > 20 * ReportImages.pixelsNear(perfect, red, 2),
        "accuracy 1 is green");
    assertTrue(ReportImages.pixelsNear(failed, red, 2) > 20 * ReportImages.pixelsNear(failed, green, 2),
        "accuracy 0 is red");
  }

  static List<String> names(Map<String, byte[]> files) {
    return new ArrayList<>(files.keySet());
  }

  static List<String> pngs(Map<String, byte[]> files) {
    return files.keySet().stream().filter(f -> f.endsWith(".png")).toList();
  }

  /** Decodes, has the size, and is not blank: a drawn chart has axes, text, lines in colour. */
  static void checkPng(byte[] png, int width, int height) {
    BufferedImage image = ReportImages.decode(png);
    assertEquals(width, image.getWidth(), "width");
    assertEquals(height, image.getHeight(), "height");
    assertTrue(ReportImages.distinctColours(image) >= 8, "fewer than 8 colours: blank?");
    assertTrue(ReportImages.colourfulPixels(image) > 500, "hardly any coloured pixel: no data drawn?");
  }

  /** The page is self-contained and embeds each PNG once, as a data URI with alt text. */
  static String checkHtml(Map<String, byte[]> files) {
    String html = new String(files.get(HTML), StandardCharsets.UTF_8);
    assertTrue(html.startsWith("<!DOCTYPE html>"), "doctype");
    assertFalse(html.contains("http://") || html.contains("https://"), "no URL of the web");
    Matcher refs = Pattern.compile("(?:src|href)\\s*=\\s*\"([^\"]{0,22})").matcher(html);
    while (refs.find()) {
      assertEquals("data:image/png;base64,", refs.group(1), "only data URIs are referenced");
    }
    List<String> pngs = pngs(files);
    assertEquals(pngs.size(), count(html, "<img src=\"data:image/png;base64,"), "one <img> per PNG");
    assertEquals(pngs.size(), count(html, "<img "), "no other image");
    assertEquals(pngs.size(), count(html, "\" alt=\""), "every image has alt text");
    assertEquals(pngs.size(), count(html, "<figcaption>"), "every image has a caption");
    for (String png : pngs) {
      String uri = "data:image/png;base64," + Base64.getEncoder().encodeToString(files.get(png)) + "\"";
      assertEquals(1, count(html, uri), png + " embedded once");
    }
    assertEquals(1, count(html, "<script>"), "only the load hook's script");
    return html;
  }

  static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
      n++;
    }
    return n;
  }
}
