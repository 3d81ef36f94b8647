package org.lactspark.driver.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lactspark.driver.eval.report.ReportFixtures.history;
import static org.lactspark.driver.eval.report.ReportFixtures.model;
import static org.lactspark.driver.eval.report.ReportFixtures.report;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page as a browser shows it: headless Chromium opens the written files and reports, through
 * the page's load hook, how many embedded images decoded; a screenshot shows plots drawn. Skipped
 * where Chromium is not installed (.ci/run installs it).
 */
class ReportBrowserTest {
  private static final int WIDTH = 1280;
  private static final int HEIGHT = 2400;

  @TempDir
  Path tmp;

  @Test
  void everyEmbeddedImageIsDisplayed() throws IOException, InterruptedException {
    Optional<ReportChromium> chromium = ReportChromium.find(tmp);
    assumeTrue(chromium.isPresent(), ReportChromium.INSTALL_HINT);
    Map<String, byte[]> files = ReportRenderer.render(report(List.of(model("model", true, 0, "niah", "mqar"),
        model("baseline <&>", true, 0.15, "niah", "mqar")), "a note"), history());
    Path page = write(files, Files.createDirectory(tmp.resolve("report")));
    long pngs = files.keySet().stream().filter(f -> f.endsWith(".png")).count();

    String dom = chromium.get().dumpDom(page);
    String stderr = chromium.get().lastStderr();
    assertEquals(pngs, attribute(dom, "data-images-total", stderr), "images on the page");
    assertEquals(pngs, attribute(dom, "data-images-loaded", stderr), "images decoded and shown");

    BufferedImage shot = ReportImages.decode(Files.readAllBytes(chromium.get().screenshot(page, WIDTH, HEIGHT)));
    assertEquals(WIDTH, shot.getWidth(), "screenshot width");
    assertTrue(ReportImages.distinctColours(shot) > 50, "screenshot nearly blank");
    // the page's own styles are grey: coloured pixels come from the plots
    assertTrue(ReportImages.colourfulPixels(shot) > 2000, "no plot visible in the screenshot");
  }

  private static Path write(Map<String, byte[]> files, Path dir) throws IOException {
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Files.write(dir.resolve(f.getKey()), f.getValue());
    }
    return dir.resolve(ReportRenderer.HTML_FILE);
  }

  /** The value the load hook set on {@code <body>}; fails, with Chromium's stderr, when absent. */
  private static long attribute(String dom, String name, String stderr) {
    Matcher m = Pattern.compile("<body[^>]*\\s" + name + "=\"(\\d+)\"").matcher(dom);
    assertTrue(m.find(), name + " not set on <body> (did the load hook run?); chromium stderr:\n" + stderr);
    return Long.parseLong(m.group(1));
  }
}
