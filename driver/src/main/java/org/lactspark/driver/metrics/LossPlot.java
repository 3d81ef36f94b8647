package org.lactspark.driver.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/** The loss curve as a PNG (XChart): training loss per step and validation loss where measured. */
public final class LossPlot {
  private LossPlot() {}

  /**
   * Writes {@code loss.png} into {@code runDir}; returns its location.
   *
   * @param trainSteps steps with a finite training loss
   * @param validationSteps steps at which validation ran (may be empty)
   */
  public static String write(String runDir, String title, List<Integer> trainSteps, List<Double> trainLoss,
      List<Integer> validationSteps, List<Double> validationLoss, Configuration conf) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle("step")
        .yAxisTitle("loss (nats per token)").build();
    chart.getStyler().setMarkerSize(3);
    if (!trainSteps.isEmpty()) {
      chart.addSeries("train", trainSteps, trainLoss).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    }
    if (!validationSteps.isEmpty()) {
      chart.addSeries("validation", validationSteps, validationLoss)
          .setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    BitmapEncoder.saveBitmap(chart, png, BitmapEncoder.BitmapFormat.PNG);
    Path p = new Path(runDir, "loss.png");
    FileSystem fs = p.getFileSystem(conf);
    try (OutputStream out = fs.create(p, true)) {
      out.write(png.toByteArray());
    }
    return fs.makeQualified(p).toString();
  }
}
